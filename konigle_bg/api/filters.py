"""List filters of the API as django-filter FilterSets: in the schema, and a bad value is a
400 (field-error shape) instead of being ignored."""

from __future__ import annotations

from django import forms
from django.db.models import F
from django_filters import rest_framework as filters

from ..conf import bg_settings
from ..models import JobStatus, needs_review_q

MAX_ID = 2**63 - 1


class IdFilter(filters.NumberFilter):
    """A primary key: a whole number in the database's range (1.5 or 1e30 is a 400)."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)


class StrictBooleanField(forms.NullBooleanField):
    """true/false (1/0, yes/no, on/off); anything else is an error, not "no filter"."""

    TRUE, FALSE = {"true", "1", "yes", "on"}, {"false", "0", "no", "off"}

    def to_python(self, value):
        if value in (None, ""):
            return None
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in self.TRUE:
            return True
        if text in self.FALSE:
            return False
        raise forms.ValidationError("Use true or false.", code="invalid")


class StrictBooleanFilter(filters.BooleanFilter):
    field_class = StrictBooleanField

    def __init__(self, *args, **kwargs) -> None:
        # A plain text widget: django-filter's BooleanWidget turns any other word into None.
        kwargs.setdefault("widget", forms.TextInput)
        super().__init__(*args, **kwargs)


class ImageFilter(filters.FilterSet):
    product = IdFilter(method="filter_product", help_text="Photos of this product.")
    status = filters.ChoiceFilter(
        field_name="bg_state__status",
        choices=JobStatus.choices,
        help_text="Current processing status.",
    )
    needs_review = StrictBooleanFilter(
        method="filter_needs_review",
        help_text="Failed, held, or confidence under KONIGLE_BG['REVIEW_THRESHOLD'].",
    )
    ordering = filters.ChoiceFilter(
        method="filter_ordering",
        choices=[("confidence", "confidence"), ("-confidence", "-confidence")],
        help_text="Default: held first, then least confident, failed before any score.",
    )

    def filter_product(self, queryset, name, value):
        return queryset.filter(**{f"{bg_settings.PRODUCT_FIELD}_id": int(value)})

    def filter_needs_review(self, queryset, name, value):
        return queryset.filter(needs_review_q()) if value else queryset

    def filter_ordering(self, queryset, name, value):
        confidence = F("bg_state__confidence")
        if value == "-confidence":
            return queryset.order_by(confidence.desc(nulls_last=True), "pk")
        return queryset.order_by(confidence.asc(nulls_last=True), "pk")


class JobFilter(filters.FilterSet):
    image = IdFilter(field_name="image_id", help_text="Jobs of this photo.")
    status = filters.ChoiceFilter(choices=JobStatus.choices)


class ThemeFilter(filters.FilterSet):
    store = IdFilter(field_name="store_id", help_text="Themes of this store.")


class ThemeRunFilter(filters.FilterSet):
    store = IdFilter(field_name="store_id", help_text="Switches of this store.")

"""Serializers of the API. Validation that needs the photo or the services ends in services."""

from __future__ import annotations

from django.urls import reverse
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.exceptions import ErrorDetail

from .. import host, services
from ..conf import bg_settings
from ..imaging.compose import PRESETS, Theme
from ..models import BackgroundTheme, Cutout, Job, JobStatus, ThemeRun, Variant
from . import permissions


def _abs(request, url: str) -> str:
    return request.build_absolute_uri(url) if request and url else url


def _file_url(request, f) -> str | None:
    return _abs(request, f.url) if f else None


# ---------------------------------------------------------------- results


class VariantSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField(help_text="The rendered file.")
    theme_name = serializers.CharField(source="theme.name", default=None, read_only=True)

    class Meta:
        model = Variant
        fields = [
            "id",
            "url",
            "theme",
            "theme_name",
            "cutout",
            "theme_run",
            "status",
            "error",
            "is_active",
            "created",
            "activated",
        ]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, obj) -> str | None:
        return _file_url(self.context.get("request"), obj.file)


class CutoutSerializer(serializers.ModelSerializer):
    rgba_url = serializers.SerializerMethodField(help_text="The cut-out, RGBA PNG.")
    mask_url = serializers.SerializerMethodField(help_text="The alpha matte, greyscale PNG.")

    class Meta:
        model = Cutout
        fields = [
            "id",
            "prompt",
            "box",
            "segmenter",
            "confidence",
            "bbox",
            "width",
            "height",
            "status",
            "error",
            "duration_ms",
            "rgba_url",
            "mask_url",
            "created",
        ]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.URI)
    def get_rgba_url(self, obj) -> str | None:
        return _file_url(self.context.get("request"), obj.rgba)

    @extend_schema_field(OpenApiTypes.URI)
    def get_mask_url(self, obj) -> str | None:
        return _file_url(self.context.get("request"), obj.mask)


class JobSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField(help_text="Poll this until status is done or failed.")

    class Meta:
        model = Job
        fields = [
            "id",
            "url",
            "image",
            "kind",
            "prompt",
            "box",
            "status",
            "error",
            "variant",
            "created",
            "finished",
        ]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, obj) -> str:
        url = reverse("konigle_bg_api:job-detail", args=[obj.pk])
        return _abs(self.context.get("request"), url)


# ---------------------------------------------------------------- photos


class ImageSerializer(serializers.Serializer):
    """A host photo with konigle_bg's state. Expects ``active_variants`` prefetched."""

    id = serializers.IntegerField(read_only=True)
    product = serializers.SerializerMethodField()
    product_title = serializers.SerializerMethodField()
    status = serializers.SerializerMethodField(help_text="pending, running, done, failed or ''.")
    error = serializers.SerializerMethodField()
    confidence = serializers.SerializerMethodField()
    needs_review = serializers.SerializerMethodField()
    reverted = serializers.SerializerMethodField()
    original_url = serializers.SerializerMethodField()
    display_url = serializers.SerializerMethodField(
        help_text="What the storefront shows: the active variant, else the original."
    )
    active_variant = serializers.SerializerMethodField()
    theme = serializers.SerializerMethodField(help_text="Theme of the active variant.")

    def get_product(self, obj) -> int:
        return getattr(obj, f"{bg_settings.PRODUCT_FIELD}_id")

    def get_product_title(self, obj) -> str:
        return host.product_title(host.image_product(obj))

    def get_status(self, obj) -> str:
        return services.photo_status(obj).status

    def get_error(self, obj) -> str:
        return services.photo_status(obj).error

    def get_confidence(self, obj) -> float | None:
        return services.photo_status(obj).confidence

    def get_needs_review(self, obj) -> bool:
        return services.photo_status(obj).needs_review

    def get_reverted(self, obj) -> bool:
        return services.photo_status(obj).reverted

    @extend_schema_field(OpenApiTypes.URI)
    def get_original_url(self, obj) -> str | None:
        return _file_url(self.context.get("request"), host.image_file(obj))

    @extend_schema_field(OpenApiTypes.URI)
    def get_display_url(self, obj) -> str | None:
        return _file_url(self.context.get("request"), services.photo_status(obj).shown_file)

    def get_active_variant(self, obj) -> int | None:
        active = services.photo_status(obj).active
        return active.pk if active else None

    def get_theme(self, obj) -> str | None:
        return services.photo_status(obj).theme_name or None


class ImageDetailSerializer(ImageSerializer):
    variants = serializers.SerializerMethodField()
    cutouts = serializers.SerializerMethodField()
    prompt = serializers.SerializerMethodField(help_text="The remembered re-prompt, if any.")
    box = serializers.SerializerMethodField(help_text="The remembered box, if any.")
    latest_job = serializers.SerializerMethodField()

    @extend_schema_field(VariantSerializer(many=True))
    def get_variants(self, obj):
        qs = Variant.objects.filter(image=obj).select_related("theme").order_by("-created", "-pk")
        return VariantSerializer(qs, many=True, context=self.context).data

    @extend_schema_field(CutoutSerializer(many=True))
    def get_cutouts(self, obj):
        qs = Cutout.objects.filter(image=obj).order_by("-created", "-pk")
        return CutoutSerializer(qs, many=True, context=self.context).data

    def get_prompt(self, obj) -> str:
        state = services.photo_status(obj).state
        return state.prompt if state else ""

    @extend_schema_field(serializers.ListField(child=serializers.IntegerField(), allow_null=True))
    def get_box(self, obj):
        state = services.photo_status(obj).state
        return state.box if state else None

    @extend_schema_field(JobSerializer(allow_null=True))
    def get_latest_job(self, obj):
        job = Job.objects.filter(image=obj).first()
        return JobSerializer(job, context=self.context).data if job else None


class RepromptSerializer(serializers.Serializer):
    """A few words and/or a box around the product, in the photo's pixel coordinates."""

    prompt = serializers.CharField(
        required=False, allow_blank=True, max_length=services.MAX_PROMPT_LENGTH
    )
    box = serializers.ListField(
        child=serializers.FloatField(),
        required=False,
        allow_null=True,
        min_length=4,
        max_length=4,
        help_text="[x0, y0, x1, y1] in the original photo's pixels (EXIF orientation applied).",
    )

    def validate(self, attrs: dict) -> dict:
        image = self.context["image"]
        box = attrs.get("box")
        if box:  # a box off the photo, or an unreadable photo: a domain error (api.errors)
            attrs["box"] = services.clamp_box(box, *services.photo_size(image))
        if attrs.get("prompt") and not services.accepts_prompts():
            raise serializers.ValidationError(
                {
                    "prompt": [
                        ErrorDetail(
                            _(
                                "The installed segmentation backend (%(backend)s) cannot take "
                                "text prompts; send a box around the product instead."
                            )
                            % {"backend": bg_settings.SEGMENTER},
                            "prompts_not_supported",
                        )
                    ]
                }
            )
        if not attrs.get("prompt") and not attrs.get("box"):
            raise serializers.ValidationError(
                _("Give a prompt, a box around the product, or both.")
            )
        return attrs


class ActivateSerializer(serializers.Serializer):
    variant = serializers.IntegerField(help_text="Id of a finished variant of this photo.")

    def validate_variant(self, value: int) -> Variant:
        variant = Variant.objects.filter(
            image=self.context["image"], pk=value, status=JobStatus.DONE
        ).first()
        if variant is None:
            raise serializers.ValidationError(
                _("Unknown variant %(variant)s for this photo.") % {"variant": value},
                code="does_not_exist",
            )
        return variant


# ---------------------------------------------------------------- themes and runs


def _spec_errors(exc: Exception) -> dict | list:
    """``"framing.fill: 7 is outside (0, 1]"`` -> ``{"framing.fill": ["7 is outside (0, 1]"]}``."""
    text = str(exc)
    path, sep, message = text.partition(": ")
    if sep and path and " " not in path:
        return {path: [message]}
    return [text]


class ThemeSerializer(serializers.ModelSerializer):
    """A store's background theme. ``spec`` is validated (and normalised) by Theme.from_dict;
    give ``preset`` alone to start from one of the presets."""

    store = serializers.PrimaryKeyRelatedField(queryset=BackgroundTheme.objects.none())
    slug = serializers.SlugField(required=False, max_length=80)
    spec = serializers.JSONField(required=False)
    preset = serializers.ChoiceField(choices=list(PRESETS), required=False, allow_blank=True)

    class Meta:
        model = BackgroundTheme
        fields = ["id", "store", "name", "slug", "preset", "spec", "is_active", "created"]
        read_only_fields = ["id", "is_active", "created"]

    def get_validators(self) -> list:
        # The (store, slug) uniqueness is checked in validate(), where a missing slug is
        # derived from the name first; DRF's generated validator would demand the slug.
        return []

    def get_fields(self):
        fields = super().get_fields()
        request = self.context.get("request")
        user = request.user if request else None
        fields["store"].queryset = permissions.stores(user)
        if self.instance is not None and not isinstance(self.instance, list | tuple):
            fields["store"].read_only = True  # a theme does not move between stores
        return fields

    def validate_spec(self, value) -> dict:
        try:
            return Theme.from_dict(value).to_dict()
        except (ValueError, TypeError) as exc:
            raise serializers.ValidationError(_spec_errors(exc)) from exc

    def validate(self, attrs: dict) -> dict:
        if self.instance is None and "spec" not in attrs:
            preset = attrs.get("preset")
            if not preset:
                raise serializers.ValidationError({"spec": [_("Give a spec or a preset.")]})
            attrs["spec"] = PRESETS[preset].to_dict()
        store = attrs.get("store") or getattr(self.instance, "store", None)
        name = attrs.get("name") or getattr(self.instance, "name", "")
        if "slug" not in attrs and self.instance is None:
            attrs["slug"] = slugify(name)[:80] or "theme"
        slug = attrs.get("slug")
        if slug and store is not None:
            clash = BackgroundTheme.objects.filter(store=store, slug=slug)
            if self.instance is not None:
                clash = clash.exclude(pk=self.instance.pk)
            if clash.exists():
                raise serializers.ValidationError(
                    {"slug": [ErrorDetail(_("This store has a theme with it."), "unique")]}
                )
        return attrs


class ThemeRunSerializer(serializers.ModelSerializer):
    theme = serializers.PrimaryKeyRelatedField(queryset=BackgroundTheme.objects.none())
    theme_name = serializers.CharField(source="theme.name", read_only=True)
    processed = serializers.IntegerField(read_only=True)
    percent = serializers.IntegerField(read_only=True)

    class Meta:
        model = ThemeRun
        fields = [
            "id",
            "store",
            "theme",
            "theme_name",
            "state",
            "activation",
            "include_reverted",
            "total",
            "done",
            "failed",
            "skipped",
            "processed",
            "percent",
            "cancel_requested",
            "created",
            "finished",
        ]
        read_only_fields = [
            "id",
            "store",
            "state",
            "total",
            "done",
            "failed",
            "skipped",
            "cancel_requested",
            "created",
            "finished",
        ]

    def get_fields(self):
        fields = super().get_fields()
        request = self.context.get("request")
        fields["theme"].queryset = permissions.themes(request.user if request else None)
        return fields

    def create(self, validated_data: dict) -> ThemeRun:
        # ThemeRunConflict is the API's 409, ThemeRunError a 400 on "theme" (api.errors).
        theme = validated_data["theme"]
        return services.start_theme_run(
            theme.store,
            theme,
            self.context["request"].user,
            activation=validated_data.get("activation", ThemeRun.Activation.AT_END),
            include_reverted=validated_data.get("include_reverted", False),
        )

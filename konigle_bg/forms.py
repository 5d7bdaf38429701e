"""Forms of the review pages (the API has its own serializers; both end in services)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import JobStatus
from .services import MAX_PROMPT_LENGTH


class ReviewFilterForm(forms.Form):
    needs_review = forms.BooleanField(required=False, label=_("Needs review only"))
    status = forms.ChoiceField(
        required=False, choices=[("", _("Any status")), *JobStatus.choices], label=_("Status")
    )
    per_page = forms.TypedChoiceField(
        required=False,
        coerce=int,
        empty_value=50,
        choices=[(n, n) for n in (25, 50, 100, 200)],
        label=_("Per page"),
    )


class RepromptForm(forms.Form):
    """A few words and/or a box (photo pixels, set by dragging on the photo)."""

    prompt = forms.CharField(
        required=False,
        max_length=MAX_PROMPT_LENGTH,
        label="What is the product?",
        widget=forms.TextInput(attrs={"placeholder": "e.g. red kettle", "size": 28}),
    )
    x0 = forms.IntegerField(required=False, widget=forms.HiddenInput)
    y0 = forms.IntegerField(required=False, widget=forms.HiddenInput)
    x1 = forms.IntegerField(required=False, widget=forms.HiddenInput)
    y1 = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, accepts_prompts: bool = True, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.accepts_prompts = accepts_prompts
        if not accepts_prompts:
            # The backend cannot read text: say so, and keep the box working.
            field = self.fields["prompt"]
            field.disabled = True
            field.help_text = (
                "The installed segmentation backend cannot take text prompts; "
                "drag a box around the product on the photo instead."
            )

    def clean(self) -> dict:
        data = super().clean()
        coords = [data.get(k) for k in ("x0", "y0", "x1", "y1")]
        given = [c is not None for c in coords]
        if any(given) and not all(given):
            raise forms.ValidationError(_("The box needs all four corners; drag it again."))
        data["box"] = coords if all(given) else None
        if not self.accepts_prompts:
            data["prompt"] = ""
        if not data.get("prompt") and data["box"] is None:
            raise forms.ValidationError(_("Type what the product is, or drag a box around it."))
        return data

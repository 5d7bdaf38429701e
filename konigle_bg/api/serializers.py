"""Serializers of the API. Validation that needs the photo or the services ends in services."""

from __future__ import annotations

from django.urls import reverse
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.exceptions import ErrorDetail

from .. import services
from ..conf import bg_settings
from ..imaging.compose import PRESETS, Theme
from ..models import MADE_OUTCOMES, BackgroundTheme, Cutout, Job, JobStatus, ThemeRun, Variant
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
    outcome = serializers.ChoiceField(
        choices=[(s.value, s.label) for s in MADE_OUTCOMES],
        allow_blank=True,
        read_only=True,
        help_text="A done job's result: done (shown), held (waits for the seller to accept "
        "it), reverted (kept in the history, not shown: the photo was reverted meanwhile); "
        "'' until the job ends, and for a failed one.",
    )

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
            "outcome",
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


@extend_schema_field(OpenApiTypes.URI)
class AbsoluteUrlField(serializers.CharField):
    """A site-relative URL made absolute for the request; null when there is none."""

    def __init__(self, **kwargs) -> None:
        super().__init__(read_only=True, allow_null=True, **kwargs)

    def to_representation(self, value: str) -> str | None:
        return _abs(self.context.get("request"), value) or None


class OptionalTextField(serializers.CharField):
    """Text, or null when empty."""

    def __init__(self, **kwargs) -> None:
        super().__init__(read_only=True, allow_null=True, **kwargs)

    def to_representation(self, value: str) -> str | None:
        return value or None


class ImageSerializer(serializers.Serializer):
    """A host photo with konigle_bg's state, read off ``services.PhotoStatus`` (the read model
    the review pages show too). Expects the queryset of ``ImageViewSet.get_queryset``."""

    id = serializers.IntegerField(source="image.pk", read_only=True)
    product = serializers.IntegerField(source="product.pk", read_only=True)
    product_title = serializers.CharField(read_only=True)
    status = serializers.CharField(
        read_only=True, help_text="pending, running, done, failed or ''."
    )
    status_label = serializers.CharField(
        source="label", read_only=True, help_text="The status in the seller's words."
    )
    error = serializers.CharField(read_only=True)
    confidence = serializers.FloatField(
        read_only=True, allow_null=True, help_text="The latest result's (the held one's)."
    )
    needs_review = serializers.BooleanField(read_only=True)
    held = serializers.BooleanField(
        source="is_held",
        read_only=True,
        help_text="A result waits for the seller (under HOLD_THRESHOLD): made, not shown "
        "until accepted (POST .../accept/), corrected or re-prompted.",
    )
    reverted = serializers.BooleanField(read_only=True)
    original_url = AbsoluteUrlField()
    display_url = AbsoluteUrlField(
        help_text="What the storefront shows: the active variant, else the original."
    )
    pending_url = AbsoluteUrlField(help_text="The held result, not shown yet; null if none.")
    active_variant = serializers.IntegerField(
        source="active.pk", read_only=True, allow_null=True, default=None
    )
    pending_variant = serializers.IntegerField(
        source="held.pk",
        read_only=True,
        allow_null=True,
        default=None,
        help_text="The held result's variant.",
    )
    theme = OptionalTextField(source="theme_name", help_text="Theme of the active variant.")
    made_by = OptionalTextField(
        help_text="The segmentation model that made the latest result (held, else shown)."
    )

    def to_representation(self, instance):
        return super().to_representation(services.photo_status(instance))


class ImageDetailSerializer(ImageSerializer):
    variants = serializers.SerializerMethodField()
    cutouts = serializers.SerializerMethodField()
    prompt = serializers.CharField(read_only=True, help_text="The remembered re-prompt, if any.")
    box = serializers.ListField(
        child=serializers.IntegerField(),
        read_only=True,
        allow_null=True,
        help_text="The remembered box, if any.",
    )
    latest_job = serializers.SerializerMethodField()

    @extend_schema_field(VariantSerializer(many=True))
    def get_variants(self, photo: services.PhotoStatus):
        qs = (
            Variant.objects.filter(image=photo.image)
            .select_related("theme")
            .order_by("-created", "-pk")
        )
        return VariantSerializer(qs, many=True, context=self.context).data

    @extend_schema_field(CutoutSerializer(many=True))
    def get_cutouts(self, photo: services.PhotoStatus):
        qs = Cutout.objects.filter(image=photo.image).order_by("-created", "-pk")
        return CutoutSerializer(qs, many=True, context=self.context).data

    @extend_schema_field(JobSerializer(allow_null=True))
    def get_latest_job(self, photo: services.PhotoStatus):
        job = Job.objects.filter(image=photo.image).first()
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

"""API views: querysets scoped to the user's stores; writes go through services."""

from __future__ import annotations

from django.db.models import F, Prefetch
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from .. import services
from ..conf import bg_settings
from ..models import JobStatus, Variant, in_review_order, needs_review_q
from . import permissions
from .permissions import IsStoreMember
from .serializers import (
    ActivateSerializer,
    ImageDetailSerializer,
    ImageSerializer,
    JobSerializer,
    RepromptSerializer,
    ThemeRunSerializer,
    ThemeSerializer,
)

TRUE = {"1", "true", "yes", "on"}


def _invalid(exc: services.InvalidRequest) -> ValidationError:
    return ValidationError({exc.field or "non_field_errors": [str(exc)]})


@extend_schema(
    parameters=[
        OpenApiParameter("product", OpenApiTypes.INT, description="Photos of this product."),
        OpenApiParameter(
            "status",
            OpenApiTypes.STR,
            enum=list(JobStatus.values),
            description="Current processing status.",
        ),
        OpenApiParameter(
            "needs_review",
            OpenApiTypes.BOOL,
            description="Failed, or confidence under KONIGLE_BG['REVIEW_THRESHOLD'].",
        ),
        OpenApiParameter(
            "ordering",
            OpenApiTypes.STR,
            enum=["confidence", "-confidence"],
            description="Default: least confident first, failed before any score.",
        ),
    ]
)
class ImageViewSet(viewsets.ReadOnlyModelViewSet):
    """The store's product photos with their processing state, results and cut-outs."""

    permission_classes = [IsStoreMember]
    serializer_class = ImageSerializer

    def get_serializer_class(self):
        return ImageDetailSerializer if self.action != "list" else ImageSerializer

    def get_queryset(self):
        active = Prefetch(
            "bg_variants",
            queryset=Variant.objects.filter(is_active=True).select_related("theme"),
            to_attr="active_variants",
        )
        qs = (
            permissions.images(self.request.user)
            .select_related(bg_settings.PRODUCT_FIELD, "bg_state")
            .prefetch_related(active)
        )
        params = self.request.query_params
        if self.action != "list":
            return qs
        if params.get("product"):
            try:
                qs = qs.filter(**{f"{bg_settings.PRODUCT_FIELD}_id": int(params["product"])})
            except ValueError:
                raise ValidationError({"product": ["A product id (a number)."]}) from None
        if params.get("status"):
            if params["status"] not in JobStatus.values:
                raise ValidationError({"status": [f"One of {', '.join(JobStatus.values)}."]})
            qs = qs.filter(bg_state__status=params["status"])
        if params.get("needs_review", "").lower() in TRUE:
            qs = qs.filter(needs_review_q())
        ordering = params.get("ordering", "")
        if ordering == "confidence":
            return qs.order_by(F("bg_state__confidence").asc(nulls_last=True), "pk")
        if ordering == "-confidence":
            return qs.order_by(F("bg_state__confidence").desc(nulls_last=True), "pk")
        if ordering:
            raise ValidationError({"ordering": ["confidence or -confidence."]})
        return in_review_order(qs)

    def _detail(self, image, code=status.HTTP_200_OK) -> Response:
        image = self.get_queryset().get(pk=image.pk)  # fresh state and active variant
        return Response(ImageDetailSerializer(image, context={"request": self.request}).data, code)

    @extend_schema(request=None, responses=ImageDetailSerializer)
    @action(detail=True, methods=["post"])
    def revert(self, request: Request, pk=None, format=None) -> Response:
        """Show the original photo again, at once; results stay in the history."""
        image = self.get_object()
        services.revert_image(image)
        return self._detail(image)

    @extend_schema(request=ActivateSerializer, responses=ImageDetailSerializer)
    @action(detail=True, methods=["post"])
    def activate(self, request: Request, pk=None, format=None) -> Response:
        """Show one of the photo's finished variants (any from its history)."""
        image = self.get_object()
        ser = ActivateSerializer(data=request.data, context={"image": image})
        ser.is_valid(raise_exception=True)
        services.activate(ser.validated_data["variant"])
        return self._detail(image)

    @extend_schema(request=RepromptSerializer, responses={202: JobSerializer})
    @action(detail=True, methods=["post"])
    def reprompt(self, request: Request, pk=None, format=None) -> Response:
        """Cut the photo out again from a few words and/or a box; poll the returned job."""
        image = self.get_object()
        ser = RepromptSerializer(data=request.data, context={"image": image})
        ser.is_valid(raise_exception=True)
        try:
            job = services.reprompt(
                image,
                prompt=ser.validated_data.get("prompt") or "",
                box=ser.validated_data.get("box"),
                user=request.user,
            )
        except services.InvalidRequest as exc:
            raise _invalid(exc) from exc
        data = JobSerializer(job, context={"request": request}).data
        return Response(data, status=status.HTTP_202_ACCEPTED, headers={"Location": data["url"]})


class JobViewSet(viewsets.ReadOnlyModelViewSet):
    """Re-prompt and reprocess requests: pending, running, then done or failed with a reason."""

    permission_classes = [IsStoreMember]
    serializer_class = JobSerializer

    def get_queryset(self):
        qs = permissions.jobs(self.request.user)
        image = self.request.query_params.get("image")
        if image and image.isdigit():
            qs = qs.filter(image_id=int(image))
        return qs


_PRODUCT_JOBS = inline_serializer(
    "ProductJobs", {"count": serializers.IntegerField(), "jobs": JobSerializer(many=True)}
)


class ProductViewSet(viewsets.GenericViewSet):
    """Product-wide actions on every photo of a product."""

    permission_classes = [IsStoreMember]
    serializer_class = serializers.Serializer

    def get_queryset(self):
        return permissions.products(self.request.user)

    @extend_schema(
        request=None,
        responses=inline_serializer("ProductRevert", {"reverted": serializers.IntegerField()}),
    )
    @action(detail=True, methods=["post"])
    def revert(self, request: Request, pk=None, format=None) -> Response:
        """Show the originals of every photo of the product again."""
        return Response({"reverted": services.revert_product(self.get_object())})

    @extend_schema(request=None, responses={202: _PRODUCT_JOBS})
    @action(detail=True, methods=["post"])
    def reprocess(self, request: Request, pk=None, format=None) -> Response:
        """Process every photo again (undoes a revert); one job per photo."""
        jobs = services.reprocess_product(self.get_object(), user=request.user)
        data = JobSerializer(jobs, many=True, context={"request": request}).data
        return Response({"count": len(jobs), "jobs": data}, status=status.HTTP_202_ACCEPTED)


class ThemeViewSet(
    mixins.ListModelMixin,
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Background themes of the user's stores (``spec``: see docs/api.md)."""

    permission_classes = [IsStoreMember]
    serializer_class = ThemeSerializer

    def get_queryset(self):
        qs = permissions.themes(self.request.user).order_by("store", "name", "pk")
        store = self.request.query_params.get("store")
        if store and store.isdigit():
            qs = qs.filter(store_id=int(store))
        return qs


class ThemeRunViewSet(
    mixins.ListModelMixin,
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Store-wide theme switches: start one, follow its progress, cancel it."""

    permission_classes = [IsStoreMember]
    serializer_class = ThemeRunSerializer

    def get_queryset(self):
        return permissions.theme_runs(self.request.user).select_related("theme")

    @extend_schema(request=None, responses=ThemeRunSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk=None, format=None) -> Response:
        """Stop an open switch; what a progressive run already switched stays switched."""
        run = self.get_object()
        if not run.is_open:
            raise ValidationError({"state": [f"The switch is already {run.state}."]})
        services.cancel_theme_run(run)
        run.refresh_from_db()
        return Response(ThemeRunSerializer(run, context={"request": request}).data)

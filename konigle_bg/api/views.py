"""API views: querysets scoped to the user's stores; writes go through services."""

from __future__ import annotations

from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from .. import services
from ..conf import bg_settings
from ..models import in_review_order
from . import permissions
from .errors import ContractMixin
from .filters import ImageFilter, JobFilter, ThemeFilter, ThemeRunFilter
from .pagination import Pagination
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


class ImageViewSet(ContractMixin, viewsets.ReadOnlyModelViewSet):
    """The store's product photos with their processing state, results and cut-outs."""

    permission_classes = [IsStoreMember]
    pagination_class = Pagination
    serializer_class = ImageSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = ImageFilter

    def get_serializer_class(self):
        return ImageDetailSerializer if self.action != "list" else ImageSerializer

    # 409: accept on a photo with no result waiting (accepted already, or none was held).
    error_statuses = {"accept": ["409"]}

    def get_queryset(self):
        qs = (
            permissions.images(self.request.user)
            .select_related(bg_settings.PRODUCT_FIELD, *services.status_related())
            .prefetch_related(services.active_variants_prefetch())
        )
        # The filters (api/filters.py) narrow this down; ?ordering= replaces the review order.
        return in_review_order(qs) if self.action == "list" else qs

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

    @extend_schema(request=None, responses=ImageDetailSerializer)
    @action(detail=True, methods=["post"])
    def accept(self, request: Request, pk=None, format=None) -> Response:
        """Show the result held for the seller (``held``: it scored under HOLD_THRESHOLD and
        waits); it is rendered on the photo's current theme. 409 ``nothing_held`` when no
        result waits."""
        image = self.get_object()
        services.accept_held(image)  # NothingHeld: a 409 through the API's error handler
        return self._detail(image)

    @extend_schema(request=RepromptSerializer, responses={202: JobSerializer})
    @action(detail=True, methods=["post"])
    def reprompt(self, request: Request, pk=None, format=None) -> Response:
        """Cut the photo out again from a few words and/or a box; poll the returned job."""
        image = self.get_object()
        ser = RepromptSerializer(data=request.data, context={"image": image})
        ser.is_valid(raise_exception=True)
        job = services.reprompt(
            image,
            prompt=ser.validated_data.get("prompt") or "",
            box=ser.validated_data.get("box"),
            user=request.user,
        )
        data = JobSerializer(job, context={"request": request}).data
        return Response(data, status=status.HTTP_202_ACCEPTED, headers={"Location": data["url"]})


class JobViewSet(ContractMixin, viewsets.ReadOnlyModelViewSet):
    """Re-prompt and reprocess requests: pending, running, then done or failed with a reason."""

    permission_classes = [IsStoreMember]
    pagination_class = Pagination
    serializer_class = JobSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = JobFilter

    def get_queryset(self):
        return permissions.jobs(self.request.user)


_PRODUCT_JOBS = inline_serializer(
    "ProductJobs", {"count": serializers.IntegerField(), "jobs": JobSerializer(many=True)}
)


class ProductViewSet(ContractMixin, viewsets.GenericViewSet):
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
    ContractMixin,
    mixins.ListModelMixin,
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Background themes of the user's stores (``spec``: see docs/api.md)."""

    permission_classes = [IsStoreMember]
    pagination_class = Pagination
    serializer_class = ThemeSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = ThemeFilter

    def get_queryset(self):
        return permissions.themes(self.request.user).order_by("store", "name", "pk")


class ThemeRunViewSet(
    ContractMixin,
    mixins.ListModelMixin,
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Store-wide theme switches: start one, follow its progress, cancel it."""

    permission_classes = [IsStoreMember]
    pagination_class = Pagination
    serializer_class = ThemeRunSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = ThemeRunFilter
    # 409: another switch of the store is still open; cancelling a finished one is a 400.
    error_statuses = {"create": ["409"]}

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

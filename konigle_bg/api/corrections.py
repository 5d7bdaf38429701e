"""``POST /api/bg/images/{id}/corrections/``: a seller's clicks and brush strokes.

``preview=true`` answers at once with the corrected cut-out as an image; without it the
corrected cut-out and its variant on the photo's theme are made as a job (202 + the job URL,
like re-prompt).
"""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from .. import services
from . import permissions
from .errors import ContractMixin
from .permissions import IsStoreMember
from .serializers import JobSerializer


class ClickSerializer(serializers.Serializer):
    x = serializers.FloatField(help_text="Photo pixels, EXIF orientation applied.")
    y = serializers.FloatField(help_text="Photo pixels, EXIF orientation applied.")
    positive = serializers.BooleanField(
        default=True, help_text="true: this is product (add); false: background (remove)."
    )
    all = serializers.BooleanField(
        default=False,
        help_text="With positive=false: also clear every enclosed region like the clicked one "
        "(same colour as it and as the background around the product, enclosed by product, of "
        "similar size): the whole mesh, both sides of a handle.",
    )

    def validate(self, attrs: dict) -> dict:
        if attrs["all"] and attrs["positive"]:
            raise serializers.ValidationError({"all": ["Only a remove click (positive=false)."]})
        return attrs


class StrokeSerializer(serializers.Serializer):
    points = serializers.ListField(
        child=serializers.ListField(child=serializers.FloatField(), min_length=2, max_length=2),
        min_length=1,
        max_length=services.corrections.MAX_STROKE_POINTS,
        help_text="[[x, y], ...] in photo pixels.",
    )
    radius = serializers.FloatField(
        default=6.0,
        help_text="Brush radius in photo pixels; for an edge stroke, the band's half-width.",
    )
    positive = serializers.BooleanField(default=True, help_text="Ignored by an edge stroke.")
    edge = serializers.BooleanField(
        default=False,
        help_text="true: do not paint; snap the cut-out's edge to the photo's contour within "
        "radius of the path (drag along the edge). Needs at least 2 points.",
    )

    def validate(self, attrs: dict) -> dict:
        if attrs["edge"] and len(attrs["points"]) < 2:
            raise serializers.ValidationError({"points": ["An edge stroke needs 2 points."]})
        return attrs


class CorrectionsSerializer(serializers.Serializer):
    clicks = ClickSerializer(many=True, required=False, default=list)
    strokes = StrokeSerializer(many=True, required=False, default=list)
    preview = serializers.BooleanField(
        default=False, help_text="true: answer at once with a preview image; nothing is stored."
    )

    def validate_clicks(self, value: list) -> list:
        if len(value) > services.MAX_CLICKS:
            raise serializers.ValidationError(f"At most {services.MAX_CLICKS} clicks.")
        return value


class PreviewSerializer(serializers.Serializer):
    preview = serializers.CharField(help_text="The corrected cut-out: a PNG data URL (RGBA).")
    width = serializers.IntegerField(help_text="The photo's width (the clicks' pixels).")
    height = serializers.IntegerField()
    base_cutout = serializers.IntegerField(help_text="The automatic cut-out corrected.")
    clicks = serializers.IntegerField()
    strokes = serializers.IntegerField()
    ms = serializers.IntegerField(help_text="Server time for this preview.")


class ImageCorrections(ContractMixin, APIView):
    """Add missed parts of the product (positive) or remove leftover background (negative).

    A 400 names the field at fault: clicks outside the photo, no click nor stroke, more than
    50 clicks; or the photo has no cut-out yet.
    """

    permission_classes = [IsStoreMember]

    @extend_schema(
        operation_id="images_corrections_create",
        request=CorrectionsSerializer,
        responses={
            200: OpenApiResponse(PreviewSerializer, description="preview=true: the preview."),
            202: OpenApiResponse(JobSerializer, description="Queued; poll the job's url."),
        },
        examples=[
            OpenApiExample(
                "remove a note, add a sleeve",
                value={
                    "clicks": [
                        {"x": 120, "y": 80, "positive": False},
                        {"x": 400, "y": 310, "positive": True},
                    ],
                    "strokes": [{"points": [[300, 40], [330, 60]], "radius": 6, "positive": True}],
                    "preview": True,
                },
                request_only=True,
            )
        ],
    )
    def post(self, request: Request, pk: int, format=None) -> Response:
        image = get_object_or_404(permissions.images(request.user), pk=pk)
        self.check_object_permissions(request, image)
        ser = CorrectionsSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        data = ser.validated_data
        # A refusal of the service (InvalidRequest) is a 400 through the API's one handler.
        if data["preview"]:
            return Response(services.preview_corrections(image, data["clicks"], data["strokes"]))
        job = services.request_corrections(
            image, data["clicks"], data["strokes"], user=request.user
        )
        out = JobSerializer(job, context={"request": request}).data
        return Response(out, status=status.HTTP_202_ACCEPTED, headers={"Location": out["url"]})

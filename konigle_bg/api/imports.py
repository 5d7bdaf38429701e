"""Adding photos to a product through the API.

* ``POST /api/bg/products/{id}/photos/`` (multipart ``image``): upload a photo;
* ``POST /api/bg/products/{id}/photos-from-url/ {"url": ...}``: download one.

201 with the new photo, or 400 naming the field (``image``/``url``) with the reason (not an
image, too large, too many pixels, private address, too slow, ...). Another store's product
is a 404.
"""

from __future__ import annotations

from pathlib import PurePosixPath

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from .. import services
from ..urlfetch import MAX_URL_LENGTH, FetchRefused
from ..validators import validate_photo
from . import permissions
from .errors import ContractMixin
from .permissions import IsStoreMember
from .serializers import ImageSerializer


class PhotoFromUrlSerializer(serializers.Serializer):
    # A plain string: the scheme and address checks are urlfetch's, with its own messages.
    url = serializers.CharField(max_length=MAX_URL_LENGTH, trim_whitespace=True)


class PhotosFromUrl(ContractMixin, GenericAPIView):
    permission_classes = [IsStoreMember]
    serializer_class = PhotoFromUrlSerializer

    def get_queryset(self):
        return permissions.products(self.request.user)

    @extend_schema(request=PhotoFromUrlSerializer, responses={201: ImageSerializer})
    def post(self, request: Request, pk=None) -> Response:
        """Download a photo from a public http(s) URL and add it to the product."""
        product = self.get_object()
        ser = self.get_serializer(data=request.data)
        ser.is_valid(raise_exception=True)
        try:
            image = services.import_photo_from_url(product, ser.validated_data["url"])
        except FetchRefused as exc:
            raise ValidationError({"url": [serializers.ErrorDetail(str(exc), exc.code)]}) from exc
        data = ImageSerializer(image, context=self.get_serializer_context()).data
        return Response(data, status=status.HTTP_201_CREATED)


class PhotoUploadSerializer(serializers.Serializer):
    image = serializers.FileField()

    def validate_image(self, file):
        # The same check as the admin's upload form: decodable, within the size limits.
        try:
            validate_photo(file)
        except DjangoValidationError as exc:
            # The refusal's code ("too_large", "not_an_image", ...) reaches the client.
            raise serializers.ValidationError(
                exc.messages, code=getattr(exc, "code", None) or "invalid"
            ) from exc
        return file


class PhotoUpload(ContractMixin, GenericAPIView):
    permission_classes = [IsStoreMember]
    serializer_class = PhotoUploadSerializer
    parser_classes = [MultiPartParser, FormParser]

    def get_queryset(self):
        return permissions.products(self.request.user)

    @extend_schema(request=PhotoUploadSerializer, responses={201: ImageSerializer})
    def post(self, request: Request, pk=None) -> Response:
        """Upload a photo (JPEG, PNG, WebP, TIFF, GIF, BMP) and add it to the product."""
        product = self.get_object()
        ser = self.get_serializer(data=request.data)
        ser.is_valid(raise_exception=True)
        upload = ser.validated_data["image"]
        upload.seek(0)
        stem = PurePosixPath(upload.name or "photo").stem
        image = services.add_photo(product, upload.read(), stem)
        data = ImageSerializer(image, context=self.get_serializer_context()).data
        return Response(data, status=status.HTTP_201_CREATED)

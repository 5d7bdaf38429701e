"""Keys, checksums and atomic file writes for derived images."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import posixpath
import uuid

from django.core.files.base import ContentFile
from django.db.models import Model
from PIL import Image

from .. import host
from ..conf import bg_settings
from ..errors import KonigleBgError, Sentence, gettext_noop
from ..imaging.io import ImageRejected, decode, flatten, shown_size
from ..storage import derived
from ..validators import upload_limits

log = logging.getLogger("konigle_bg")


class SourceUnavailable(KonigleBgError):
    """The original could not be read or decoded; the message is for the seller."""

    def __init__(self, *sentences: Sentence, code: str = "source_unavailable") -> None:
        super().__init__(code, *sentences)

    @classmethod
    def unreadable(cls, exc: Exception) -> SourceUnavailable:
        return cls(
            (gettext_noop("The original photo file is missing or unreadable (%(reason)s)."),
             {"reason": str(exc)}),
        )  # fmt: skip


def spec_hash(spec: dict) -> str:
    """Short, stable hash of everything that shapes a derived file."""
    blob = json.dumps(spec, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def source_checksum(image: Model) -> str:
    """SHA-256 of the original's bytes: a new file under the same row is a new source."""
    f = host.image_file(image)
    digest = hashlib.sha256()
    try:
        with f.storage.open(f.name, "rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                digest.update(chunk)
    except (OSError, ValueError) as exc:
        raise SourceUnavailable.unreadable(exc) from exc
    return digest.hexdigest()


def load_source(image: Model) -> Image.Image:
    """The original, decoded safely (orientation applied, sRGB), flattened to RGB.

    Originals longer than ``MAX_SIDE`` are reduced while decoding (JPEGs in draft mode), so a
    50-megapixel upload costs a worker the memory of a 4096 px photo, not ten times that.
    """
    f = host.image_file(image)
    try:
        with f.storage.open(f.name, "rb") as fh:
            img = decode(fh, upload_limits(), max_side=bg_settings.MAX_SIDE)
    except ImageRejected as exc:
        raise SourceUnavailable(*exc.sentences) from exc
    except OSError as exc:
        raise SourceUnavailable.unreadable(exc) from exc
    return flatten(img)


def photo_size(image: Model) -> tuple[int, int]:
    """(width, height) of the original as shown, EXIF orientation applied (header read only)."""
    f = host.image_file(image)
    try:
        with f.storage.open(f.name, "rb") as fh:
            return shown_size(fh, upload_limits())
    except ImageRejected as exc:
        raise SourceUnavailable(*exc.sentences) from exc
    except OSError as exc:
        raise SourceUnavailable.unreadable(exc) from exc


def results_dir(image: Model) -> str:
    """Derived files live beside the original: ``<its folder>/variants/``, ``/cutouts/``."""
    return posixpath.dirname(host.image_file(image).name)


def result_name(image: Model, kind: str, stem: str, ext: str) -> str:
    """Where a derived file of ``image`` goes: ``<its folder>/<kind>/<pk>-<stem>.<ext>``.

    Named by the photo's primary key as well as by what shaped it (``stem``): shops share
    upload folders (django-oscar puts every photo of a month in one), and two photos with the
    same bytes must never share, or delete, each other's results. Rows keep the names they
    were written under, so results named before this rule keep working.
    """
    return f"{results_dir(image)}/{kind}/{image.pk}-{stem}.{ext}"


def write_file(name: str, data: bytes, storage=derived) -> str:
    """Write ``data`` at ``name`` atomically: a reader never sees a half-written file.

    Derived files go to ``KONIGLE_BG["STORAGE"]`` (konigle_bg.storage) unless told otherwise.
    """
    try:
        path = storage.path(name)
    except NotImplementedError:
        path = None
    if path is None:
        # Remote storages (S3) publish an object only once its upload completes.
        if storage.exists(name):
            storage.delete(name)
        return storage.save(name, ContentFile(data))
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = f"{path}.tmp-{uuid.uuid4().hex[:8]}"
    try:
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return name

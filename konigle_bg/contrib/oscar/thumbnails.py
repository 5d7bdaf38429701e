"""Oscar's thumbnailers, fed the photo the storefront shows.

``OSCAR_THUMBNAILER = "konigle_bg.contrib.oscar.thumbnails.Thumbnailer"`` (sorl-thumbnail, Oscar's
default) or ``...EasyThumbnailer`` (easy-thumbnails). Oscar's ``oscar_thumbnail`` tag hands the
thumbnailer ``image.original``; these hand it the active result's file instead (the processed
photo, in KONIGLE_BG["STORAGE"]), or the original when there is none (a reverted photo). The
thumbnails of a result are cached under the result's own file name, apart from the original's.
Anything else (Oscar's missing-image placeholder, a category image) passes through unchanged.
A listing page costs one query for all its photos (services.display).
"""

from __future__ import annotations

from oscar.core.thumbnails import EasyThumbnails, SorlThumbnail

from ...services import display


class ShowsProcessed:
    """For a subclass of one of Oscar's thumbnailers."""

    def generate_thumbnail(self, source, **opts):
        return super().generate_thumbnail(display.shown_file(source), **opts)

    def forget(self, derived_file) -> None:
        """Drop the thumbnails made of a derived file (its row is gone); the file itself is
        left to konigle_bg, which deletes it only when no other row uses it."""


class Thumbnailer(ShowsProcessed, SorlThumbnail):
    """Oscar's default (sorl-thumbnail) thumbnailer, showing the processed photo."""

    def forget(self, derived_file) -> None:
        from sorl.thumbnail import delete
        from sorl.thumbnail.helpers import ThumbnailError

        try:
            delete(derived_file, delete_file=False)
        except ThumbnailError:
            pass


class EasyThumbnailer(ShowsProcessed, EasyThumbnails):
    """Oscar's easy-thumbnails thumbnailer, showing the processed photo."""

    def forget(self, derived_file) -> None:
        from easy_thumbnails.files import get_thumbnailer

        get_thumbnailer(derived_file).delete_thumbnails()

"""Try the pipeline without any store: ``manage.py bg_replace PHOTO... --out DIR``."""

from __future__ import annotations

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from konigle_bg import services
from konigle_bg.conf import bg_settings
from konigle_bg.imaging import compose, pipeline
from konigle_bg.imaging.io import ImageRejected, decode, encode, flatten
from konigle_bg.validators import upload_limits


class Command(BaseCommand):
    help = "Cut out photos and put them on a background theme, writing the results to --out."

    def add_arguments(self, parser):
        parser.add_argument("photos", nargs="+", help="Photo files (JPEG, PNG, WebP, TIFF, ...).")
        parser.add_argument("--out", required=True, help="Folder for the results.")
        parser.add_argument(
            "--theme",
            default="white",
            help="Preset slug (e.g. marketplace-white, studio), 'white', 'transparent' or #RRGGBB.",
        )
        parser.add_argument("--prompt", default="", help="What to cut out, e.g. 'red kettle'.")

    def handle(self, *args, photos, out, theme, prompt, **opts):
        try:
            spec = compose.theme_from_arg(theme)
        except ValueError as exc:
            raise CommandError(str(exc), returncode=2) from None
        out_dir = Path(out)
        out_dir.mkdir(parents=True, exist_ok=True)
        seg = services.segmenter()
        prompts = [p.strip() for p in prompt.split(",") if p.strip()] or None
        limits = upload_limits()
        failures = []
        for name in tqdm(photos, desc="photos", unit="photo", disable=len(photos) < 2):
            path = Path(name)
            try:
                img = decode(path, limits, max_side=bg_settings.MAX_SIDE)
            except FileNotFoundError:
                failures.append(f"{path}: no such file")
                continue
            except ImageRejected as exc:
                failures.append(f"{path}: {exc}")
                continue
            if img.mode != "RGB":
                img = flatten(img)
            cut = pipeline.cutout(img, seg, prompts=prompts if seg.accepts_prompts else None)
            result = compose.render(cut.rgba(), spec)
            target = out_dir / f"{path.stem}.{spec.output.extension}"
            target.write_bytes(encode(result, spec.output.format, spec.output.quality))
            self.stdout.write(f"{target}  (confidence {cut.confidence:.2f})")
        for line in failures:
            self.stderr.write(f"bg_replace: {line}")
        if failures:
            sys.exit(2)

"""Cut-outs made without the segmenter, for tests of what happens after segmentation.

``seed_cutout`` writes the same row and file ``services.ensure_cutout`` would (same spec hash,
same source checksum), with the known disc of ``conftest.photo_bytes`` as the alpha, so theme
tests run in milliseconds and ``ensure_cutout`` finds it instead of segmenting.
"""

from __future__ import annotations

import numpy as np
from PIL import Image

from konigle_bg import services
from konigle_bg.imaging.io import clear_hidden, encode
from konigle_bg.models import Cutout, JobStatus


def seed_cutout(image) -> Cutout:
    checksum = services.source_checksum(image)
    seg = services.segmenter()
    prompts = services.prompts_for(image, seg)
    spec = services.cutout_spec(seg, prompts, None, services.subject_of_photo(image, prompts))
    key = services.spec_hash(spec)
    photo = np.asarray(services.load_source(image))
    h, w = photo.shape[:2]
    y, x = np.mgrid[0:h, 0:w]
    alpha = np.clip(min(w, h) * 0.3 - np.hypot(x - w / 2, y - h / 2), 0, 1)
    rgba = np.dstack([photo, (alpha * 255).astype(np.uint8)])
    name = services.write_file(
        f"{services.results_dir(image)}/cutouts/{key}-{checksum[:8]}.png",
        encode(clear_hidden(Image.fromarray(rgba, "RGBA")), "PNG"),
    )
    return Cutout.objects.create(
        image=image,
        source_checksum=checksum,
        spec_hash=key,
        spec=spec,
        segmenter=seg.key,
        rgba=name,
        width=w,
        height=h,
        confidence=0.9,
        status=JobStatus.DONE,
    )

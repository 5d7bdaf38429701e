"""Prompt-driven backends (clipseg, oneformer, clipseg+oneformer, auto) on tiny local models.

The models are random: these tests check plumbing (loading offline, shapes, ranges, prompt
batching, resizing back, which sub-models ``auto`` uses), and the fusion rules on hand-made maps.
"""

from __future__ import annotations

import logging
import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")  # before transformers is imported anywhere

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from konigle_bg.imaging.segment import (
    SegmenterUnavailable,
    clear_sessions,
    devices,
    get_segmenter,
    weights,
)
from konigle_bg.imaging.segment.combined import (
    combine_clipseg_oneformer,
    fuse_salient_with_prompt,
    select_segments,
)
from konigle_bg.imaging.segment.oneformer import foreground_label_ids
from tests.tiny_hf_models import (
    CLIPSEG_ID,
    ONEFORMER_ID,
    ONEFORMER_LABELS,
    as_hub_cache,
    as_legacy_hub_files,
    build_clipseg,
    build_oneformer,
)


@pytest.fixture(scope="session")
def tiny_models(tmp_path_factory):
    root = tmp_path_factory.mktemp("tiny_hf")
    return build_clipseg(root / "clipseg"), build_oneformer(root / "oneformer")


@pytest.fixture(scope="module", autouse=True)
def fresh_sessions():
    """Sessions are shared within this module (as in a worker) and dropped around it."""
    clear_sessions()
    yield
    clear_sessions()


@pytest.fixture(autouse=True)
def empty_hub_cache(monkeypatch, tmp_path):
    """Never the developer's hub cache: only what a test puts there is found."""
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "empty_hub"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")


@pytest.fixture
def photo():
    return Image.new("RGB", (53, 37), (200, 30, 30))


# ---- weights: found on disk without torch -------------------------------------------------


def test_weights_local_directory(tiny_models):
    clip_dir, _ = tiny_models
    assert weights.find_weights(str(clip_dir)) == clip_dir
    assert weights.find_weights(CLIPSEG_ID) is None  # empty hub cache


def test_weights_hub_cache_layout_and_refs(tiny_models, tmp_path, monkeypatch):
    clip_dir, _ = tiny_models
    cache = tmp_path / "hub"
    old = as_hub_cache(cache, CLIPSEG_ID, clip_dir, commit="a" * 40)
    new = as_hub_cache(cache, CLIPSEG_ID, clip_dir, commit="b" * 40)  # refs/main -> b
    assert weights.find_weights(CLIPSEG_ID, models_dir=cache) == new
    (cache / "models--CIDAS--clipseg-rd64-refined" / "refs" / "main").write_text("a" * 40)
    assert weights.find_weights(CLIPSEG_ID, models_dir=cache) == old
    monkeypatch.setenv("HF_HUB_CACHE", str(cache))
    assert weights.find_weights(CLIPSEG_ID) == old
    monkeypatch.delenv("HF_HUB_CACHE")
    monkeypatch.setenv("HF_HOME", str(tmp_path))
    assert weights.hub_cache_dir() == tmp_path / "hub"
    assert weights.weights_present(CLIPSEG_ID)


def test_weights_incomplete_snapshot_is_absent(tiny_models, tmp_path):
    clip_dir, _ = tiny_models
    snapshot = as_hub_cache(tmp_path, CLIPSEG_ID, clip_dir)
    (snapshot / "model.safetensors").unlink()  # an interrupted download: config, no weights
    assert weights.find_weights(CLIPSEG_ID, models_dir=tmp_path) is None


def test_weights_plain_folder_under_models_dir(tiny_models, tmp_path):
    clip_dir, _ = tiny_models
    import shutil

    shutil.copytree(clip_dir, tmp_path / CLIPSEG_ID)
    assert weights.find_weights(CLIPSEG_ID, models_dir=tmp_path) == tmp_path / CLIPSEG_ID


def test_fingerprint_follows_the_weights(tiny_models):
    clip_dir, of_dir = tiny_models
    assert weights.fingerprint(clip_dir) == weights.fingerprint(clip_dir)
    assert weights.fingerprint(clip_dir) != weights.fingerprint(of_dir)


# ---- devices -----------------------------------------------------------------------------


def test_resolve_device():
    import torch

    assert devices.resolve_device("cpu") == "cpu"
    assert devices.resolve_device("auto") == ("cuda" if torch.cuda.is_available() else "cpu")
    with pytest.raises(ValueError):
        devices.resolve_device("tpu")
    if not torch.cuda.is_available():
        with pytest.raises(SegmenterUnavailable):
            devices.resolve_device("cuda")


# ---- clipseg -----------------------------------------------------------------------------


def test_clipseg_missing_weights_says_how_to_get_them():
    with pytest.raises(SegmenterUnavailable, match="bg_models download --model clipseg"):
        get_segmenter("clipseg")


def test_clipseg_shape_range_and_one_log_line(tiny_models, photo, caplog):
    clip_dir, _ = tiny_models
    seg = get_segmenter("clipseg", model=str(clip_dir), device="auto")
    assert seg.accepts_prompts and seg.revision.startswith("1-")
    with caplog.at_level(logging.INFO, logger="konigle_bg.imaging.segment"):
        out = seg.predict(photo, ["red cup"])
        seg.predict(photo, ["red cup"])
    assert out.shape == (37, 53) and out.dtype == np.float32
    assert 0.0 <= out.min() <= out.max() <= 1.0 and out.std() > 0
    lines = [
        r.getMessage() for r in caplog.records if r.getMessage().startswith("segmenter clipseg:")
    ]
    assert len(lines) == 1 and f"on {seg.device}" in lines[0]
    assert get_segmenter("clipseg", model=str(clip_dir), device="auto") is seg


def test_clipseg_batches_prompts_in_one_forward_and_takes_max(tiny_models, photo, monkeypatch):
    clip_dir, _ = tiny_models
    seg = get_segmenter("clipseg", model=str(clip_dir), device="cpu")
    seg.load()
    calls = []
    original = seg.model.forward

    def spy(*args, **kwargs):
        calls.append((kwargs["pixel_values"].shape[0], kwargs["input_ids"].shape[0]))
        return original(*args, **kwargs)

    monkeypatch.setattr(seg.model, "forward", spy)
    a = seg.probabilities(photo, ["red cup"])
    b = seg.probabilities(photo, ["blue bottle"])
    both = seg.probabilities(photo, ["red cup", " blue  bottle", "red cup", ""])
    assert calls == [(1, 1), (1, 1), (2, 2)]  # cleaned, de-duplicated, one batch
    np.testing.assert_allclose(both, np.maximum(a, b), atol=1e-5)
    assert not np.allclose(a, b)


def test_clipseg_resizes_back_to_each_photo(tiny_models):
    clip_dir, _ = tiny_models
    seg = get_segmenter("clipseg", model=str(clip_dir), device="cpu")
    for size in [(7, 300), (1500, 40), (32, 32)]:
        img = Image.new("RGB", size, (10, 200, 10))
        assert seg.predict(img, ["thing"]).shape == (size[1], size[0])
    grey = Image.new("L", (20, 10), 128)
    assert seg.predict(grey.convert("RGB"), None).shape == (10, 20)  # default prompt
    long_prompt = ["red " * 200 + "cup"]  # past CLIP's 77 text positions
    assert seg.predict(grey.convert("RGB"), long_prompt).shape == (10, 20)


# ---- oneformer ---------------------------------------------------------------------------


def test_oneformer_loads_offline_despite_remote_class_info(tiny_models, photo):
    _, of_dir = tiny_models
    seg = get_segmenter("oneformer", model=str(of_dir), device="cpu")
    labels = seg.label_map(photo)
    assert labels.dtype == np.int32 and labels.ndim == 2
    assert set(np.unique(labels)) <= set(ONEFORMER_LABELS)
    assert seg.label_map(photo, photo.size).shape == (37, 53)
    out = seg.predict(photo)
    assert out.shape == (37, 53) and out.dtype == np.float32
    assert 0.0 <= out.min() <= out.max() <= 1.0
    assert seg.foreground_ids == {1, 2, 4}


def test_hub_repos_older_file_layout_loads(tiny_models, tmp_path):
    """vocab.json/merges.txt tokenizers and v4 preprocessor configs, as the real repos ship."""
    clip_dir, of_dir = tiny_models
    img = Image.new("RGB", (50, 40), (100, 150, 200))
    clip = as_legacy_hub_files(clip_dir, tmp_path / "clip", "clipseg")
    seg = get_segmenter("clipseg", model=str(clip), device="cpu")
    both = seg.probabilities(img, ["red cup", "bottle"])
    assert both.shape == (32, 32)
    np.testing.assert_allclose(
        both,
        get_segmenter("clipseg", model=str(clip_dir), device="cpu").probabilities(
            img, ["red cup", "bottle"]
        ),
        atol=1e-5,
    )
    of = as_legacy_hub_files(of_dir, tmp_path / "of", "oneformer")
    seg = get_segmenter("oneformer", model=str(of), device="cpu")
    assert seg.predict(img).shape == (40, 50)
    pixels = seg.preprocess(img)["pixel_values"]
    # 0-255 mean/std without rescaling: (100 - 123.675) / 58.395 on the red channel.
    assert float(pixels[0, 0].mean()) == pytest.approx((100 - 123.675) / 58.395, abs=1e-3)


def test_foreground_label_ids():
    labels = {"0": "person", "1": "wall-other-merged", "2": "dining table", "3": "cup", 4: "sky"}
    assert foreground_label_ids(labels) == {0, 3}


# ---- clipseg+oneformer: the rule on hand-made maps ----------------------------------------


def _two_bottles():
    labels = np.zeros((20, 30), np.int32)  # 0: wall
    labels[5:15, 2:10] = 4  # bottle A
    labels[5:15, 20:28] = 4  # bottle B, same class, separate segment
    prob = np.full((20, 30), 0.02, np.float32)
    prob[6:14, 3:9] = 0.9  # CLIPSeg is sure about the middle of bottle A only
    return labels, prob


def test_segments_follow_their_boundaries_not_clipseg_blur():
    labels, prob = _two_bottles()
    mask = select_segments(labels, prob)
    expected = np.zeros_like(mask)
    expected[5:15, 2:10] = True
    np.testing.assert_array_equal(mask, expected)  # all of A, none of B or the wall


def test_relative_threshold_and_mass_share():
    labels = np.zeros((10, 40), np.int32)
    labels[:, 10:20], labels[:, 20:40] = 1, 2
    prob = np.zeros((10, 40), np.float32)
    prob[:, 10:20] = 0.95  # the logo: small and sure
    prob[:, 20:40] = 0.3  # the body: big and lukewarm, but most of the mass
    mask = select_segments(labels, prob)
    assert mask[:, 10:40].all() and not mask[:, :10].any()
    # With a stricter share the body no longer qualifies (0.3 < 0.5 x 0.95).
    strict = select_segments(labels, prob, min_share=0.9)
    assert strict[:, 10:20].all() and not strict[:, 20:].any()


def test_no_segment_qualifies_falls_back_to_clipseg_map():
    labels, _ = _two_bottles()
    prob = np.full(labels.shape, 0.1, np.float32)
    assert select_segments(labels, prob) is None
    np.testing.assert_array_equal(combine_clipseg_oneformer(labels, prob), prob)
    with pytest.raises(ValueError):
        select_segments(labels, prob[:, :5])


def test_combined_output_is_binary_segments():
    labels, prob = _two_bottles()
    out = combine_clipseg_oneformer(labels, prob)
    assert out.dtype == np.float32 and set(np.unique(out)) == {0.0, 1.0}


def test_clipseg_oneformer_end_to_end(tiny_models, photo, tmp_path):
    clip_dir, of_dir = tiny_models
    as_hub_cache(tmp_path / "hub", CLIPSEG_ID, clip_dir)
    as_hub_cache(tmp_path / "hub", ONEFORMER_ID, of_dir)
    seg = get_segmenter("clipseg+oneformer", models_dir=str(tmp_path / "hub"), device="cpu")
    assert seg.accepts_prompts
    out = seg.predict(photo, ["red cup", "bottle"])
    assert out.shape == (37, 53) and out.dtype == np.float32
    assert 0.0 <= out.min() <= out.max() <= 1.0
    # Sub-sessions are the registry's own: shared with direct users of the same options.
    same = get_segmenter(
        "clipseg", model=CLIPSEG_ID, device="cpu", models_dir=str(tmp_path / "hub")
    )
    assert seg.parts["clipseg"] is same


def test_clipseg_oneformer_needs_both_weights(tiny_models, tmp_path):
    clip_dir, _ = tiny_models
    as_hub_cache(tmp_path, CLIPSEG_ID, clip_dir)
    with pytest.raises(SegmenterUnavailable, match="--model oneformer"):
        get_segmenter("clipseg+oneformer", models_dir=str(tmp_path))


# ---- auto --------------------------------------------------------------------------------


def _blobs(shape=(60, 90)):
    """Two soft salient blobs: left (x~20) and right (x~70)."""
    y, x = np.mgrid[0 : shape[0], 0 : shape[1]].astype(np.float32)
    left = np.clip(12 - np.hypot(x - 20, y - 30), 0, 4) / 4
    right = np.clip(12 - np.hypot(x - 70, y - 30), 0, 4) / 4
    return np.maximum(left, right).astype(np.float32)


def test_fuse_keeps_the_salient_region_the_prompt_points_at_with_its_soft_edge():
    salient = _blobs()
    prompt = np.zeros_like(salient)
    prompt[25:35, 65:75] = 0.8  # the prompt points at the right blob
    out = fuse_salient_with_prompt(salient, prompt)
    np.testing.assert_array_equal(out[:, 45:], salient[:, 45:])  # right blob, soft edge and all
    assert not out[:, :45].any()


def test_fuse_without_a_match_keeps_salient_or_takes_a_strong_prompt():
    salient = _blobs()
    weak = np.full_like(salient, 0.1)
    np.testing.assert_array_equal(fuse_salient_with_prompt(salient, weak), salient)
    strong = np.zeros_like(salient)
    strong[0:10, 40:50] = 0.9  # something the salient model missed
    np.testing.assert_array_equal(fuse_salient_with_prompt(salient, strong), strong)
    empty = np.zeros_like(salient)
    np.testing.assert_array_equal(fuse_salient_with_prompt(empty, weak), empty)


def test_fuse_at_reduced_working_size_matches():
    y, x = np.mgrid[0:240, 0:360]
    salient = np.maximum(
        np.clip(48 - np.hypot(x - 80, y - 120), 0, 16) / 16,
        np.clip(48 - np.hypot(x - 280, y - 120), 0, 16) / 16,
    ).astype(np.float32)
    prompt = np.zeros_like(salient)
    prompt[100:140, 60:100] = 0.9
    full = fuse_salient_with_prompt(salient, prompt)
    small = fuse_salient_with_prompt(salient, prompt, work_side=90)
    assert small.shape == full.shape
    assert np.abs(full - small).mean() < 0.01
    assert full[:, 200:].max() == 0 and small[:, 220:].max() == 0


def test_auto_without_weights_is_exactly_the_salient_map(photo):
    auto = get_segmenter("auto")
    assert auto.prompted_name is None and not auto.accepts_prompts
    salient = get_segmenter("u2netp").predict(photo)
    np.testing.assert_array_equal(auto.predict(photo, ["red cup"]), salient)
    assert auto.parts["salient"] is get_segmenter("u2netp")  # the default workers' session
    assert auto.revision.startswith("1:u2netp@")


def test_auto_joins_clipseg_and_oneformer_when_present(tiny_models, photo, tmp_path):
    clip_dir, of_dir = tiny_models
    hub = tmp_path / "hub"
    as_hub_cache(hub, CLIPSEG_ID, clip_dir)
    assert get_segmenter("auto", models_dir=str(hub)).prompted_name == "clipseg"
    as_hub_cache(hub, ONEFORMER_ID, of_dir)
    auto = get_segmenter("auto", models_dir=str(hub), device="cpu")
    assert auto.prompted_name == "clipseg+oneformer" and auto.accepts_prompts
    out = auto.predict(photo, ["red cup"])
    assert out.shape == (37, 53) and out.dtype == np.float32
    assert 0.0 <= out.min() <= out.max() <= 1.0
    salient = get_segmenter("u2netp").predict(photo)
    np.testing.assert_array_equal(auto.predict(photo, None), salient)
    assert "clipseg+oneformer@" in auto.revision
    no_of = get_segmenter("auto", models_dir=str(hub), oneformer=False)
    assert no_of.prompted_name == "clipseg" and no_of.revision != auto.revision


# ---- properties of the rules on random maps --------------------------------------------------

maps = st.integers(min_value=0, max_value=2**32 - 1).map(np.random.default_rng)


@settings(max_examples=40, deadline=None)
@given(maps)
def test_selected_segments_are_whole_segments(rng):
    labels = rng.integers(0, 4, (12, 16)).astype(np.int32)
    labels = np.kron(labels[:6, :8], np.ones((2, 2), np.int32))  # blocky, like a label map
    prob = rng.random(labels.shape).astype(np.float32) ** 3
    out = combine_clipseg_oneformer(labels, prob)
    assert out.shape == labels.shape and out.dtype == np.float32
    mask = select_segments(labels, prob)
    if mask is None:
        np.testing.assert_array_equal(out, prob)
        return
    from scipy import ndimage

    for value in np.unique(labels):
        pieces, n = ndimage.label(labels == value)
        for i in range(1, n + 1):
            inside = mask[pieces == i]
            assert inside.all() or not inside.any()  # never a part of a segment


@settings(max_examples=40, deadline=None)
@given(maps)
def test_fused_map_is_salient_prompt_or_a_cut_of_salient(rng):
    salient = np.clip(rng.random((16, 20)) * 1.6 - 0.3, 0, 1).astype(np.float32)
    prompt = rng.random((16, 20)).astype(np.float32) ** 2
    out = fuse_salient_with_prompt(salient, prompt)
    assert out.shape == salient.shape and out.dtype == np.float32
    if np.array_equal(out, prompt):
        return
    cut = (out == salient) | (out == 0)
    assert cut.all()  # each pixel keeps its salient value or is dropped


def test_backend_options_fit_each_backend(tiny_models, tmp_path):
    from konigle_bg.imaging.segment.transformers_backends import backend_options

    clip_dir, of_dir = tiny_models
    models = {
        "clipseg_model": str(clip_dir),
        "oneformer_model": str(of_dir),
        "models_dir": tmp_path,
    }
    assert backend_options("u2netp", **models) == {}
    assert backend_options("clipseg", **models) == {"model": str(clip_dir), "models_dir": tmp_path}
    assert backend_options("oneformer", clipseg_model="x") == {}
    for name in ("clipseg", "oneformer", "clipseg+oneformer", "auto"):
        seg = get_segmenter(name, **backend_options(name, **models))  # accepted, weights found
        assert seg.name == name

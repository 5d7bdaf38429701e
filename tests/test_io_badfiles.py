"""Every case of the bad-input corpus (tests/badfiles.py) gets its expected answer."""

from __future__ import annotations

import io

import pytest

from konigle_bg.imaging.io import ALLOWED_FORMATS, ImageRejected, decode, probe
from tests.badfiles import CASES, BadFile

KNOWN_CODES = {
    "empty",
    "too_large",
    "not_an_image",
    "unsupported_format",
    "too_many_pixels",
    "too_complex",
    "truncated",
    "corrupt",
}


def _params() -> list:
    return [
        pytest.param(case, id=case.name, marks=[pytest.mark.slow] if case.slow else [])
        for case in CASES
    ]


def test_corpus_is_well_formed():
    names = [c.name for c in CASES]
    assert len(names) == len(set(names))
    assert {c.expect for c in CASES} - {"ok"} <= KNOWN_CODES
    # Every refusal code the brief names is exercised at least once.
    assert {"empty", "not_an_image", "truncated", "too_many_pixels", "too_large"} <= {
        c.expect for c in CASES
    }


@pytest.mark.parametrize("case", _params())
def test_probe_and_decode_agree_with_expectation(case: BadFile):
    data = case.make()
    assert isinstance(data, bytes)
    if case.expect == "ok":
        info = probe(data)
        assert info.width > 0 and info.height > 0
        im = decode(data)
        assert im.mode in ("RGB", "RGBA")
        assert im.info == {}
        if case.verify is not None:
            case.verify(im)
        # The worker's path: same answer when downscaled on decode, aspect ratio kept.
        small = decode(data, max_side=16)
        scale = min(1.0, 16 / max(im.size))
        assert small.mode == im.mode
        for got, full in zip(small.size, im.size, strict=True):
            assert abs(got - max(1, round(full * scale))) <= 1, (small.size, im.size)
        return
    for fn in (probe, decode):
        with pytest.raises(ImageRejected) as exc:
            fn(data)
        assert exc.value.code == case.expect, (fn.__name__, exc.value.code, str(exc.value))
        message = str(exc.value)
        assert message and message[0].isupper() and message.endswith(".")
        assert "Traceback" not in message and "\n" not in message


@pytest.mark.parametrize("case", [c for c in CASES if not c.slow], ids=lambda c: c.name)
def test_file_objects_and_paths_behave_like_bytes(case: BadFile, tmp_path):
    data = case.make()
    path = tmp_path / case.filename
    path.write_bytes(data)
    outcomes = []
    for source in (io.BytesIO(data), path, str(path)):
        try:
            outcomes.append(probe(source).format)
        except ImageRejected as exc:
            outcomes.append(exc.code)
    assert len(set(outcomes)) == 1, outcomes
    expected = ALLOWED_FORMATS if case.expect == "ok" else (case.expect,)
    assert outcomes[0] in expected, outcomes


def test_corpus_is_deterministic():
    for case in CASES:
        if not case.slow and case.expect != "too_large":
            assert case.make() == case.make(), case.name

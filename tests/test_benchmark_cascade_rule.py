"""benchmarks.cascade_rule's arithmetic: which result a rule keeps, and its shares."""

from __future__ import annotations

import pytest

from benchmarks.cascade_rule import _loosest, outcome
from konigle_bg.imaging.segment.cascade import Rule


def row(source, conf, fast_ok, large_ok, large_conf, subject=0.3, large=True):
    sig = {"confidence": conf, "subject": subject, "holes": 0.0, "thin": 0.0, "soft": 0.0}
    return {
        "source": source,
        "id": f"{source}-{conf}",
        "signals": sig,
        "bare": {"iou": 0.9, "ok": False},
        "fast": {"iou": 0.95 if fast_ok else 0.5, "ok": fast_ok, "conf": conf},
        "large": {"iou": 0.97 if large_ok else 0.4, "ok": large_ok, "conf": large_conf}
        if large
        else None,
    }


def test_the_rule_keeps_the_larger_models_result_only_when_asked_and_more_confident():
    rows = [
        row("product_composites", 0.2, False, True, 0.9),  # asked, kept: fixed
        row("product_composites", 0.5, False, True, 0.55),  # asked, not confident enough
        row("product_composites", 0.9, True, False, 0.1, large=False),  # never asked
        row("ecssd", 0.3, True, False, 0.95),  # asked, kept, and worse
    ]
    res = outcome(rows, Rule(threshold=0.6, margin=0.1).as_dict())
    assert res["product"]["n"] == 3 and res["product"]["escalated"] == pytest.approx(2 / 3)
    assert res["product"]["acceptable"] == pytest.approx(2 / 3)
    assert res["product"]["fast"] == pytest.approx(1 / 3)
    assert res["ecssd"]["acceptable"] == 0.0 and res["ecssd"]["drops"] == 1


def test_a_rule_looser_than_what_was_measured_is_refused():
    rows = [row("product_composites", 0.9, True, False, 0.1, large=False)]
    with pytest.raises(ValueError, match="under the gate"):
        outcome(rows, Rule(threshold=0.95).as_dict())
    assert _loosest().threshold < 0.95

"""The cascade's escalation signals (segment.signals) and its rule (cascade.Rule)."""

from __future__ import annotations

import numpy as np
import pytest

from konigle_bg.imaging.morph import fill_enclosed
from konigle_bg.imaging.segment.cascade import Cascade, Rule
from konigle_bg.imaging.segment.signals import FirstCut, first_cut


def disc(h=400, w=600, r=120, cx=300, cy=200):
    yy, xx = np.mgrid[:h, :w]
    return ((xx - cx) ** 2 + (yy - cy) ** 2 <= r**2).astype(np.float32)


def test_a_solid_subject_has_no_holes_nor_thin_parts():
    s = first_cut(disc(), 0.9)
    assert s.confidence == 0.9
    assert s.subject == pytest.approx(np.pi * 120**2 / (400 * 600), rel=0.05)
    assert s.holes < 0.01 and s.thin < 0.02 and s.soft < 0.02


def test_a_ring_has_enclosed_background_and_a_soft_edge_counts():
    ring = disc() * (1 - disc(r=70))  # a mug handle seen from the side
    s = first_cut(ring, 0.9)
    assert s.holes == pytest.approx(70**2 / 120**2, abs=0.03)
    soft = disc()
    soft[disc(r=100) == 0] *= 0.7  # a hazy rim
    assert first_cut(soft, 0.9).soft > 0.2


def test_thin_structures_and_small_subjects_are_seen():
    lines = np.zeros((400, 600), np.float32)
    lines[50:350, 100:500:40] = 1.0  # 1 px wires
    lines[50:350, 100:500:40] = 1.0
    lines[200:204, 100:500] = 1.0
    assert first_cut(lines, 0.9).thin > 0.5
    assert first_cut(disc(r=20), 0.9).subject < 0.01
    empty = first_cut(np.zeros((40, 40), np.float32), 0.0)
    assert empty == FirstCut(0.0, 0.0, 0.0, 0.0, 0.0)


def test_fill_enclosed_fills_only_what_the_frame_edge_does_not_reach():
    mask = disc() > 0.5
    mask[190:210, :300] = False  # a channel from the edge into the middle
    filled = fill_enclosed(mask & ~(disc(r=30, cx=360) > 0.5))
    assert filled[200, 360] and not filled[200, 250]


def test_the_rule_escalates_on_each_signal_and_keeps_the_larger_model_by_a_margin():
    rule = Rule(threshold=0.5, skip_subject=0.05, max_holes=0.1, max_thin=0.2, margin=0.1)
    calm = FirstCut(confidence=0.8, subject=0.3, holes=0.0, thin=0.0, soft=0.0)
    assert not rule.escalates(calm)
    for changed in ({"confidence": 0.4}, {"holes": 0.2}, {"thin": 0.3}):
        assert rule.escalates(FirstCut(**{**calm.as_dict(), **changed}))
    # A small subject is never escalated, however doubtful.
    assert not rule.escalates(FirstCut(**{**calm.as_dict(), "confidence": 0.1, "subject": 0.01}))
    assert rule.prefers(0.5, 0.65) and not rule.prefers(0.5, 0.55)
    with pytest.raises(ValueError):
        Rule(threshold=2.0)


def test_the_rule_is_part_of_the_cascades_key():
    class Fake:
        key = "fast@1"

    a = Cascade(Fake(), None, "none", rule=Rule())
    b = Cascade(Fake(), None, "none", rule=Rule(max_holes=0.1))
    assert a.revision != b.revision and a.rule() == Rule().as_dict()
    assert Cascade(Fake(), None, "none", threshold=0.3).rule()["threshold"] == 0.3

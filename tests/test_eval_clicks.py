"""bg_eval --clicks: the simulated seller's next click, NoC, and the command end to end."""

from __future__ import annotations

import json

import numpy as np
from django.core.management import call_command

from konigle_bg.evaluation import clicks
from tests.test_eval_command import make_manifest


def test_next_click_goes_inside_the_largest_error_region():
    gt = np.zeros((100, 100), bool)
    gt[20:80, 20:80] = True
    pred = gt.copy()
    pred[20:80, 60:80] = False  # a missed strip of 60x20
    pred[0:10, 0:10] = True  # leftover background, 10x10
    click = clicks.next_click(pred, gt)
    assert click["positive"] is True
    assert 60 <= click["x"] < 80 and 20 <= click["y"] < 80
    assert abs(click["x"] - 69.5) <= 1  # the strip's interior, far from its edges
    pred[20:80, 60:80] = True
    click = clicks.next_click(pred, gt)
    assert click["positive"] is False and click["x"] < 10 and click["y"] < 10
    assert clicks.next_click(gt, gt) is None


def test_noc_and_acceptable_by():
    rec = clicks.ClickRecord(
        "s", "a", 10, 10, "auto", ious=[0.5, 0.87, 0.93], acceptable=[False, False, True]
    )
    assert clicks.noc(rec, 0.85, 20) == 1 and clicks.noc(rec, 0.90, 20) == 2
    assert clicks.noc(rec, 0.95, 20) == 20  # never reached
    assert [clicks.acceptable_by(rec, k) for k in (0, 1, 2, 5)] == [False, False, True, True]


def test_command_runs_the_protocol(tmp_path):
    manifest = make_manifest(tmp_path / "eval")
    out = tmp_path / "clicks.json"
    call_command(
        "bg_eval",
        str(manifest),
        "--clicks",
        "3",
        "--scratch",
        "--clicks-cache",
        str(tmp_path / "cache"),
        "--json",
        str(out),
        verbosity=0,
    )
    data = json.loads(out.read_text())
    assert set(data["modes"]) == {"auto", "scratch"}
    for mode in ("auto", "scratch"):
        summary = data["modes"][mode]["summary"]
        assert summary["pooled"]["n"] == 3
        for rec in data["modes"][mode]["records"]:
            assert 1 <= len(rec["ious"]) <= 4 and len(rec["click_ms"]) == len(rec["clicks"])
    # From scratch the first IoU is 0; the clicks then find the product.
    scratch = data["modes"]["scratch"]["records"]
    assert all(r["ious"][0] == 0 for r in scratch)
    assert all(max(r["ious"]) > 0.5 for r in scratch)
    # Click 0 was cached: a second run reads it back.
    assert len(list((tmp_path / "cache").rglob("*.png"))) == 3


def test_the_simulated_seller_takes_the_tools_where_they_fit():
    # A product with 6 holes the cut-out filled: "all like it" on the largest.
    gt = np.zeros((200, 300), bool)
    gt[40:160, 40:260] = True
    for i in range(6):
        gt[70:110, 55 + i * 34 : 80 + i * 34] = False
    pred = gt.copy()
    pred[70:110, 55:260] |= ~gt[70:110, 55:260]
    action = clicks.next_action(pred, gt)
    assert action["positive"] is False and action["all"] is True
    assert not gt[action["y"], action["x"]]
    assert clicks.next_action(pred, gt, tools=False).get("all") is None
    # One leftover hole only: a plain click.
    pred = gt.copy()
    pred[70:110, 55:80] = True
    assert "all" not in clicks.next_action(pred, gt)
    # A thin band along the edge: an edge stroke along the true contour.
    pred = gt.copy()
    pred[40:160, 260:263] = True
    stroke = clicks.next_action(pred, gt)
    assert stroke["edge"] is True and len(stroke["points"]) >= 8
    xs = [p[0] for p in stroke["points"]]
    assert all(abs(x - 259) <= 1 for x in xs)

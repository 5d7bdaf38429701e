"""benchmarks.cutout end to end on a few small demo photos: the figures it promises, as
ratios and shares (no timing is asserted)."""

from __future__ import annotations

import json

import pytest

from benchmarks import cutout as bench
from tests.tiny_onnx import save_dark_is_salient


@pytest.mark.slow
def test_cutout_benchmark_reports_wall_cpu_bare_and_cascade(tmp_path, monkeypatch, capsys):
    models = tmp_path / "models"
    save_dark_is_salient(models / "isnet-general-use.onnx", 1024, gain=20.0)
    monkeypatch.setenv("U2NET_HOME", str(tmp_path / "empty"))
    out = tmp_path / "bench.json"
    args = ["--size", "320", "--images", "3", "--photos", "demo", "--threads", "1"]
    assert bench.main([*args, "--models-dir", str(models), "--json", str(out)]) == 0
    report = json.loads(out.read_text())
    assert report["images"] == 3 and report["size"] == 320
    for key in ("cutout_wall", "cutout_cpu", "bare_model"):
        assert report[key]["median_ms"] > 0 and report[key]["p90_ms"] >= report[key]["median_ms"]
    assert report["median_ratio_cutout_to_bare"] > 1.0  # a cut-out includes the model call
    cascade = report["cascade"]
    assert cascade["large"].startswith("isnet@") and 0.0 <= cascade["escalated_share"] <= 1.0
    assert "cut-out wall median" in capsys.readouterr().out

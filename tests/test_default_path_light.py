"""The default path (u2netp) never imports torch or transformers: workers start fast, stay small.

Runs in a fresh interpreter: the test process itself may have imported torch already.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CODE = """
import json, sys
import numpy as np
from PIL import Image
from konigle_bg.imaging.segment import get_segmenter, names

known = names()  # imports transformers_backends too
seg = get_segmenter("u2netp")
out = seg.predict(Image.new("RGB", (64, 48), (220, 40, 40)), ["red cup"])
auto = get_segmenter("auto")
out_auto = auto.predict(Image.new("RGB", (64, 48), (220, 40, 40)), None)
print(json.dumps({
    "names": known,
    "shape": list(out.shape),
    "dtype": str(out.dtype),
    "auto_shape": list(out_auto.shape),
    "heavy": sorted(m for m in ("torch", "transformers") if m in sys.modules),
}))
"""


def test_default_path_never_imports_torch_or_transformers(tmp_path):
    env = {
        "PATH": "/usr/bin:/bin",
        "PYTHONPATH": str(ROOT),
        "HOME": str(tmp_path),  # an empty hub cache: auto has no prompt models to join
        "HF_HUB_OFFLINE": "1",
    }
    proc = subprocess.run(
        [sys.executable, "-c", CODE],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    assert {"u2netp", "clipseg", "oneformer", "clipseg+oneformer", "auto"} <= set(report["names"])
    assert report["shape"] == [48, 64] and report["dtype"] == "float32"
    assert report["auto_shape"] == [48, 64]
    assert report["heavy"] == []

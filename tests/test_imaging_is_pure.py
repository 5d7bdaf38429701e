"""imaging/ is the pure core: importing all of it never imports Django."""

from __future__ import annotations

import pkgutil
import subprocess
import sys
from pathlib import Path

import konigle_bg.imaging as imaging

ROOT = Path(__file__).resolve().parent.parent


def _modules() -> list[str]:
    return [m.name for m in pkgutil.walk_packages(imaging.__path__, prefix="konigle_bg.imaging.")]


def test_no_module_imports_django():
    mods = _modules()
    assert "konigle_bg.imaging.pipeline" in mods and "konigle_bg.imaging.compose" in mods
    code = (
        "import importlib, sys\n"
        f"for m in {mods!r}: importlib.import_module(m)\n"
        "bad = sorted(m for m in sys.modules if m == 'django' or m.startswith('django.'))\n"
        "print(bad); sys.exit(1 if bad else 0)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)},
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_no_django_in_source():
    for path in Path(imaging.__path__[0]).rglob("*.py"):
        text = path.read_text()
        assert "import django" not in text and "from django" not in text, path

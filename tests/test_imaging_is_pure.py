"""imaging/ is the pure core: importing all of it never imports Django or a network library."""

from __future__ import annotations

import ast
import pkgutil
import subprocess
import sys
from pathlib import Path

import konigle_bg.imaging as imaging

ROOT = Path(__file__).resolve().parent.parent

# Django, and whatever opens connections: fetching URLs lives in konigle_bg.urlfetch.
FORBIDDEN = (
    "django",
    "requests",
    "urllib3",
    "httpx",
    "aiohttp",
    "socket",
    "ssl",
    "http.client",
    "urllib.request",
    "huggingface_hub",
)


def _forbidden(name: str) -> bool:
    return any(name == f or name.startswith(f + ".") for f in FORBIDDEN)


def _modules() -> list[str]:
    return [m.name for m in pkgutil.walk_packages(imaging.__path__, prefix="konigle_bg.imaging.")]


def test_no_module_imports_django_or_the_network():
    mods = _modules()
    assert "konigle_bg.imaging.pipeline" in mods and "konigle_bg.imaging.compose" in mods
    code = (
        "import importlib, sys\n"
        f"for m in {mods!r}: importlib.import_module(m)\n"
        f"bad = sorted(m for m in sys.modules if any(m == f or m.startswith(f + '.') "
        f"for f in {FORBIDDEN!r}))\n"
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


def test_no_network_or_django_import_in_source():
    """Function-level imports too (a backend may import lazily): read from the source."""
    found = []
    for path in Path(imaging.__path__[0]).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and not node.level:
                names = [node.module or ""]
            else:
                continue
            found += [f"{path.name}:{node.lineno}: {n}" for n in names if _forbidden(n)]
    assert found == []
    assert _forbidden("urllib3.poolmanager") and _forbidden("socket") and not _forbidden("sockets")

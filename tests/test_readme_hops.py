"""The README's "How it works" names each hop of a photo as a function: they must exist."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

README = Path(__file__).resolve().parent.parent / "README.md"


def hops() -> list[str]:
    text = README.read_text()
    section = text[text.index("## How it works") :]
    rows = [line for line in section.splitlines() if re.match(r"\| \d+ \|", line)]
    names = []
    for row in rows:
        cell = row.split("|")[2]
        names.append(re.search(r"`([a-z_.]+)(?:\(|`)", cell)[1])  # the hop's function
    return names


def test_every_hop_is_a_real_function_and_there_are_at_most_a_dozen():
    names = hops()
    assert 8 <= len(names) <= 12 and len(set(names)) == len(names)
    for name in names:
        module, _, attr = f"konigle_bg.{name}".rpartition(".")
        assert callable(getattr(importlib.import_module(module), attr)), name


def test_the_map_names_every_module_of_the_plugin():
    """Every module of konigle_bg (and every package) is named in the map of "How it works",
    which stands near the top of the README."""
    import konigle_bg

    text = README.read_text()
    start = text.index("## How it works")
    assert text.index("## How it works") < text.index("## Plugging it into a store")
    section = text[start : text.index("\n## ", start + 1)]
    plugin = Path(konigle_bg.__file__).parent
    missing = []
    for path in plugin.rglob("*.py"):
        rel = path.relative_to(plugin)
        if "migrations" in rel.parts:
            continue
        name = rel.parent.name if path.stem == "__init__" else path.stem
        if name and not re.search(rf"\b{re.escape(name)}\b", section):
            missing.append(str(rel))
    assert missing == []
    for path in ("remove.bg", "MAX_ATTEMPTS", "failed", "KonigleBgError"):
        assert path in section

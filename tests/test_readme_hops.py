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

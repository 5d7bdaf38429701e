from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path

from django.apps import AppConfig

from konigle_bg.imaging.segment import Segmenter, get_segmenter, register

#: Called by ``test-hook`` inside predict (in-process tests set it).
HOOK: list[Callable[[], None]] = []


class _Delegating(Segmenter):
    revision = "test"

    def __init__(self, **options) -> None:
        self.options = options
        # The real default model does the work: only the fault around it is fake.
        self.inner = get_segmenter(
            "u2netp", **{k: v for k, v in options.items() if k in ("device", "threads")}
        )

    def predict(self, image, prompts=None):
        return self.inner.predict(image, None)


class Gated(_Delegating):
    name = "test-gated"

    def predict(self, image, prompts=None):
        folder = Path(self.options["dir"])
        (folder / f"started-{os.getpid()}").write_text(str(time.time()))
        deadline = time.monotonic() + float(self.options.get("sleep", 60))
        while (folder / "gate").exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        return super().predict(image, prompts)


class Broken(_Delegating):
    name = "test-broken"

    def predict(self, image, prompts=None):
        raise RuntimeError("injected fault: this segmenter always fails")


class Hooked(_Delegating):
    name = "test-hook"

    def predict(self, image, prompts=None):
        for fn in HOOK:
            fn()
        return super().predict(image, prompts)


# Registered on import, so in-process tests only need to import this module.
for _cls in (Gated, Broken, Hooked):
    register(_cls.name)(_cls)


class FaultsConfig(AppConfig):
    name = "tests.faults"
    label = "faults"

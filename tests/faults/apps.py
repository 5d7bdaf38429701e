from __future__ import annotations

import os
import signal
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

    def predict(self, image, prompts=None):
        # The real default model does the work: only the fault around it is fake. Looked up
        # here, not in __init__: the registry's lock is held while a session is built.
        inner = get_segmenter(
            "u2netp", **{k: v for k, v in self.options.items() if k in ("device", "threads")}
        )
        return inner.predict(image, None)


def _wait_at_gate(options: dict) -> None:
    folder = Path(options["dir"])
    (folder / f"started-{os.getpid()}").write_text(str(time.time()))
    deadline = time.monotonic() + float(options.get("sleep", 60))
    while (folder / "gate").exists() and time.monotonic() < deadline:
        time.sleep(0.1)


class Gated(_Delegating):
    name = "test-gated"

    def predict(self, image, prompts=None):
        _wait_at_gate(self.options)
        return super().predict(image, prompts)


class Broken(_Delegating):
    name = "test-broken"

    def predict(self, image, prompts=None):
        raise RuntimeError("injected fault: this segmenter always fails")


class Faulty(_Delegating):
    """Misbehaves only on photos of a given width, so one worker sees good and bad jobs.

    Options: ``fail_width`` (raises), ``die_width`` (SIGKILLs its own worker), ``hang_width``
    (sleeps ``sleep`` seconds: past the queue's timeout), ``gate_width`` (waits on
    ``<dir>/gate`` like test-gated).
    """

    name = "test-faulty"

    def predict(self, image, prompts=None):
        width = image.size[0]
        if width == self.options.get("fail_width"):
            raise RuntimeError("injected fault: this segmenter always fails")
        if width == self.options.get("die_width"):
            os.kill(os.getpid(), signal.SIGKILL)  # the worker dies mid-job, as under the OOM killer
        if width == self.options.get("hang_width"):
            time.sleep(float(self.options.get("sleep", 60)))
        if width == self.options.get("gate_width"):
            _wait_at_gate(self.options)
        return super().predict(image, prompts)


class Hooked(_Delegating):
    name = "test-hook"

    def predict(self, image, prompts=None):
        for fn in HOOK:
            fn()
        return super().predict(image, prompts)


# Registered on import, so in-process tests only need to import this module.
for _cls in (Gated, Broken, Faulty, Hooked):
    register(_cls.name)(_cls)


class FaultsConfig(AppConfig):
    name = "tests.faults"
    label = "faults"

"""Which torch device a transformers backend runs on, and whether torch is there at all.

torch is imported inside the functions only: this module is imported (through the registry) by
every worker, including the default u2netp ones that must never load torch.
"""

from __future__ import annotations

import importlib.util

from .base import SegmenterUnavailable

__all__ = [
    "DEVICES",
    "torch_stack_available",
    "require_torch_stack",
    "resolve_device",
    "set_threads",
    "describe",
]

DEVICES = ("auto", "cpu", "cuda")


def torch_stack_available() -> bool:
    """Whether torch and transformers are installed (checked without importing them)."""
    return all(importlib.util.find_spec(mod) is not None for mod in ("torch", "transformers"))


def require_torch_stack(backend: str) -> None:
    if not torch_stack_available():
        raise SegmenterUnavailable(
            f"{backend} needs torch and transformers: pip install 'konigle-bg[transformers]'"
        )


def resolve_device(requested: str | None = "auto") -> str:
    """``auto`` -> ``cuda`` when torch sees a GPU, else ``cpu``; ``cuda`` without one fails."""
    requested = (requested or "auto").lower()
    if requested not in DEVICES and not requested.startswith("cuda:"):
        raise ValueError(f"device must be one of {', '.join(DEVICES)}, not {requested!r}")
    if requested == "cpu":
        return "cpu"
    import torch

    has_cuda = torch.cuda.is_available()
    if requested == "auto":
        return "cuda" if has_cuda else "cpu"
    if not has_cuda:
        raise SegmenterUnavailable(f"device={requested!r} asked but torch sees no CUDA device")
    return requested


def set_threads(threads: int | None) -> None:
    """Cap torch's intra-op threads (process-wide: workers share the machine's cores)."""
    if threads:
        import torch

        torch.set_num_threads(int(threads))


def describe(device: str) -> str:
    """``cuda (NVIDIA H100 80GB HBM3)`` or ``cpu (4 threads)``, for the one log line."""
    import torch

    if device.startswith("cuda"):
        return f"{device} ({torch.cuda.get_device_name(torch.device(device))})"
    return f"cpu ({torch.get_num_threads()} threads)"

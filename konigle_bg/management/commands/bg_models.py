"""Where the segmentation models are, and fetching the optional ones.

    python manage.py bg_models status [--model clipseg|oneformer|all] [--dir DIR]
    python manage.py bg_models download [--model clipseg|oneformer|all] [--dir DIR]

u2netp ships inside konigle-bg's wheel and needs nothing. CLIPSeg and OneFormer
are Hugging Face models: ``download`` puts them in the hub cache layout under ``--dir`` (default
``KONIGLE_BG["MODELS_DIR"]``, else the Hugging Face cache), which is where the backends look.
Workers never download: they load with ``local_files_only=True``.
"""

from __future__ import annotations

import os
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from konigle_bg.conf import bg_settings
from konigle_bg.imaging.segment import SegmenterUnavailable, weights
from konigle_bg.imaging.segment.devices import torch_stack_available

BACKENDS = ("clipseg", "oneformer")
# Formats other frameworks use; only PyTorch weights (safetensors preferred) are fetched.
WEIGHT_PATTERNS = ["*.safetensors", "*.safetensors.index.json"]
FALLBACK_WEIGHT_PATTERNS = ["pytorch_model*.bin", "pytorch_model.bin.index.json"]
CONFIG_PATTERNS = ["*.json", "*.txt", "*.model"]


class Command(BaseCommand):
    help = "Show (status) or fetch (download) the CLIPSeg / OneFormer weights."

    def add_arguments(self, parser) -> None:
        parser.add_argument("action", choices=["status", "download"])
        parser.add_argument("--model", choices=[*BACKENDS, "all"], default="all")
        parser.add_argument(
            "--dir",
            dest="models_dir",
            default=None,
            help="Models folder (default: KONIGLE_BG['MODELS_DIR'], else the HF cache).",
        )

    def handle(self, *args, action: str, model: str, models_dir: str | None, **opts) -> None:
        models_dir = models_dir or bg_settings.MODELS_DIR
        selected = BACKENDS if model == "all" else (model,)
        if action == "download":
            self.download(selected, models_dir)
        self.status(selected, models_dir, show_u2netp=model == "all")

    # ---- status ---------------------------------------------------------------------------

    def status(self, selected, models_dir, show_u2netp: bool) -> None:
        if show_u2netp:
            self.stdout.write(_u2netp_line())
        present = {}
        for backend in selected:
            model_id = _model_id(backend)
            path = weights.find_weights(model_id, models_dir)
            present[backend] = path is not None
            if path is None:
                looked = ", ".join(str(d) for d in weights.search_dirs(models_dir))
                self.stdout.write(
                    f"{backend:<10} missing  {model_id} (looked in {looked}); "
                    f"fetch: python manage.py bg_models download --model {backend}"
                )
            else:
                size = weights.size_on_disk(path) / 1e6
                self.stdout.write(f"{backend:<10} present  {model_id} at {path} ({size:.1f} MB)")
        if set(selected) == set(BACKENDS):
            both = all(present.values())
            joined = "clipseg+oneformer" if both else "clipseg" if present["clipseg"] else None
            if joined and not torch_stack_available():
                joined = None  # auto joins them only where torch can run them
            self.stdout.write(
                f"{'auto':<10} u2netp" + (f" + {joined} (with prompts)" if joined else " only")
            )
        stack = (
            "installed"
            if torch_stack_available()
            else "missing (pip install 'konigle-bg[transformers]')"
        )
        self.stdout.write(f"torch/transformers {stack}; DEVICE={bg_settings.DEVICE}")

    # ---- download -------------------------------------------------------------------------

    def download(self, selected, models_dir) -> None:
        failures = []
        for backend in selected:
            model_id = _model_id(backend)
            if weights.find_weights(model_id, models_dir) is not None:
                self.stdout.write(f"{backend}: {model_id} already present")
                continue
            if model_id.startswith(("/", ".", "~")) or Path(model_id).expanduser().is_dir():
                failures.append(f"{backend}: {model_id} is a local path without a complete model")
                continue
            self.stdout.write(f"{backend}: downloading {model_id} ...")
            try:
                _fetch(model_id, models_dir)
            except ImportError as exc:
                raise CommandError(
                    f"{exc.name or 'huggingface_hub'} is missing: "
                    "pip install 'konigle-bg[transformers]'"
                ) from exc
            except Exception as exc:  # noqa: BLE001 - any hub/network failure is reported the same
                if not _is_network_error(exc):
                    raise
                reason = _first_sentence(str(exc)) or type(exc).__name__
                failures.append(f"{backend}: cannot download {model_id} ({reason})")
        if failures:
            # One line on stderr (CommandError), exit status 1.
            raise CommandError(
                "; ".join(failures)
                + ". Without network, copy a model's folder to MODELS_DIR/ORG/NAME"
                " or point CLIPSEG_MODEL / ONEFORMER_MODEL at it."
            )


def _model_id(backend: str) -> str:
    return bg_settings.CLIPSEG_MODEL if backend == "clipseg" else bg_settings.ONEFORMER_MODEL


def _u2netp_line() -> str:
    from konigle_bg.imaging.segment.salient import u2netp_path

    try:
        path = u2netp_path()
    except SegmenterUnavailable as exc:
        return f"{'u2netp':<10} missing  {exc}"
    size = path.stat().st_size / 1e6
    return f"{'u2netp':<10} bundled  {path} ({size:.1f} MB)"


def _fetch(model_id: str, models_dir: str | os.PathLike | None) -> Path:
    """Configs and tokenizer, then safetensors weights; .bin weights only where there are none."""
    import huggingface_hub

    cache_dir = str(models_dir) if models_dir else None
    path = Path(
        huggingface_hub.snapshot_download(
            model_id, cache_dir=cache_dir, allow_patterns=CONFIG_PATTERNS + WEIGHT_PATTERNS
        )
    )
    if not weights.find_weights(str(path)):
        path = Path(
            huggingface_hub.snapshot_download(
                model_id,
                cache_dir=cache_dir,
                allow_patterns=CONFIG_PATTERNS + FALLBACK_WEIGHT_PATTERNS,
            )
        )
    return path


def _is_network_error(exc: Exception) -> bool:
    from huggingface_hub.errors import HfHubHTTPError, OfflineModeIsEnabled

    if isinstance(exc, (OSError, HfHubHTTPError, OfflineModeIsEnabled, ConnectionError)):
        return True
    try:
        import httpx
    except ImportError:
        return False
    return isinstance(exc, httpx.HTTPError)


def _first_sentence(text: str) -> str:
    text = " ".join(text.split())
    return text.split(". ")[0].rstrip(".")[:160]

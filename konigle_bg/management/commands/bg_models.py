"""Where the segmentation models are, and fetching the optional ones.

    python manage.py bg_models status [--model clipseg|oneformer|isnet|all] [--dir DIR]
    python manage.py bg_models download [--model clipseg|oneformer|isnet|all] [--dir DIR]
    python manage.py bg_models import PATH --as isnet [--dir DIR]

u2netp ships inside konigle-bg's wheel and needs nothing. CLIPSeg and OneFormer
are Hugging Face models: ``download`` puts them in the hub cache layout under ``--dir`` (default
``KONIGLE_BG["MODELS_DIR"]``, else the Hugging Face cache), which is where the backends look.
Workers never download: they load with ``local_files_only=True``.

ISNet (the cascade's larger model) is one ONNX file, ``isnet-general-use.onnx``: ``download``
fetches rembg's public export and checks it against the MD5 rembg's own session pins;
``import`` copies a local file into place. Both write to ``--dir`` (else ``MODELS_DIR``, else
rembg's home ``~/.u2net``), where the ``isnet`` and ``cascade`` backends look.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import urllib.error
import urllib.request
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from konigle_bg.conf import bg_settings
from konigle_bg.imaging.segment import SegmenterUnavailable, weights
from konigle_bg.imaging.segment.cascade import Rule
from konigle_bg.imaging.segment.devices import torch_stack_available
from konigle_bg.imaging.segment.salient import ISNET_FILE, find_isnet, isnet_dirs

BACKENDS = ("clipseg", "oneformer")
# rembg's public export and the checksum its DIS session (dis_general_use.py) pins for it.
ISNET_URL = "https://github.com/danielgatis/rembg/releases/download/v0.0.0/isnet-general-use.onnx"
ISNET_MD5 = "fc16ebd8b0c10d971d3513d564d01e29"
ONNX_MAGIC = b"\x08"  # an ONNX ModelProto starts with field 1 (ir_version), a varint
# Formats other frameworks use; only PyTorch weights (safetensors preferred) are fetched.
WEIGHT_PATTERNS = ["*.safetensors", "*.safetensors.index.json"]
FALLBACK_WEIGHT_PATTERNS = ["pytorch_model*.bin", "pytorch_model.bin.index.json"]
CONFIG_PATTERNS = ["*.json", "*.txt", "*.model"]


class Command(BaseCommand):
    help = "Show (status), fetch (download) or register (import) the optional models."

    def add_arguments(self, parser) -> None:
        parser.add_argument("action", choices=["status", "download", "import"])
        parser.add_argument("path", nargs="?", help="import: the local model file.")
        parser.add_argument("--as", dest="as_model", choices=["isnet"], help="import: which model.")
        parser.add_argument("--model", choices=[*BACKENDS, "isnet", "all"], default="all")
        parser.add_argument(
            "--dir",
            dest="models_dir",
            default=None,
            help="Models folder (default: KONIGLE_BG['MODELS_DIR'], else the HF cache).",
        )

    def handle(
        self,
        *args,
        action: str,
        model: str,
        models_dir: str | None,
        path=None,
        as_model=None,
        **opts,
    ) -> None:
        models_dir = models_dir or bg_settings.MODELS_DIR
        if action == "import":
            if not path or as_model != "isnet":
                raise CommandError("usage: bg_models import PATH --as isnet")
            self.import_isnet(Path(path), models_dir)
            model = "isnet"
        elif path:
            raise CommandError(f"{action} takes no PATH")
        selected = (*BACKENDS, "isnet") if model == "all" else (model,)
        hf = tuple(b for b in selected if b in BACKENDS)
        if action == "download":
            failures = self.download(hf, models_dir)
            if "isnet" in selected:
                failures += self.download_isnet(models_dir)
            if failures:
                # One line on stderr (CommandError), exit status 1.
                raise CommandError(
                    "; ".join(failures)
                    + ". Without network, copy a model's folder to MODELS_DIR/ORG/NAME"
                    " or point CLIPSEG_MODEL / ONEFORMER_MODEL at it; for ISNet use"
                    " bg_models import PATH --as isnet."
                )
        self.status(hf, models_dir, show_u2netp=model == "all")
        if "isnet" in selected:
            self.isnet_status(models_dir)

    # ---- status ---------------------------------------------------------------------------

    def isnet_status(self, models_dir) -> None:
        path = find_isnet(None, models_dir)
        if path is None:
            looked = ", ".join(str(d) for d in isnet_dirs(models_dir))
            self.stdout.write(
                f"{'isnet':<10} missing  {ISNET_FILE} (looked in {looked}); "
                "fetch: python manage.py bg_models download --model isnet"
            )
            self.stdout.write(f"{'cascade':<10} u2netp only (no larger model installed)")
            return
        size = path.stat().st_size / 1e6
        self.stdout.write(f"{'isnet':<10} present  at {path} ({size:.1f} MB)")
        self.stdout.write(
            f"{'cascade':<10} u2netp + isnet when confidence < {bg_settings.CASCADE_THRESHOLD}"
            f" (never for a subject under {Rule.skip_subject:.0%} of the frame)"
        )

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

    def download(self, selected, models_dir) -> list[str]:
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
        return failures

    def download_isnet(self, models_dir) -> list[str]:
        if find_isnet(None, models_dir) is not None:
            self.stdout.write("isnet: already present")
            return []
        target = isnet_dirs(models_dir)[0] / ISNET_FILE
        self.stdout.write(f"isnet: downloading {ISNET_URL} ...")
        try:
            _install(target, lambda fh: _fetch_url(ISNET_URL, fh), expect_md5=ISNET_MD5)
        except (OSError, urllib.error.URLError, ValueError) as exc:
            reason = _first_sentence(str(exc)) or type(exc).__name__
            return [f"isnet: cannot download {ISNET_URL} ({reason})"]
        return []

    def import_isnet(self, source: Path, models_dir) -> None:
        if not source.is_file():
            raise CommandError(f"no such file: {source}")
        with source.open("rb") as fh:
            if fh.read(1) != ONNX_MAGIC:
                raise CommandError(f"{source} is not an ONNX model")
        target = isnet_dirs(models_dir)[0] / ISNET_FILE
        if target.exists() and target.resolve() == source.resolve():
            self.stdout.write(f"isnet: {source} is already in place")
            return

        def copy(fh) -> None:
            with source.open("rb") as src:
                shutil.copyfileobj(src, fh, 1 << 20)

        _install(target, copy)
        self.stdout.write(f"isnet: imported {source} as {target}")


def _fetch_url(url: str, fh) -> None:
    with urllib.request.urlopen(url, timeout=60) as response:  # noqa: S310 - fixed https URL
        shutil.copyfileobj(response, fh, 1 << 20)


def _install(target: Path, write, expect_md5: str | None = None) -> None:
    """Write ``target`` through a temporary file beside it, renamed into place only when
    complete (and its MD5 matches): a worker never loads half a model."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".isnet-", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as fh:
            write(fh)
        if expect_md5 is not None:
            digest = hashlib.md5()  # noqa: S324 - rembg pins MD5; integrity, not security
            with open(tmp, "rb") as fh:
                for block in iter(lambda: fh.read(1 << 20), b""):
                    digest.update(block)
            if digest.hexdigest() != expect_md5:
                raise ValueError(f"checksum mismatch: md5 {digest.hexdigest()} != {expect_md5}")
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


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

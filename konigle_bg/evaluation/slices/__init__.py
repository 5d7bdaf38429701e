"""Evaluation slices the project renders itself, with exact alpha: products the background
shows through (``see_through``) and a product beside unrelated clutter (``distractors``)."""

from .build import SOURCES, Scene, build, plan, render

__all__ = ["SOURCES", "Scene", "build", "plan", "render"]

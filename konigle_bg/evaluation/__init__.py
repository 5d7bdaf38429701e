"""Scoring cut-outs against ground truth (``bg_eval``): the scores of ``../shared/eval`` and
the runner that applies the pipeline to a manifest. Not the photo path, so not in ``imaging``."""

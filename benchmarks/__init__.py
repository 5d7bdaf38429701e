"""Benchmarks: ``python -m benchmarks.<name>``; figures, not pass/fail tests."""

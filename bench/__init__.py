"""Benchmarks at marketplace scale (issue 7). Entry point: ``bench/run.py``."""

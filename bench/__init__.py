"""Benchmarks: scripts that print figures and ratios against a ceiling measured in the same run."""

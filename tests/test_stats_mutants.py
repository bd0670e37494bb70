"""Tests written to kill surviving mutants of analysis/stats (bench/mutation.py): each asserts an independently computed fact."""

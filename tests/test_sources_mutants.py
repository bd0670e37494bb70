"""Tests written to kill surviving mutants of analysis/sources (bench/mutation.py): each asserts an independently computed fact."""

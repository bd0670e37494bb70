"""Tests written to kill surviving mutants of analysis/claims (bench/mutation.py): each asserts an independently computed fact."""

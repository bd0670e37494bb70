"""Claims: the registry, the decision rule, the runner, and one module per claim family.

- `registry`: loads and validates `config/claims.yaml` (file, line, claim id and field in
  every error) and knows each test function's contract (`TESTS`);
- `decision`: the one rule that turns results into verdicts (written out at the top of the
  registry), and how claims that test the same sentence combine into a finding;
- `run`: runs a claim's test over its specification curve and writes the result files;
- `regime_change`, `moral_hazard`, `vetoes`, `critics`: the test functions.
"""

from __future__ import annotations

from .decision import classify, classify_curve, classify_p, combine_finding, decision_rule_text, primary_row, verdict
from .registry import REGISTRY_PATH, RESERVED_DIMS, SCHEMA_PATH, TESTS, Claim, RegistryError, get_test, load_claims
from .run import (
    RESULT_SCHEMA_PATH,
    ClaimOutput,
    Data,
    json_safe,
    run_claim,
    run_curve,
    spec_curve,
    tidy_curve,
    validate_result,
    write_claim,
    write_summary,
)

VERDICTS = ("supported", "contradicted", "inconclusive")

__all__ = [
    "REGISTRY_PATH",
    "RESERVED_DIMS",
    "RESULT_SCHEMA_PATH",
    "SCHEMA_PATH",
    "TESTS",
    "VERDICTS",
    "Claim",
    "ClaimOutput",
    "Data",
    "RegistryError",
    "classify",
    "classify_curve",
    "classify_p",
    "combine_finding",
    "decision_rule_text",
    "get_test",
    "json_safe",
    "load_claims",
    "primary_row",
    "run_claim",
    "run_curve",
    "spec_curve",
    "tidy_curve",
    "validate_result",
    "verdict",
    "write_claim",
    "write_summary",
]

"""The claims registry and the declared decision rule (no data needed beyond table schemas)."""

from __future__ import annotations

import copy
from pathlib import Path

import pandas as pd
import pytest
import yaml

from analysis.claims import (REGISTRY_PATH, Claim, RegistryError, classify, classify_curve, load_claims,
                             primary_row, verdict)


def _write(tmp_path: Path, data: dict) -> Path:
    p = tmp_path / "claims.yaml"
    p.write_text(yaml.safe_dump(data, sort_keys=False))
    return p


@pytest.fixture()
def reg():
    return yaml.safe_load(REGISTRY_PATH.read_text())


def test_registry_loads_and_declares_enough_specifications():
    claims = load_claims()
    assert {"RC1", "RC2", "RC3", "MH1", "MH2", "MH3", "MH4", "LB1", "CC1"} <= set(claims)
    total = 1
    n_specs = 0
    for c in claims.values():
        total = 1
        for opts in c.dims.values():
            total *= len(opts)
        n_specs += total
    assert n_specs >= 500


@pytest.mark.parametrize(
    "mutate,field",
    [
        (lambda e: e.__setitem__("test", "no_such_test"), "test"),
        (lambda e: e["primary"].__setitem__(next(iter(e["primary"])), "not-an-option"), "primary."),
        (lambda e: e["specifications"].__setitem__("estimate", [1, 2]) or e["primary"].__setitem__("estimate", 1), "specifications.estimate"),
        (lambda e: e.pop("min_n"), "min_n"),
        (lambda e: e["decision"].__setitem__("support", {"sideways": 1}), "decision"),
        (lambda e: e.__setitem__("revisions", [{"date": "last week", "change": "dropped an option",
                                                "reason": "it looked bad", "after_results": True,
                                                "affects_verdict": False}]), "revisions"),
        (lambda e: e.__setitem__("revisions", [{"date": "2026-11-25", "change": "dropped an option",
                                                "reason": "no reason given"}]), "revisions"),
    ],
)
def test_bad_entry_names_claim_and_field(reg, tmp_path, mutate, field):
    mutate(reg["claims"][2])
    cid = reg["claims"][2]["id"]
    with pytest.raises(RegistryError) as ei:
        load_claims(_write(tmp_path, reg))
    msg = str(ei.value)
    assert f"claim {cid}" in msg and field in msg


def test_unknown_table_and_column_fail_with_processed_data(reg, tmp_path, processed_dir):
    entry = reg["claims"][0]  # RC1 reads hmi_cases, which processed_dir has
    entry["data"]["tables"] = {"hmi_cases": ["release", "no_such_column"]}
    reg["claims"] = [entry]
    with pytest.raises(RegistryError, match=r"claim RC1: field 'data.tables.hmi_cases': unknown column 'no_such_column'"):
        load_claims(_write(tmp_path, reg), processed_dir)
    entry["data"]["tables"] = {"no_such_table": ["x"]}
    with pytest.raises(RegistryError, match="unknown table"):
        load_claims(_write(tmp_path, reg), processed_dir)


# --------------------------------------------------------------------------- decision rule


def _claim(support, contradict, min_n=5, robust=0.8) -> Claim:
    entry = {"id": "XX1", "min_n": min_n, "decision": {"support": support, "contradict": contradict},
             "primary": {"d": "a"}, "specifications": {"d": ["a", "b", "c", "d", "e"]}}
    return Claim("XX1", entry, 0.05, robust)


def _curve(rows):
    df = pd.DataFrame(rows, columns=["d", "estimate", "ci_low", "ci_high", "n"])
    df["reason"] = None
    df["error"] = None
    df["n"] = df["n"].astype("Int64")
    return df


def test_classify_bounds():
    below = {"below": 0.5}
    above = {"above": 0.5}
    d = {"support": below, "contradict": above}
    assert classify(0.1, 0.4, d) == "supports"
    assert classify(0.6, 0.9, d) == "contradicts"
    assert classify(0.4, 0.6, d) == "neither"
    assert classify(None, 0.3, d) is None


def test_verdicts_follow_the_declared_rule():
    c = _claim({"below": 0.5}, {"above": 0.5})
    rows = [["a", 0.2, 0.1, 0.4, 40], ["b", 0.2, 0.1, 0.45, 40], ["c", 0.3, 0.2, 0.49, 40], ["d", 0.3, 0.2, 0.48, 40], ["e", 0.4, 0.3, 0.6, 40]]
    cur = classify_curve(_curve(rows), c)
    v, reason, rob = verdict(primary_row(cur, c), cur, c)
    assert v == "supported" and rob["share_supporting"] == 0.8

    rows[1][3] = 0.7  # two of five now straddle: 60% < 80% -> not robust
    cur = classify_curve(_curve(rows), c)
    v, reason, _ = verdict(primary_row(cur, c), cur, c)
    assert v == "inconclusive" and "not robust" in reason

    rows = [[d, 0.8, 0.6, 0.9, 40] for d in "abcde"]
    cur = classify_curve(_curve(rows), c)
    assert verdict(primary_row(cur, c), cur, c)[0] == "contradicted"

    rows = [["a", 0.2, 0.1, 0.4, 3]] + [[d, 0.2, 0.1, 0.4, 40] for d in "bcde"]
    cur = classify_curve(_curve(rows), c)
    v, reason, _ = verdict(primary_row(cur, c), cur, c)
    assert v == "inconclusive" and "too thin" in reason

    rows = [[d, 0.5, 0.3, 0.7, 40] for d in "abcde"]
    cur = classify_curve(_curve(rows), c)
    v, reason, _ = verdict(primary_row(cur, c), cur, c)
    assert v == "inconclusive" and "straddles" in reason

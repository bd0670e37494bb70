"""Tests written to kill surviving mutants of analysis/claims/registry.py and decision.py
(bench/mutation.py).

Registry validation on small registries and small processed tables built in code (they
replace, for the mutation run, the tests that build every cleaned table); the decision rule
on hand-made curves whose verdicts, shares and duplicates are counted by hand.
"""

from __future__ import annotations

import copy
import hashlib
import json
import math
from pathlib import Path

import pandas as pd
import pytest
import yaml

from analysis.claims import REGISTRY_PATH, Claim, RegistryError, load_claims
from analysis.claims import decision as D
from analysis.claims import registry as R


@pytest.fixture(scope="module")
def base():
    return yaml.safe_load(REGISTRY_PATH.read_text())


def _write(tmp_path: Path, data: dict, name: str = "claims.yaml") -> Path:
    p = tmp_path / name
    p.write_text(yaml.safe_dump(data, sort_keys=False))
    return p


def _one(base: dict, cid: str) -> dict:
    data = copy.deepcopy(base)
    data["claims"] = [c for c in data["claims"] if c["id"] == cid]
    data["findings"] = []
    return data


def _line(p: Path, needle: str, after: str | None = None) -> int:
    lines = p.read_text().splitlines()
    start = 0
    if after is not None:
        start = next(i for i, ln in enumerate(lines) if after in ln)
    return next(i for i, ln in enumerate(lines) if i >= start and needle in ln) + 1


# --------------------------------------------------------------------------- registry: data contract


def _processed(tmp_path: Path, tables: dict[str, list[str]], files=()) -> Path:
    d = tmp_path / "processed"
    d.mkdir()
    for t, cols in tables.items():
        pd.DataFrame({c: [1] for c in cols}).to_parquet(d / f"{t}.parquet")
    for f in files:
        (d / f).write_text("x\n")
    return d


def test_processed_tables_columns_and_files_are_checked(base, tmp_path):
    data = _one(base, "AC1")
    tables = data["claims"][0]["data"]["tables"]
    proc = _processed(tmp_path, tables, files=["unsc_coding_validation.csv"])
    p = _write(tmp_path, data)
    assert set(load_claims(p, proc)) == {"AC1"}
    t0, cols0 = next(iter(tables.items()))
    # a column missing
    pd.DataFrame({c: [1] for c in cols0[1:]}).to_parquet(proc / f"{t0}.parquet")
    with pytest.raises(RegistryError) as ei:
        load_claims(p, proc)
    assert f"claim AC1: field 'data.tables.{t0}': unknown column {cols0[0]!r}" in str(ei.value)
    # ... not checked for another claim (`only`)
    assert set(load_claims(p, proc, only="XX9")) == {"AC1"}
    # a table missing
    (proc / f"{t0}.parquet").unlink()
    with pytest.raises(RegistryError, match=rf"field 'data.tables.{t0}': unknown table \(no .*{t0}.parquet\)"):
        load_claims(p, proc, only="AC1")
    # a file missing
    pd.DataFrame({c: [1] for c in cols0}).to_parquet(proc / f"{t0}.parquet")
    (proc / "unsc_coding_validation.csv").unlink()
    with pytest.raises(
        RegistryError, match=r"claim AC1: field 'data.files.0': unknown file \(no .*unsc_coding_validation.csv\)"
    ):
        load_claims(p, proc)


def test_the_data_contract_without_data(base, tmp_path):
    data = _one(base, "AC1")
    assert set(load_claims(_write(tmp_path, data), check_tables=True)) == {"AC1"}
    bad = copy.deepcopy(data)
    bad["claims"][0]["data"]["tables"]["no_such_table"] = ["x"]
    with pytest.raises(
        RegistryError, match="field 'data.tables.no_such_table': table outside the data contract; known: "
    ):
        load_claims(_write(tmp_path, bad), check_tables=True)
    load_claims(_write(tmp_path, bad))  # not checked unless asked
    bad = copy.deepcopy(data)
    bad["claims"][0]["data"]["files"] = ["unsc_coding_validation.csv", "secret.csv"]
    with pytest.raises(
        RegistryError, match=r"field 'data.files.1': file outside the data contract; known: unsc_coding_validation.csv"
    ):
        load_claims(_write(tmp_path, bad), check_tables=True)
    from analysis.clean import registry as table_registry

    assert R._known_tables() == set(table_registry()) | {
        "country_year",
        "hmi_cases",
        "hmi_release_diff",
        "crosswalk_report",
        "conditions_checklist",
    }


# --------------------------------------------------------------------------- registry: semantics


def test_duplicate_claim_id_names_its_line(base, tmp_path):
    data = copy.deepcopy(base)
    data["claims"].append(copy.deepcopy(data["claims"][0]))
    p = _write(tmp_path, data)
    with pytest.raises(RegistryError) as ei:
        load_claims(p)
    cid = data["claims"][0]["id"]
    # the second entry's id line
    lines = p.read_text().splitlines()
    idx = [i + 1 for i, ln in enumerate(lines) if ln.strip() == f"- id: {cid}" or ln.strip() == f"id: {cid}"]
    assert str(ei.value).startswith(
        f"line {idx[-1]}: claim {cid}: field 'id': duplicate id"
    ) or f"line {idx[-1]}: claim {cid}: field 'id': duplicate id" in str(ei.value)
    assert str(p) in str(ei.value)


@pytest.mark.parametrize(
    "mutate,needle",
    [
        (
            lambda e: e["specifications"].__setitem__("nope", ["a"]),
            "field 'specifications.nope': dimension unknown to test rc1_regime_share; it knows ['cases', 'libya', 'period', 'release', 'target']",
        ),
        (
            lambda e: e["specifications"].__setitem__("cases", ["all", "all"]),
            "field 'specifications.cases': an option is listed twice",
        ),
        (
            lambda e: e["specifications"]["cases"].append("some"),
            "field 'specifications.cases.2': option 'some' unknown to test rc1_regime_share; it knows ['all', 'clear']",
        ),
        (lambda e: e["primary"].__setitem__("nope", "a"), "field 'primary.nope': not a specification dimension"),
        (lambda e: e["primary"].pop("cases"), "field 'primary': no primary choice for ['cases']"),
        (
            lambda e: e["primary"].__setitem__("cases", "some"),
            "field 'primary.cases': 'some' is not among the options ['all', 'clear']",
        ),
        (
            lambda e: e.__setitem__("decided_by", {"statistic": "p_value", "test": "a one-sided exact test"}),
            "field 'decided_by.statistic': test rc1_regime_share provides ['interval'], not 'p_value'",
        ),
        (
            lambda e: e.__setitem__(
                "design_checks",
                [{"id": "placebo", "description": "the placebo shows nothing", "passes_if": "its interval includes 1"}],
            ),
            "field 'design_checks.0.id': test rc1_regime_share runs no design check 'placebo'; it runs []",
        ),
        (
            lambda e: e["specifications"].__setitem__("seed", [1]) or e["primary"].__setitem__("seed", 1),
            "field 'specifications.seed': dimension name is reserved for result columns",
        ),
        (lambda e: e.__setitem__("test", "nope"), "field 'test': unknown test 'nope'; known: rc1_regime_share, "),
    ],
)
def test_semantic_errors_name_claim_field_and_reason(base, tmp_path, mutate, needle):
    data = _one(base, "RC1")
    e = data["claims"][0]
    e["specifications"] = {"release": ["0.3", "2019"], "cases": ["all", "clear"]}
    e["primary"] = {"release": "0.3", "cases": "all"}
    load_claims(_write(tmp_path, data))
    mutate(e)
    with pytest.raises(RegistryError) as ei:
        load_claims(_write(tmp_path, data))
    assert needle in str(ei.value)
    assert "claim RC1: " in str(ei.value) and str(tmp_path / "claims.yaml") in str(ei.value)


def test_curve_test_needs_a_test_that_supplies_null_draws(base, tmp_path):
    data = _one(base, "LB1")
    data["claims"][0]["curve_test"] = {"resamples": 99}
    with pytest.raises(RegistryError, match="claim LB1: field 'curve_test': test lb1_veto_rate supplies no null draws"):
        load_claims(_write(tmp_path, data))


@pytest.mark.parametrize(
    "support,contradict,msg",
    [
        ({"below": 1.0}, {"below": 2.0}, "support and contradict bounds are on the same side (below)"),
        ({"above": 1.0}, {"above": 0.5}, "support and contradict bounds are on the same side (above)"),
        (
            {"below": 1.0},
            {"above": 0.8},
            "bounds overlap: an interval inside (0.8, 1.0) would both support (below 1.0) and contradict (above 0.8); declare contradict above >= 1.0",
        ),
        (
            {"above": 1.0},
            {"below": 1.2},
            "bounds overlap: an interval inside (1.0, 1.2) would both support (above 1.0) and contradict (below 1.2); declare contradict below <= 1.0",
        ),
    ],
)
def test_bounds_problems_are_named(support, contradict, msg):
    assert R._bounds_problem({"support": support, "contradict": contradict}) == msg


@pytest.mark.parametrize(
    "support,contradict",
    [
        ({"below": 1.0}, {"above": 1.0}),
        ({"above": 1.0}, {"below": 1.0}),
        ({"below": 1.0}, {"above": 1.5}),
        ({"above": 1.0}, {"below": 0.5}),
    ],
)
def test_valid_bounds(support, contradict):
    assert R._bounds_problem({"support": support, "contradict": contradict}) is None


def test_alpha_and_robust_share_come_from_the_entry_else_the_defaults(base, tmp_path):
    data = _one(base, "RC1")
    data["defaults"] = {"alpha": 0.1, "robust_share": 0.7, "curve_test": {"resamples": 499}}
    c = load_claims(_write(tmp_path, data))["RC1"]
    assert (c.alpha, c.robust_share) == (0.1, 0.7)
    assert c.curve_test == {"resamples": 499, **data["claims"][0]["curve_test"]}
    data["claims"][0]["alpha"], data["claims"][0]["robust_share"] = 0.01, 0.9
    c = load_claims(_write(tmp_path, data))["RC1"]
    assert (c.alpha, c.robust_share) == (0.01, 0.9)
    del data["defaults"]["alpha"], data["defaults"]["robust_share"]
    del data["claims"][0]["alpha"], data["claims"][0]["robust_share"]
    c = load_claims(_write(tmp_path, data))["RC1"]
    assert (c.alpha, c.robust_share) == (0.05, 0.8)


def test_claim_properties():
    entry = {
        "id": "XX1",
        "min_n": 5,
        "specifications": {"d": ["a", "b"]},
        "primary": {"d": "a"},
        "decision": {"support": {"below": 1}, "contradict": {"above": 1}},
    }
    c = Claim("XX1", entry, 0.05, 0.8)
    assert c.min_n == 5 and c.dims == {"d": ["a", "b"]} and c.primary == {"d": "a"}
    assert c.decided_by == {"statistic": "interval"} and c.design_checks == [] and c.curve_test is None
    assert c.exploratory is False
    with pytest.raises(AttributeError, match="no_such_field"):
        c.no_such_field  # noqa: B018
    assert not hasattr(c, "title")
    assert c.fingerprint() == json.dumps(entry, sort_keys=True, default=str)
    assert c.entry_sha256() == hashlib.sha256(json.dumps(entry, sort_keys=True).encode()).hexdigest()
    c2 = Claim("XX1", dict(entry, declared_after_results=True, decided_by={"statistic": "p_value"}), 0.05, 0.8)
    assert c2.exploratory is True and c2.decided_by == {"statistic": "p_value"}
    from analysis.stats import step_seed

    assert c.seed == step_seed("claims", "XX1")


def test_yaml_errors_name_file_line_and_column(tmp_path):
    p = tmp_path / "claims.yaml"
    p.write_text("claims:\n  - id: RC1\n    title: [unclosed\n")
    with pytest.raises(RegistryError) as ei:
        load_claims(p)
    msg = str(ei.value)
    assert "YAML syntax error" in msg and str(p) in msg
    assert msg.index("line 4, column 1") >= 0 or "line 3" in msg
    p.write_text("- just\n- a list\n")
    with pytest.raises(RegistryError, match="the registry must be a YAML mapping with a `claims` list"):
        load_claims(p)
    p.write_text("")
    with pytest.raises(RegistryError, match="the registry must be a YAML mapping"):
        load_claims(p)


def test_schema_error_names_line_claim_and_field(base, tmp_path):
    data = _one(base, "RC1")
    data["claims"][0]["min_n"] = "many"
    p = _write(tmp_path, data)
    with pytest.raises(RegistryError) as ei:
        load_claims(p)
    assert f"line {_line(p, 'min_n:')}: claim RC1: field 'min_n': 'many' is not of type" in str(ei.value)
    # an error outside the claims: no claim, the path as field
    data = _one(base, "RC1")
    data["defaults"]["alpha"] = "x"
    p = _write(tmp_path, data)
    with pytest.raises(RegistryError) as ei:
        load_claims(p)
    assert f"line {_line(p, 'alpha:')}: field 'defaults/alpha': " in str(ei.value) and "claim " not in str(ei.value)


def test_line_of_follows_mappings_and_sequences(tmp_path):
    p = tmp_path / "x.yaml"
    p.write_text("a:\n  b:\n    - 1\n    - c: 2\n      d: 3\ne: 4\n")
    _, root = R._parse(p)
    assert R.line_of(root, ["a", "b", 1, "d"]) == 5
    assert R.line_of(root, ["a", "b", 0]) == 3
    assert R.line_of(root, ["e"]) == 6
    assert R.line_of(root, ["a", "b", 7]) == 3  # the deepest node that exists (the list)
    assert R.line_of(root, ["a", "b", 2]) == 3  # one past the end
    assert R.line_of(root, ["a", "b", -1]) == 3
    assert R.line_of(root, ["a"]) == 2
    assert R.line_of(root, ["zz"]) == 1
    assert R.line_of(root, ["a", "b", 1, "d", "deeper"]) == 5


def test_a_finding_naming_an_unknown_claim_names_its_line(base, tmp_path):
    data = _one(base, "RC1")
    data["findings"] = [
        {
            "id": "F-X",
            "sentence": "a sentence of the debate",
            "source": base["findings"][0]["source"],
            "claims": ["RC1", "ZZ9"],
        }
    ]
    p = _write(tmp_path, data)
    with pytest.raises(RegistryError) as ei:
        load_claims(p)
    assert f"line {_line(p, '- ZZ9')}: finding F-X: field 'claims': unknown claim 'ZZ9'" in str(ei.value)
    assert R.load_findings(p) == data["findings"]


def test_get_test_returns_the_declared_function():
    from analysis.claims import critics, regime_change

    assert R.get_test("rc1_regime_share") is regime_change.rc1_regime_share
    assert R.get_test("cc1_two_camps") is critics.cc1_two_camps


# --------------------------------------------------------------------------- decision rule


def _claim(support, contradict, min_n=5, robust=0.8, statistic="interval", checks=(), alpha=0.05) -> Claim:
    entry = {
        "id": "XX1",
        "min_n": min_n,
        "decision": {"support": support, "contradict": contradict},
        "decided_by": {"statistic": statistic, "test": "the test"},
        "design_checks": list(checks),
        "primary": {"d": "a"},
        "specifications": {"d": ["a", "b", "c", "d", "e"]},
    }
    return Claim("XX1", entry, alpha, robust)


def _curve(rows, p=None, p2=None):
    df = pd.DataFrame(rows, columns=["d", "estimate", "ci_low", "ci_high", "n"])
    df["spec_id"] = df["d"]
    df["spec_index"] = range(len(df))
    df["p_value"] = p if p is not None else [0.01 * (i + 1) for i in range(len(df))]
    if p2 is not None:
        df["p_value_contradict"] = p2
    df["reason"] = None
    df["error"] = None
    df["n"] = df["n"].astype("Int64")
    return df


def _decide(rows, c, p=None, checks=None, p2=None, **cols):
    cur = _curve(rows, p, p2)
    for k, v in cols.items():
        cur[k] = v
    cur = D.classify_curve(cur, c)
    return D.verdict(D.primary_row(cur, c), cur, c, checks)


def test_classify_edges():
    d = {"support": {"below": 0.5}, "contradict": {"above": 0.7}}
    assert D.classify(0.1, 0.5, d) == "neither"  # touching the bound is not below it
    assert D.classify(0.1, 0.4999, d) == "supports"
    assert D.classify(0.7, 0.9, d) == "neither"
    assert D.classify(0.7001, 0.9, d) == "contradicts"
    assert D.classify(0.1, float("nan"), d) is None and D.classify(pd.NA, 0.2, d) is None
    d2 = {"support": {"above": 1.0}, "contradict": {"below": 1.0}}
    assert D.classify(1.01, 2, d2) == "supports" and D.classify(0.1, 0.99, d2) == "contradicts"
    assert D.classify(0.9, 1.1, d2) == "neither" and D.classify(1.0, 2, d2) == "neither"


def test_classify_p_edges():
    d = {"support": {"above": 0.0}, "contradict": {"below": 0.0}}
    assert D.classify_p(0.2, 0.05, None, d, 0.05) == "supports"  # p at alpha counts
    assert D.classify_p(0.2, 0.0500001, None, d, 0.05) == "neither"
    assert D.classify_p(0.0, 0.01, None, d, 0.05) == "neither"  # on the bound, not above it
    assert D.classify_p(-0.1, None, 0.05, d, 0.05) == "contradicts"
    assert D.classify_p(-0.1, None, 0.06, d, 0.05) == "neither"
    assert D.classify_p(-0.1, float("nan"), 0.01, d, 0.05) == "contradicts"
    assert D.classify_p(float("nan"), 0.01, 0.01, d, 0.05) is None
    assert D.classify_p(0.1, float("nan"), float("nan"), d, 0.05) is None
    assert D.classify_p(0.1, 0.02, None, d, 0.01) == "neither"
    assert D.classify_p(0.0, None, 0.01, {"support": {"below": 0.0}, "contradict": {"above": 0.0}}, 0.05) == "neither"


def test_not_estimable_rows_and_the_p_value_statistic_in_the_curve():
    c = _claim({"above": 0.0}, {"below": 0.0}, statistic="p_value")
    rows = [
        ["a", 0.3, 0.1, 0.5, 40],
        ["b", -0.3, -0.5, -0.1, 40],
        ["c", 0.3, 0.1, 0.5, 4],
        ["d", 0.3, 0.1, 0.5, 40],
        ["e", 0.3, 0.1, 0.5, 5],
    ]
    cur = _curve(rows, p=[0.01, 0.9, 0.01, 0.01, 0.01], p2=[0.99, 0.02, 0.99, 0.99, 0.99])
    cur.loc[3, "reason"] = "no cases"
    cur = D.classify_curve(cur, c)
    assert cur["outcome"].tolist() == ["supports", "contradicts", pd.NA, pd.NA, "supports"]
    assert cur["supports"].tolist() == [True, False, pd.NA, pd.NA, True]
    cur2 = _curve(rows)
    cur2.loc[1, "error"] = "boom"
    cur2.loc[0, "n"] = pd.NA
    c2 = _claim({"below": 0.6}, {"above": 0.6})
    assert D.classify_curve(cur2, c2)["outcome"].tolist() == [pd.NA, pd.NA, pd.NA, "supports", "supports"]


def test_duplicates_by_numbers_and_by_sample_key():
    rows = [
        ["a", 0.2, 0.1, 0.4, 40],
        ["b", 0.2, 0.1, 0.4, 40],
        ["c", 0.2, 0.1, 0.4, 41],
        ["d", 0.2000000000001, 0.1, 0.4, 40],
        ["e", 0.2, 0.1, 0.41, 40],
    ]
    cur = _curve(rows, p=[0.01] * 5)
    assert D.mark_duplicates(cur).tolist() == [pd.NA, "a", pd.NA, "a", pd.NA]
    # another p-value makes another specification
    cur = _curve(rows, p=[0.01, 0.02, 0.01, 0.01, 0.01])
    assert D.mark_duplicates(cur).tolist() == [pd.NA, pd.NA, pd.NA, "a", pd.NA]
    # with a sample key: the same key, estimate and n are one specification, whatever the interval
    cur = _curve(rows, p=[0.01] * 5)
    cur["sample_key"] = ["s1", "s1", "s1", "s2", "s1"]
    assert D.mark_duplicates(cur).tolist() == [pd.NA, "a", pd.NA, pd.NA, "a"]
    # ordered by spec_index, not by row order
    cur = _curve(rows, p=[0.01] * 5)
    cur["spec_index"] = [4, 3, 2, 1, 0]
    assert D.mark_duplicates(cur).tolist() == ["d", "d", pd.NA, pd.NA, pd.NA]
    # not estimable: the same reason is the same specification, another reason is not
    rows = [[d, None, None, None, 40] for d in "abc"]
    cur = _curve(rows, p=[None] * 3)
    cur["reason"] = ["no cases", "no cases", "too few"]
    assert D.mark_duplicates(cur).tolist() == [pd.NA, "a", pd.NA]
    cur["reason"] = None
    cur["error"] = ["x", "y", "x"]
    assert D.mark_duplicates(cur).tolist() == [pd.NA, pd.NA, "a"]


def test_key_rounds_to_ten_significant_digits():
    assert D._key({"estimate": 0.123456789012, "n": 3}) == D._key({"estimate": 0.123456789049, "n": 3})
    assert D._key({"estimate": 0.12345678901, "n": 3}) != D._key({"estimate": 0.12345678951, "n": 3})
    assert D._key({"sample_key": "", "estimate": 1.0}) == D._key({"estimate": 1.0})
    assert D._key({"sample_key": "k", "estimate": 1.0})[0] == "k"


def test_primary_row_must_match_exactly_one():
    c = _claim({"below": 0.5}, {"above": 0.5})
    cur = _curve([["a", 0.2, 0.1, 0.4, 40], ["b", 0.2, 0.1, 0.4, 40]])
    assert D.primary_row(cur, c)["d"] == "a"
    cur["d"] = ["a", "a"]
    with pytest.raises(RuntimeError, match="claim XX1: primary specification matched 2 rows"):
        D.primary_row(cur, c)
    cur["d"] = ["b", "b"]
    with pytest.raises(RuntimeError, match="matched 0 rows"):
        D.primary_row(cur, c)


def test_robustness_counts_by_hand():
    c = _claim({"below": 0.5}, {"above": 0.5})
    rows = [
        ["a", 0.2, 0.1, 0.4, 40],
        ["b", 0.7, 0.6, 0.9, 40],
        ["c", 0.45, 0.3, 0.6, 40],
        ["d", None, None, None, 40],
        ["e", 0.3, 0.1, 0.45, 2],
        ["f", 0.2, 0.1, 0.4, 40],
    ]
    cur = D.classify_curve(_curve(rows, p=[0.01, 0.02, 0.03, None, 0.05, 0.01]), c)
    rob = D.robustness(cur, c)
    assert rob == {
        "n_specs": 6,
        "n_distinct": 5,
        "n_estimable": 3,
        "n_supporting": 1,
        "n_contradicting": 1,
        "n_neither": 1,
        "n_not_estimable": 2,
        "share_supporting": 0.2,
        "share_contradicting": 0.2,
        "share_neither": 0.2,
        "share_not_estimable": 0.4,
        "n_deciding": 2,
        "agreement_supporting": 0.5,
        "agreement_contradicting": 0.5,
        "robust_share_required": 0.8,
        "median_estimate": 0.375,
        "max_n": 40,
    }  # median of 0.2, 0.3, 0.45, 0.7
    empty = D.classify_curve(_curve([["a", None, None, None, None]], p=[None]), c)
    r0 = D.robustness(empty, c)
    assert r0["agreement_supporting"] is None and r0["median_estimate"] is None and r0["max_n"] is None
    assert r0["share_not_estimable"] == 1.0


def test_verdict_reasons_in_full():
    c = _claim({"below": 0.5}, {"above": 0.5})
    rows = [
        ["a", 0.2, 0.1, 0.4, 40],
        ["b", 0.21, 0.1, 0.4, 40],
        ["c", 0.22, 0.1, 0.4, 40],
        ["d", 0.23, 0.1, 0.4, 40],
        ["e", 0.4, 0.3, 0.6, 40],
    ]
    v, reason, _ = _decide(rows, c)
    assert v == "supported"
    assert reason == (
        "the primary specification supports the claim under the declared rule; 100% of the 4 distinct "
        "specifications that decide agree, and they are 4 of the 5 distinct estimable specifications "
        "(4 of 5 distinct specifications support, 0 contradict, 1 are too imprecise to decide, "
        "0 cannot be estimated or fall below the minimum n)"
    )
    # exactly the required share agrees (4 of 5 = 80%): robust
    rows4 = [r[:] for r in rows]
    rows4[4] = ["e", 0.7, 0.6, 0.9, 40]
    assert _decide(rows4, c)[0] == "supported"
    # with a stricter share it is not
    v, reason, _ = _decide(rows4, _claim({"below": 0.5}, {"above": 0.5}, robust=0.81))
    assert v == "inconclusive" and reason.startswith(
        "not robust: the primary specification supports the claim but only 80% of the 5 distinct specifications "
        "that decide agree (at least 81% required)"
    )
    # exactly half of the estimable specifications is not more than half
    rows_half = [
        ["a", 0.2, 0.1, 0.4, 40],
        ["b", 0.21, 0.1, 0.4, 40],
        ["c", 0.4, 0.3, 0.6, 40],
        ["d", 0.41, 0.3, 0.6, 40],
    ]
    c4 = Claim("XX1", dict(c.entry, specifications={"d": list("abcd")}), 0.05, 0.8)
    v, reason, _ = _decide(rows_half, c4)
    assert v == "inconclusive" and reason.startswith(
        "not robust: the primary specification supports the claim but only 2 of the 4 distinct estimable "
        "specifications agree (more than half required)"
    )
    # contradicted, with its wording
    rows_c = [[d, 0.8 + i / 100, 0.6, 0.9, 40] for i, d in enumerate("abcde")]
    v, reason, _ = _decide(rows_c, c)
    assert v == "contradicted" and reason.startswith(
        "the primary specification contradicts the claim under the declared rule; 100% of the 5 distinct"
    )
    # min_n at the boundary: n == min_n is enough
    rows_n = [["a", 0.2, 0.1, 0.4, 5]] + rows[1:]
    assert _decide(rows_n, c)[0] == "supported"
    rows_n[0] = ["a", 0.2, 0.1, 0.4, 4]
    v, reason, _ = _decide(rows_n, c)
    assert reason == "data too thin: n = 4 is below the declared minimum of 5"
    # the primary cannot be estimated
    cur = _curve(rows)
    cur.loc[0, "reason"] = "no cases in the window"
    cur = D.classify_curve(cur, c)
    v, reason, _ = D.verdict(D.primary_row(cur, c), cur, c)
    assert (v, reason) == ("inconclusive", "the primary specification could not be estimated: no cases in the window")
    cur = _curve(rows)
    cur.loc[0, "error"] = "ValueError: x"
    cur = D.classify_curve(cur, c)
    assert (
        D.verdict(D.primary_row(cur, c), cur, c)[1] == "the primary specification could not be estimated: ValueError: x"
    )
    cur = _curve(rows)
    cur["n"] = pd.array([None, 40, 40, 40, 40], dtype="Int64")
    cur = D.classify_curve(cur, c)
    assert D.verdict(D.primary_row(cur, c), cur, c)[1] == "data too thin: n = 0 is below the declared minimum of 5"


def test_straddling_and_not_significant_reasons():
    c = _claim({"below": 0.5}, {"above": 0.5})
    rows = [[d, 0.5 + i / 100, 0.3, 0.7, 40] for i, d in enumerate("abcde")]
    v, reason, _ = _decide(rows, c)
    assert reason.startswith("the primary interval straddles the declared bounds: the data cannot decide (0 of 5")
    cp = _claim({"above": 0.0}, {"below": 0.0}, statistic="p_value", alpha=0.01)
    rows = [[d, 0.2 + i / 100, 0.1, 0.4, 40] for i, d in enumerate("abcde")]
    v, reason, _ = _decide(rows, cp, p=[0.02] * 5)
    assert reason.startswith(
        "the declared test of the primary specification is not significant at alpha = 0.01: "
        "the data cannot decide (0 of 5"
    )
    # the opposite test decides contradiction
    rows = [[d, -0.2 - i / 100, -0.4, -0.1, 40] for i, d in enumerate("abcde")]
    assert _decide(rows, cp, p=[0.9] * 5, p2=[0.001] * 5)[0] == "contradicted"


def test_design_check_reason_and_detail():
    chk = {"id": "placebo", "description": "the placebo shows no effect", "passes_if": "x"}
    c = _claim({"below": 0.5}, {"above": 0.5}, checks=[chk])
    rows = [[d, 0.2 + i / 100, 0.1, 0.4, 40] for i, d in enumerate("abcde")]
    v, reason, _ = _decide(rows, c, checks={"placebo": {"passed": False}})
    assert reason == "the declared design check 'placebo' failed (no detail): the placebo shows no effect"
    # passed=None (not run / not applicable) is not a failure
    assert _decide(rows, c, checks={"placebo": {"passed": None}})[0] == "supported"
    assert D.failed_checks({"placebo": {"passed": False, "detail": "d"}}, c) == [
        (chk, {"passed": False, "detail": "d"})
    ]
    assert D.failed_checks({"placebo": {"passed": True}}, c) == []


def test_decision_rule_text():
    c = _claim({"below": 0.5}, {"above": 0.7}, min_n=8)
    assert D.decision_rule_text(c) == (
        "supported if the primary specification's entire 95% interval is below 0.5 (the test) and at least 80% of "
        "the distinct specifications that decide agree; contradicted if its entire 95% interval is above 0.7 and "
        "at least 80% of them agree; inconclusive otherwise, or when n < 8."
    )
    chk = {"id": "placebo", "description": "d", "passes_if": "x"}
    cp = _claim(
        {"above": 0.0},
        {"below": 0.0},
        statistic="p_value",
        robust=0.75,
        checks=[chk, dict(chk, id="other", on_fail="reported only")],
    )
    assert D.decision_rule_text(cp) == (
        "supported if the primary specification's the declared test (the test) is significant at alpha = 0.05 with "
        "the estimate above 0.0 and at least 75% of the distinct specifications that decide agree; contradicted if "
        "its the opposite test is significant with the estimate below 0.0 and at least 75% of them agree; "
        "inconclusive otherwise, or when n < 5; inconclusive if the design check 'placebo' fails."
    )
    c0 = Claim("XX1", dict(c.entry, decided_by={"statistic": "interval"}), 0.05, 0.8)
    assert "entire 95% interval is below 0.5 and at least" in D.decision_rule_text(c0)


def test_combine_finding_in_full():
    f = {"id": "F-X", "sentence": "a sentence", "source": {"citation": "b"}, "claims": ["A", "B", "C", "E"]}
    v = {"A": "supported", "B": "supported", "C": "inconclusive", "E": "supported"}
    r = D.combine_finding(f, v, {"E"}, {"B"})
    assert r == {
        "id": "F-X",
        "sentence": "a sentence",
        "source": {"citation": "b"},
        "claims": ["A", "B", "C"],
        "exploratory_claims": ["E"],
        "verdicts": v,
        "finding": "supported",
        "reason": "2 of 3 tests support the sentence and none contradicts it",
        "revised_after_results": ["B"],
    }
    # half is not a majority
    r = D.combine_finding(
        {"id": "F", "sentence": "s", "claims": ["A", "B"]}, {"A": "supported", "B": "inconclusive"}, set()
    )
    assert r["finding"] == "inconclusive" and r["reason"] == "1 of 2 tests support, 0 contradict, 1 are inconclusive"
    assert r["source"] is None and r["revised_after_results"] == []
    r = D.combine_finding(
        {"id": "F", "sentence": "s", "claims": ["A", "B", "C"]},
        {"A": "contradicted", "B": "contradicted", "C": "inconclusive"},
        set(),
    )
    assert r["reason"] == "2 of 3 tests contradict the sentence and none supports it"
    r = D.combine_finding(
        {"id": "F", "sentence": "s", "claims": ["A", "B"]}, {"A": "contradicted", "B": "supported"}, set()
    )
    assert (r["finding"], r["reason"]) == ("mixed", "1 of 2 tests support the sentence and 1 contradict it")
    r = D.combine_finding(
        {"id": "F", "sentence": "s", "claims": ["A", "B"]}, {"A": "contradicted", "B": "inconclusive"}, set()
    )
    assert r["finding"] == "inconclusive"


def test_nan_helper():
    assert D._nan(None) and D._nan(float("nan")) and D._nan(pd.NA)
    assert not D._nan(0.0) and not D._nan("x") and not D._nan(math.inf)


def test_decision_rule_text_defaults_and_several_checks():
    chk = {"id": "placebo", "description": "d", "passes_if": "x"}
    c = _claim({"below": 0.5}, {"above": 0.7}, checks=[chk, dict(chk, id="pre-trend")])
    c = Claim("XX1", dict(c.entry, decided_by={"test": "t"}), 0.05, 0.8)  # no statistic: interval
    assert D.decision_rule_text(c).endswith(
        "inconclusive otherwise, or when n < 5; inconclusive if the design check 'placebo' fails; "
        "inconclusive if the design check 'pre-trend' fails."
    )
    assert "entire 95% interval is below 0.5 (t)" in D.decision_rule_text(c)


def test_findings_default_to_none_and_fingerprint_handles_dates(base, tmp_path):
    import datetime

    data = _one(base, "RC1")
    del data["findings"]
    assert R.load_findings(_write(tmp_path, data)) == []
    entry = {"id": "XX1", "revisions": [{"date": datetime.date(2026, 11, 25)}]}
    c = Claim("XX1", entry, 0.05, 0.8)
    assert c.fingerprint() == '{"id": "XX1", "revisions": [{"date": "2026-11-25"}]}'


def test_estimate_on_a_support_below_bound_is_not_below_it():
    d = {"support": {"below": 0.0}, "contradict": {"above": 0.0}}
    assert D.classify_p(0.0, 0.01, None, d, 0.05) == "neither"
    assert D.classify_p(-0.001, 0.01, None, d, 0.05) == "supports"


def test_primary_row_matches_every_primary_dimension():
    entry = {
        "id": "XX1",
        "min_n": 1,
        "decision": {"support": {"below": 0.5}, "contradict": {"above": 0.5}},
        "primary": {"d": "a", "w": 2},
        "specifications": {"d": ["a", "b"], "w": [1, 2]},
    }
    c = Claim("XX1", entry, 0.05, 0.8)
    cur = pd.DataFrame({"d": ["a", "a", "b", "b"], "w": [1, 2, 1, 2], "spec_id": list("pqrs")})
    assert D.primary_row(cur, c)["spec_id"] == "q"


def test_the_reason_names_the_rule_that_failed_at_exactly_the_required_share():
    # 4 support, 1 contradicts (agreement 4/5 = 80% = required), 4 are imprecise: 4 of 9 estimable
    # is not more than half, so the reason is the majority rule, not the share
    specs = list("abcdefghi")
    entry = dict(_claim({"below": 0.5}, {"above": 0.5}).entry, specifications={"d": specs})
    c = Claim("XX1", entry, 0.05, 0.8)
    rows = (
        [[d, 0.2, 0.1, 0.4 - i / 100, 40] for i, d in enumerate("abcd")]
        + [["e", 0.8, 0.6, 0.9, 40]]
        + [[d, 0.5, 0.3, 0.7 + i / 100, 40] for i, d in enumerate("fghi")]
    )
    v, reason, rob = _decide(rows, c)
    assert rob["agreement_supporting"] == 0.8 and rob["n_estimable"] == 9
    assert v == "inconclusive" and reason.startswith(
        "not robust: the primary specification supports the claim but only 4 of the 9 distinct estimable "
        "specifications agree (more than half required)"
    )


def test_nan_in_the_error_and_reason_columns_is_no_error():
    import numpy as np

    c = _claim({"below": 0.5}, {"above": 0.5})
    rows = [[d, 0.2 + i / 100, 0.1, 0.4, 40] for i, d in enumerate("abcde")]
    cur = _curve(rows)
    cur["error"] = np.nan
    cur["reason"] = np.nan
    cur = D.classify_curve(cur, c)
    assert D.verdict(D.primary_row(cur, c), cur, c)[0] == "supported"


def test_curve_columns_keep_their_types_and_index():
    c = _claim({"below": 0.5}, {"above": 0.5})
    rows = [["a", 0.2, 0.1, 0.4, 40], ["b", 0.2, 0.15, 0.4, 40], ["c", 0.2, 0.1, 0.4, 40], ["d", None, None, None, 40]]
    cur = _curve(rows, p=[0.01, 0.01, 0.01, None])
    cur.index = [10, 11, 12, 13]
    out = D.classify_curve(cur, c)
    assert str(out["outcome"].dtype) == "string" and str(out["supports"].dtype) == "boolean"
    assert str(out["duplicate_of"].dtype) == "string"
    # only ci_low differs between a and b: two specifications; c repeats a
    assert [x if isinstance(x, str) else None for x in out["duplicate_of"]] == [None, None, "a", None]
    assert list(out["duplicate_of"].index) == [10, 11, 12, 13]
    # without spec_index the row order decides
    dup = D.mark_duplicates(cur.drop(columns=["spec_index"]).iloc[::-1])
    assert [x if isinstance(x, str) else None for x in dup] == [None, None, None, "c"]  # d, c, b, a: a repeats c


def test_key_with_a_sample_key_compares_estimate_n_reason_and_error():
    base_row = {"sample_key": "s", "estimate": 0.5, "ci_low": 0.1, "n": 10, "reason": None, "error": None}
    k0 = D._key(base_row)
    assert k0 == ("s", 0.5, 10, None, None)
    assert D._key(dict(base_row, ci_low=0.2)) == k0  # the interval is not part of a named sample
    for change in ({"estimate": 0.6}, {"n": 11}, {"reason": "no cases"}, {"error": "boom"}):
        assert D._key(dict(base_row, **change)) != k0, change
    assert D._key(dict(base_row, reason="a")) != D._key(dict(base_row, reason="b"))
    assert D._key(dict(base_row, error="a")) != D._key(dict(base_row, error="b"))
    assert D._key(dict(base_row, reason="")) == k0  # an empty reason is no reason
    plain = {"estimate": 0.5, "ci_low": 0.1, "ci_high": 0.9, "p_value": 0.01, "n": 10}
    assert D._key(plain) == (None, 0.5, 0.1, 0.9, 0.01, 10, None, None)
    assert D._key(dict(plain, ci_low=0.2)) != D._key(plain)


def test_a_curve_with_nothing_estimable_keeps_its_column_types():
    c = _claim({"below": 0.5}, {"above": 0.5})
    cur = D.classify_curve(_curve([["a", None, None, None, 40], ["b", None, None, None, 40]], p=[None, None]), c)
    assert str(cur["outcome"].dtype) == "string" and str(cur["supports"].dtype) == "boolean"
    assert str(cur["duplicate_of"].dtype) == "string"


def test_registry_errors_carry_the_file_and_the_field_path(base, tmp_path, monkeypatch):
    data = _one(base, "RC1")
    data["claims"][0]["decided_by"]["test"] = "x"
    p = _write(tmp_path, data)
    with pytest.raises(RegistryError) as ei:
        load_claims(p)
    assert ei.value.file == str(p) and "claim RC1: field 'decided_by/test': 'x' is too short" in str(ei.value)
    # a claim without an id: no claim named, the field relative to the entry
    data = _one(base, "RC1")
    del data["claims"][0]["id"]
    with pytest.raises(RegistryError) as ei:
        load_claims(_write(tmp_path, data))
    assert "field '': 'id' is a required property" in str(ei.value) and "claim " not in str(ei.value)
    # a YAML mapping is required, and the file is named
    p.write_text("- a\n")
    with pytest.raises(RegistryError) as ei:
        load_claims(p)
    assert ei.value.file == str(p)

    # a YAML error without a mark: no line, the first line of the message
    def boom(*a, **k):
        raise yaml.YAMLError("cannot read this\nsecond line")

    monkeypatch.setattr(R.yaml, "compose", boom)
    with pytest.raises(RegistryError) as ei:
        load_claims(p)
    assert str(ei.value).endswith("YAML syntax error: cannot read this")


def test_a_claim_without_decided_by_is_decided_by_its_interval(base, tmp_path):
    data = _one(base, "RC1")
    del data["claims"][0]["decided_by"]
    c = load_claims(_write(tmp_path, data))["RC1"]
    assert c.decided_by == {"statistic": "interval"}


def test_a_claims_entry_that_is_not_a_mapping(base, tmp_path):
    data = _one(base, "RC1")
    data["claims"].append("just a sentence")
    with pytest.raises(RegistryError) as ei:
        load_claims(_write(tmp_path, data))
    assert "field '': 'just a sentence' is not of type 'object'" in str(ei.value) and "claim " not in str(ei.value)

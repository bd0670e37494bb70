"""The claims registry and the declared decision rule (no data needed beyond table schemas)."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
import yaml

from analysis.claims import (
    REGISTRY_PATH,
    Claim,
    RegistryError,
    classify,
    classify_curve,
    classify_p,
    combine_finding,
    load_claims,
    primary_row,
    verdict,
)


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
        (
            lambda e: e["specifications"].__setitem__("estimate", [1, 2]) or e["primary"].__setitem__("estimate", 1),
            "specifications.estimate",
        ),
        (lambda e: e.pop("min_n"), "min_n"),
        (lambda e: e["decision"].__setitem__("support", {"sideways": 1}), "decision"),
        (
            lambda e: e.__setitem__(
                "revisions",
                [
                    {
                        "date": "last week",
                        "change": "dropped an option",
                        "reason": "it looked bad",
                        "after_results": True,
                        "affects_verdict": False,
                    }
                ],
            ),
            "revisions",
        ),
        (
            lambda e: e.__setitem__(
                "revisions", [{"date": "2026-11-25", "change": "dropped an option", "reason": "no reason given"}]
            ),
            "revisions",
        ),
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
    with pytest.raises(
        RegistryError, match=r"claim RC1: field 'data.tables.hmi_cases': unknown column 'no_such_column'"
    ):
        load_claims(_write(tmp_path, reg), processed_dir)
    entry["data"]["tables"] = {"no_such_table": ["x"]}
    with pytest.raises(RegistryError, match="unknown table"):
        load_claims(_write(tmp_path, reg), processed_dir)


# --------------------------------------------------------------------------- registry semantics


def _bad(reg, tmp_path, match):
    p = _write(tmp_path, reg)
    with pytest.raises(RegistryError, match=match) as ei:
        load_claims(p)
    msg = str(ei.value)
    assert str(p) in msg and re.search(r"line \d+", msg), msg
    return msg


@pytest.mark.parametrize(
    "support,contradict,why",
    [
        ({"below": 1.5}, {"above": 1.0}, "overlap"),  # an interval inside (1.0, 1.5) would meet both
        ({"below": 0.5}, {"below": 0.7}, "same side"),
        ({"above": 0.5}, {"below": 0.7}, "overlap"),  # reversed
    ],
)
def test_overlapping_same_side_or_reversed_bounds_are_rejected(reg, tmp_path, support, contradict, why):
    rc3 = next(c for c in reg["claims"] if c["id"] == "RC3")
    rc3["decision"] = {"support": support, "contradict": contradict}
    msg = _bad(reg, tmp_path, why)
    assert "claim RC3" in msg and "decision" in msg


def test_bounds_that_touch_are_valid(reg, tmp_path):
    rc3 = next(c for c in reg["claims"] if c["id"] == "RC3")
    rc3["decision"] = {"support": {"below": 0.5}, "contradict": {"above": 0.5}}
    assert "RC3" in load_claims(_write(tmp_path, reg))


def test_line_number_points_at_the_claim(tmp_path):
    text = REGISTRY_PATH.read_text().replace("contradict: {above: 1.5}", "contradict: {above: 1.2}", 1)
    p = tmp_path / "claims.yaml"
    p.write_text(text)
    lines = text.splitlines()
    want = next(i + 1 for i, ln in enumerate(lines) if "contradict: {above: 1.2}" in ln)
    with pytest.raises(RegistryError) as ei:
        load_claims(p)
    m = re.search(r"line (\d+)", str(ei.value))
    assert m and abs(int(m.group(1)) - want) <= 2, (str(ei.value), want)


def test_unknown_dimension_option_and_primary(reg, tmp_path):
    rc1 = reg["claims"][0]
    rc1["specifications"]["release"] = ["0.3", "2019", "0.4"]  # a release the test does not know
    _bad(reg, tmp_path, r"claim RC1: field 'specifications.release.2': option '0.4' unknown to test")
    reg["claims"][0]["specifications"]["release"] = ["0.3", "2019"]
    reg["claims"][0]["specifications"]["perod"] = ["all"]  # a typo'd dimension
    reg["claims"][0]["primary"]["perod"] = "all"
    _bad(reg, tmp_path, r"claim RC1: field 'specifications.perod': dimension unknown to test")


def test_primary_outside_options(reg, tmp_path):
    reg["claims"][0]["primary"]["cases"] = "borderline"
    _bad(reg, tmp_path, r"claim RC1: field 'primary.cases': 'borderline' is not among the options")


def test_decided_by_must_be_a_statistic_the_test_provides(reg, tmp_path):
    rc1 = reg["claims"][0]
    rc1["decided_by"] = {"statistic": "p_value", "test": "a test RC1 does not run"}
    _bad(reg, tmp_path, r"claim RC1: field 'decided_by.statistic': test rc1_regime_share provides \['interval'\]")


def test_design_check_and_curve_test_must_be_run_by_the_test(reg, tmp_path):
    lb1 = next(c for c in reg["claims"] if c["id"] == "LB1")
    lb1["design_checks"] = [{"id": "placebo", "description": "a placebo LB1 has none of", "passes_if": "never"}]
    _bad(reg, tmp_path, r"claim LB1: field 'design_checks.0.id': test lb1_veto_rate runs no design check 'placebo'")
    lb1.pop("design_checks")
    lb1["curve_test"] = {"resamples": 199}
    _bad(reg, tmp_path, r"claim LB1: field 'curve_test': test lb1_veto_rate supplies no null draws")


def test_yaml_syntax_error_names_file_and_line(tmp_path):
    p = tmp_path / "claims.yaml"
    p.write_text("claims:\n  - id: RC1\n    title: [unclosed\n")
    with pytest.raises(RegistryError) as ei:
        load_claims(p)
    msg = str(ei.value)
    assert (
        str(p) in msg and "YAML syntax error" in msg and re.search(r"line [34]", msg) and "<unicode string>" not in msg
    )


def test_finding_naming_an_unknown_claim(reg, tmp_path):
    reg["findings"][0]["claims"].append("RC99")
    _bad(reg, tmp_path, r"finding F-RC-PLANNED: field 'claims': unknown claim 'RC99'")


def test_tables_outside_the_data_contract(reg, tmp_path):
    reg["claims"][0]["data"]["tables"]["no_such_table"] = ["x"]
    with pytest.raises(
        RegistryError, match=r"claim RC1: field 'data.tables.no_such_table': table outside the data contract"
    ):
        load_claims(_write(tmp_path, reg), check_tables=True)


def test_files_outside_the_data_contract(reg, tmp_path):
    reg["claims"][0]["data"]["files"] = ["no_such_file.csv"]
    with pytest.raises(RegistryError, match=r"claim RC1: field 'data.files.0': file outside the data contract"):
        load_claims(_write(tmp_path, reg), check_tables=True)


def test_a_claim_reads_only_its_declared_inputs(processed_dir, tmp_path):
    """An undeclared read is an error before anything is written: every input a result depends
    on must be an input of its workflow rule (AC1 once read the coding's validation file
    without declaring it, and a rebuild then gave a different result)."""
    from analysis.claims import Data
    from analysis.errors import DataError

    d = Data(processed_dir, declared={"tables": {"hmi_cases": ["release"]}})
    assert len(d.table("hmi_cases")) > 0 and set(d.inputs) == {"hmi_cases.parquet"}
    with pytest.raises(DataError, match="does not declare.*crosswalk.parquet"):
        d.table("crosswalk")
    with pytest.raises(DataError, match="does not declare.*unsc_coding_validation.csv"):
        d.csv("unsc_coding_validation.csv")
    # the registry: every claim that uses the coding's precision and recall declares the file
    claims = load_claims(REGISTRY_PATH)
    assert {c for c, cl in claims.items() if "unsc_coding_validation.csv" in cl.data.get("files", [])} == {
        "AC1",
        "LB2",
        "RO1",
    }


def test_cli_exits_2_and_writes_nothing_for_a_bad_registry(reg, tmp_path, capsys):
    from analysis.cli import main as cli_main

    reg["claims"][0]["decision"]["contradict"] = {"above": 0.3}
    p = _write(tmp_path, reg)
    out = tmp_path / "results"
    rc = cli_main(["claim", "RC1", "--registry", str(p), "--out", str(out), "--processed", str(tmp_path)])
    err = capsys.readouterr().err
    assert rc == 2 and "claim RC1" in err and "overlap" in err and str(p) in err and "Traceback" not in err
    assert not out.exists()


def test_snakemake_parse_stops_with_the_message_and_no_traceback(reg, tmp_path):
    import subprocess
    import sys

    reg["claims"][1]["specifications"]["window"] = [1, 2, 4]
    p = _write(tmp_path, reg)
    snakemake = Path(sys.executable).parent / "snakemake"
    r = subprocess.run([str(snakemake), "-n", "--config", f"claims={p}"], capture_output=True, text=True, timeout=300)
    assert r.returncode == 2, r.stderr[-2000:]
    assert "claim RC2: field 'specifications.window.2': option 4 unknown" in r.stderr and str(p) in r.stderr
    assert "Traceback" not in r.stderr + r.stdout


# --------------------------------------------------------------------------- decision rule


def _claim(support, contradict, min_n=5, robust=0.8, statistic="interval", checks=()) -> Claim:
    entry = {
        "id": "XX1",
        "min_n": min_n,
        "decision": {"support": support, "contradict": contradict},
        "decided_by": {"statistic": statistic, "test": "test"},
        "design_checks": list(checks),
        "primary": {"d": "a"},
        "specifications": {"d": ["a", "b", "c", "d", "e"]},
    }
    return Claim("XX1", entry, 0.05, robust)


def _curve(rows, p=None):
    df = pd.DataFrame(rows, columns=["d", "estimate", "ci_low", "ci_high", "n"])
    df["spec_id"] = df["d"]
    df["spec_index"] = range(len(df))
    df["p_value"] = p if p is not None else [0.01 * (i + 1) for i in range(len(df))]
    df["reason"] = None
    df["error"] = None
    df["n"] = df["n"].astype("Int64")
    return df


def _decide(rows, c, p=None, checks=None):
    cur = classify_curve(_curve(rows, p), c)
    return verdict(primary_row(cur, c), cur, c, checks)


def test_classify_bounds():
    below = {"below": 0.5}
    above = {"above": 0.5}
    d = {"support": below, "contradict": above}
    assert classify(0.1, 0.4, d) == "supports"
    assert classify(0.6, 0.9, d) == "contradicts"
    assert classify(0.4, 0.6, d) == "neither"
    assert classify(None, 0.3, d) is None
    # a zone between the bounds means neither
    d2 = {"support": {"below": 1.5}, "contradict": {"above": 2.0}}
    assert classify(1.6, 1.9, d2) == "neither" and classify(2.1, 3.0, d2) == "contradicts"


def test_classify_by_p_value():
    d = {"support": {"above": 0.0}, "contradict": {"below": 0.0}}
    assert classify_p(0.2, 0.01, 0.99, d, 0.05) == "supports"
    assert classify_p(0.2, 0.06, 0.94, d, 0.05) == "neither"
    assert classify_p(-0.2, 0.99, 0.01, d, 0.05) == "contradicts"
    assert classify_p(-0.2, 0.01, 0.99, d, 0.05) == "neither"  # significant in the wrong direction of the estimate
    assert classify_p(0.2, None, None, d, 0.05) is None


def test_verdicts_follow_the_declared_rule():
    c = _claim({"below": 0.5}, {"above": 0.5})
    rows = [
        ["a", 0.2, 0.1, 0.4, 40],
        ["b", 0.21, 0.1, 0.45, 40],
        ["c", 0.3, 0.2, 0.49, 40],
        ["d", 0.31, 0.2, 0.48, 40],
        ["e", 0.4, 0.3, 0.6, 40],
    ]
    v, reason, rob = _decide(rows, c)
    assert v == "supported" and rob["share_supporting"] == 0.8 and rob["share_neither"] == 0.2
    assert rob["agreement_supporting"] == 1.0

    # imprecise specifications do not count against the claim the way contradicting ones do
    rows2 = [r[:] for r in rows]
    rows2[4] = ["e", 0.4, 0.3, 0.6, 40]
    rows2[3] = ["d", 0.4, 0.3, 0.61, 40]
    v, reason, rob = _decide(rows2, c)
    assert v == "supported" and rob["n_neither"] == 2 and rob["n_supporting"] == 3
    # ... but a verdict needs more than half of the distinct estimable specifications
    rows2[2] = ["c", 0.41, 0.3, 0.62, 40]
    v, reason, rob = _decide(rows2, c)
    assert v == "inconclusive" and "more than half" in reason
    # one contradicting specification of five: agreement 80% of those that decide -> still robust
    rows3 = [r[:] for r in rows]
    rows3[4] = ["e", 0.7, 0.6, 0.9, 40]
    assert _decide(rows3, c)[0] == "supported"
    rows3[3] = ["d", 0.7, 0.6, 0.91, 40]  # two of five contradict: 60% < 80%
    v, reason, _ = _decide(rows3, c)
    assert v == "inconclusive" and "not robust" in reason

    rows = [[d, 0.8 + i / 100, 0.6, 0.9, 40] for i, d in enumerate("abcde")]
    assert _decide(rows, c)[0] == "contradicted"

    rows = [["a", 0.2, 0.1, 0.4, 3]] + [[d, 0.2 + i / 100, 0.1, 0.4, 40] for i, d in enumerate("bcde")]
    v, reason, _ = _decide(rows, c)
    assert v == "inconclusive" and "too thin" in reason

    rows = [[d, 0.5 + i / 100, 0.3, 0.7, 40] for i, d in enumerate("abcde")]
    v, reason, _ = _decide(rows, c)
    assert v == "inconclusive" and "straddles" in reason


def test_only_distinct_specifications_count():
    c = _claim({"below": 0.5}, {"above": 0.5})
    # b, c, d duplicate a (same sample and numbers); e contradicts: 1 of 2 distinct decide each way
    rows = [["a", 0.2, 0.1, 0.4, 40]] * 1 + [[d, 0.2, 0.1, 0.4, 40] for d in "bcd"] + [["e", 0.7, 0.6, 0.9, 40]]
    p = [0.01, 0.01, 0.01, 0.01, 0.02]
    cur = classify_curve(_curve(rows, p), c)
    assert cur["duplicate_of"].tolist()[:4] == [None, "a", "a", "a"] or list(cur["duplicate_of"].fillna("-"))[:4] == [
        "-",
        "a",
        "a",
        "a",
    ]
    v, reason, rob = verdict(primary_row(cur, c), cur, c)
    assert rob["n_specs"] == 5 and rob["n_distinct"] == 2 and rob["n_supporting"] == 1 and rob["n_contradicting"] == 1
    assert v == "inconclusive" and "not robust" in reason  # counted per distinct spec: 50% agreement


def test_four_shares_add_up():
    c = _claim({"below": 0.5}, {"above": 0.5})
    rows = [
        ["a", 0.2, 0.1, 0.4, 40],
        ["b", 0.7, 0.6, 0.9, 40],
        ["c", 0.45, 0.3, 0.6, 40],
        ["d", None, None, None, 40],
        ["e", 0.3, 0.1, 0.45, 2],
    ]
    _, _, rob = _decide(rows, c)
    assert (rob["n_supporting"], rob["n_contradicting"], rob["n_neither"], rob["n_not_estimable"]) == (1, 1, 1, 2)
    assert (
        abs(
            rob["share_supporting"] + rob["share_contradicting"] + rob["share_neither"] + rob["share_not_estimable"] - 1
        )
        < 1e-12
    )


def test_a_failed_design_check_makes_the_verdict_inconclusive():
    chk = {"id": "placebo", "description": "the placebo shows no effect", "passes_if": "placebo interval includes 1"}
    c = _claim({"below": 0.5}, {"above": 0.5}, checks=[chk])
    rows = [[d, 0.2 + i / 100, 0.1, 0.4, 40] for i, d in enumerate("abcde")]
    v, reason, _ = _decide(rows, c, checks={"placebo": {"passed": False, "detail": "placebo RR 1.62 [1.07, 2.45]"}})
    assert v == "inconclusive" and "placebo" in reason and "1.62" in reason
    assert _decide(rows, c, checks={"placebo": {"passed": True, "detail": "ok"}})[0] == "supported"
    with pytest.raises(RuntimeError, match="did not report its declared design check"):
        _decide(rows, c, checks={})
    # declared beforehand what a failure means: the verdict stands, the check is reported
    c2 = _claim(
        {"below": 0.5}, {"above": 0.5}, checks=[dict(chk, on_fail="a failed placebo is reported, not decisive")]
    )
    assert _decide(rows, c2, checks={"placebo": {"passed": False, "detail": "x"}})[0] == "supported"


def test_the_declared_statistic_decides():
    c = _claim({"above": 0.0}, {"below": 0.0}, statistic="p_value")
    # intervals all exclude 0 (the interval would support) but the declared test is not significant
    rows = [[d, 0.2 + i / 100, 0.1, 0.4, 40] for i, d in enumerate("abcde")]
    v, reason, _ = _decide(rows, c, p=[0.2] * 5)
    assert v == "inconclusive" and "not significant" in reason
    assert _decide(rows, c, p=[0.01] * 5)[0] == "supported"


def test_findings_combine_claims_that_test_one_sentence():
    f = {"id": "F-X", "sentence": "a sentence", "claims": ["A", "B", "C"]}
    assert (
        combine_finding(f, {"A": "supported", "B": "supported", "C": "inconclusive"}, set())["finding"] == "supported"
    )
    assert (
        combine_finding(f, {"A": "supported", "B": "inconclusive", "C": "inconclusive"}, set())["finding"]
        == "inconclusive"
    )
    assert combine_finding(f, {"A": "supported", "B": "contradicted", "C": "supported"}, set())["finding"] == "mixed"
    assert (
        combine_finding(f, {"A": "contradicted", "B": "contradicted", "C": "inconclusive"}, set())["finding"]
        == "contradicted"
    )
    # exploratory claims never count
    r = combine_finding(f, {"A": "supported", "B": "inconclusive", "C": "supported"}, {"C"})
    assert r["finding"] == "inconclusive" and r["exploratory_claims"] == ["C"]


def test_registry_marks_claims_declared_after_results():
    claims = load_claims()
    assert {c for c, cl in claims.items() if cl.exploratory} >= {"RC4", "RC5"}
    assert not claims["RC1"].exploratory
    for cl in claims.values():
        d = cl.decision
        if "between" in d["support"]:  # an equivalence band (RP1): contradict lies outside a band containing it
            (s_lo, s_hi), (c_lo, c_hi) = d["support"]["between"], d["contradict"]["outside"]
            assert c_lo <= s_lo < s_hi <= c_hi
            continue
        assert ("below" in d["support"]) != ("below" in d["contradict"])  # opposite sides everywhere

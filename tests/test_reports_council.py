"""The reports' Security Council sections (issue 17): the charts of AC1, LB2 and RO1 hold what the
claims count, from the real data, and the appendix's tables (validation of the text coding, what
joins between meetings, texts and vetoes) hold the real figures with their n."""

from __future__ import annotations

import pandas as pd
import pytest
import yaml

from analysis import ROOT, charts
from analysis import council_report as CR
from analysis.claims import Claim, Data, council
from analysis.clean import unsc_coding
from analysis.figures import council_tallies
from analysis.io import write_csv, write_parquet

ENTRIES = ROOT / "notes" / "council_claims.yaml"


@pytest.fixture(scope="module")
def processed(table, tmp_path_factory):
    d = tmp_path_factory.mktemp("council_reports")
    for name in (
        "unsc_resolutions_coded",
        "unsc_outcomes",
        "unsc_outcome_vetoes",
        "unsc_meetings_join_report",
        "hmi_cases",
    ):
        write_parquet(table(name), d / f"{name}.parquet")
    samples = unsc_coding.read_samples(ROOT / unsc_coding.SAMPLE, ROOT / unsc_coding.HOLDOUT)
    write_csv(unsc_coding.validate_coding(table("unsc_resolutions_coded"), samples), d / "unsc_coding_validation.csv")
    return d


@pytest.fixture(scope="module")
def results(processed):
    """AC1, LB2 and RO1 as result dicts (the fields the charts read), from the claim functions."""
    entries = {e["id"]: e for e in yaml.safe_load(ENTRIES.read_text(encoding="utf-8"))["claims"]}
    funcs = {"AC1": council.ac_reporting, "LB2": council.lb2_consensus, "RO1": council.ro_regional_orgs}
    out = {}
    for cid, fn in funcs.items():
        o = fn(Claim(cid, entries[cid], 0.05, 0.8), Data(processed))
        out[cid] = {
            "id": cid,
            "primary_specification": entries[cid]["primary"],
            "primary_detail": o.primary_detail,
            "details": o.details,
        }
    return out


def _data(chart) -> pd.DataFrame:
    """The rows of a chart's main dataset (the largest; the others are its marker lines)."""
    return pd.DataFrame(max(chart.to_dict()["datasets"].values(), key=len))


def test_consensus_chart_counts_what_lb2_counts(processed, results):
    chart = charts.consensus_series(council_tallies(processed), first_year=1990)
    d = _data(chart)
    assert d["year"].min() == 1990 and d["year"].max() == 2015  # the coded texts end in 2015
    r = results["LB2"]["primary_detail"]["result"]
    before = d[d["year"].between(1992, 2010)]
    assert before["count"].sum() == r["n_before"] == 445
    assert before.loc[before["category"] == "votes against or abstentions", "count"].sum() == r["k_before"] == 57
    # 2011 holds resolution 1973 (10-0-5), adopted with abstentions
    y2011 = d[(d["year"] == 2011) & (d["category"] == "votes against or abstentions")]["count"].item()
    assert y2011 >= 1
    spec = chart.to_dict()
    assert spec["usermeta"]["r2p"]["inputs"] == [
        "data/processed/unsc_outcomes.parquet",
        "data/processed/unsc_resolutions_coded.parquet",
    ]
    assert "tally" in spec["description"]


def test_reporting_chart_counts_what_ac1_counts(results):
    ac = results["AC1"]
    chart = charts.reporting_duties(ac["details"]["per_year"], 1990, 2015)
    d = _data(chart)
    r = ac["primary_detail"]["result"]
    before = d[d["year"].between(1990, 2010)]
    assert before["count"].sum() == r["n_before"] == 64
    assert before.loc[before["category"] == "regular or at stated intervals", "count"].sum() == r["k_before"] == 35
    assert (d["count"] >= 0).all() and set(d["year"]) == set(range(1990, 2016))
    assert "results/claims/AC1.json" in chart.to_dict()["usermeta"]["r2p"]["inputs"]


def test_regional_chart_counts_what_ro1_counts(results):
    ro = results["RO1"]
    chart = charts.regional_orgs_named(ro)
    d = _data(chart).set_index(["label", "period"])
    r = ro["primary_detail"]["result"]
    assert d.loc[("any organisation", "1992-2010"), ["k", "n"]].tolist() == [r["k_before"], r["n_before"]]
    assert d.loc[("any organisation", "2011-2015 (after Res. 1973)"), ["k", "n"]].tolist() == [
        r["k_after"],
        r["n_after"],
    ]
    named = ro["details"]["organisations_named"]
    assert d.loc[("African Union", "2011-2015 (after Res. 1973)"), "k"] == named["after"]["AU"]
    assert d.loc[("Arab League", "1992-2010"), "k"] == named["before"]["LAS"]
    assert d["n"].sum() == 8 * (r["n_before"] + r["n_after"])  # 'any' and seven organisations, both periods


def test_validation_table_rows_with_their_n(processed):
    val = CR.read_validation(processed / "unsc_coding_validation.csv")
    assert CR.subset_sizes(val) == {"all": 103, "random": 64, "holdout": 30}
    rows = {r[0]: r[1:] for r in CR.validation_binary_rows(val)}
    for f in ("chapter7", "force_auth", "report_req", "r2p_doctrine", "r2p_any", "poc"):
        assert any(k.endswith(f"({f})") for k in rows), f
    # measured on the committed samples: one force authorisation missed in the sample, one in the hold-out
    sample, random, holdout = rows["force authorised (force_auth)"]
    assert sample == "1.00 / 0.97 (39 of 40, 0 false)"
    assert holdout == "1.00 / 0.67 (2 of 3, 0 false)"
    assert rows["reporting duty on the mandate-taker (report_req)"][0] == "1.00 / 0.85 (29 of 34, 0 false)"
    # no hand-coded doctrine reference in the hold-out: no rate is invented
    assert rows["responsibility to protect as a principle (r2p_doctrine)"][2] == "-"
    assert "named: AU" in rows and "named: LAS" in rows
    cats = {r[0]: r[1:] for r in CR.validation_category_rows(val)}
    assert cats["how often (report_freq)"][0] == "0.93 (27 of 29)"


def test_sample_parts_from_the_committed_samples():
    coding = ROOT / "config" / "coding"
    parts = CR.sample_parts(coding / "unsc_hand_coded_sample.csv", coding / "unsc_holdout_sample.csv")
    assert parts["total"] == 103 and parts["random"] == 64 and parts["holdout"] == 30
    assert parts["random"] + parts["force"] - parts["both"] == parts["total"]


def test_join_summary_adds_up(processed):
    j = CR.join_summary(processed / "unsc_outcomes.parquet", processed / "unsc_meetings_join_report.parquet")
    assert j["texts"] == 2259  # S/RES/1 to S/RES/2259
    assert (j["first_year"], j["last_year"]) == (1946, 2019)
    assert (
        j["adopted"] == j["adopted_joined"] + j["adopted_after_texts"] + j["adopted_not_in_archive"] + j["listed_twice"]
    )
    assert j["adopted_after_texts"] == 244  # S/RES/2260 (2016) to S/RES/2503 (2019)
    assert j["listed_twice"] == 3  # 663, 701, 1996
    assert j["vetoed"] == j["vetoed_joined"] + j["vetoed_not_in_list"]
    assert j["vetoed_members_agree"] == j["vetoed_joined"]
    assert 0 < j["list_not_in_meetings_after"] < j["list_not_in_meetings"]
    kinds = {r[0]: r[1:] for r in CR.join_report_rows(processed / "unsc_meetings_join_report.parquet")}
    assert kinds["adopted resolution not in the texts"][:2] == ["244", "2016-2019"]
    assert kinds["resolution number listed twice"][0] == "3"

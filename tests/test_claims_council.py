"""Claims AC1, LB2, RO1 (analysis/claims/council.py) with their registry entries in
notes/council_claims.yaml: the entries validate, the bounds leave a 'neither' zone, min_n fits the
design, and the tests reproduce facts of the real data."""

from __future__ import annotations

import json

import pytest
import yaml

from analysis import ROOT
from analysis.claims import Claim, Data, classify_curve, council
from analysis.clean import unsc_coding
from analysis.io import write_csv, write_parquet

ENTRIES = ROOT / "config" / "claims.yaml"
FUNCS = {"AC1": council.ac_reporting, "LB2": council.lb2_consensus, "RO1": council.ro_regional_orgs}


@pytest.fixture(scope="module")
def entries():
    return {e["id"]: e for e in yaml.safe_load(ENTRIES.read_text(encoding="utf-8"))["claims"] if e["id"] in FUNCS}


@pytest.fixture(scope="module")
def processed(table, tmp_path_factory):
    d = tmp_path_factory.mktemp("council")
    for name in ("unsc_resolutions_coded", "unsc_outcomes", "unsc_outcome_vetoes", "hmi_cases"):
        write_parquet(table(name), d / f"{name}.parquet")
    val = unsc_coding.validate_coding(
        table("unsc_resolutions_coded"), unsc_coding.read_sample(ROOT / unsc_coding.SAMPLE)
    )
    write_csv(val, d / "unsc_coding_validation.csv")
    return d


@pytest.fixture(scope="module")
def outputs(entries, processed):
    return {cid: FUNCS[cid](Claim(cid, e, 0.05, 0.8), Data(processed)) for cid, e in entries.items()}


def test_entries_validate_and_bounds_leave_a_gap(entries):
    import jsonschema

    schema = json.loads((ROOT / "config" / "schemas" / "claims.schema.json").read_text(encoding="utf-8"))
    item = {**schema["properties"]["claims"]["items"], "$defs": schema.get("$defs", {})}
    assert set(entries) == {"AC1", "LB2", "RO1"}
    for e in entries.values():
        jsonschema.validate(e, item)
        sup, con = e["decision"]["support"], e["decision"]["contradict"]
        assert sup["above"] > con["below"], "support and contradict regions must not touch"
        for k, v in e["primary"].items():
            assert v in e["specifications"][k]


def test_min_n_fits_every_estimable_design(entries, outputs):
    for cid, out in outputs.items():
        n = out.curve["n"].dropna().astype(int)
        assert len(n) == len(out.curve)
        assert n.min() >= entries[cid]["min_n"], cid


def test_ac1_reporting(entries, outputs):
    out = outputs["AC1"]
    r = out.primary_detail["result"]
    # force authorisations to Member States or regional organisations: 64 in 1990-2010, 35 after 1973
    assert (r["n_before"], r["n_after"]) == (64, 35)
    assert (r["k_before"], r["k_after"]) == (35, 13)
    assert r["estimate"] == pytest.approx((13 / 35) / (35 / 64))
    cur = classify_curve(out.curve, Claim("AC1", entries["AC1"], 0.05, 0.8))
    assert set(cur["outcome"].dropna()) <= {"supports", "contradicts", "neither"}
    listed = {x["resolution"] for x in out.primary_detail["force_authorisations"]}
    assert {678, 2085, 2127} <= listed and 1973 not in listed  # 1973 itself is the dividing event


def test_lb2_1973_among_force_authorisations(outputs):
    out = outputs["LB2"]
    d = out.details["resolution_1973"]
    assert (d["yes"], d["no"], d["abstain"]) == (10, 0, 5)
    # only 929 (Rwanda, Operation Turquoise, 1994) had as many abstentions among force authorisations 1990-2015
    assert d["with_as_many_abstentions_or_more"] == [929, 1973]
    v = out.details["vetoes_by_member"]
    assert v["2011-2019"]["Russia"] > v["2001-2010"]["Russia"]
    assert out.comparisons[0]["ours"] == "10-0-5"


def test_ro1_regional_orgs(outputs):
    out = outputs["RO1"]
    r = out.primary_detail["result"]
    assert r["n_before"] + r["n_after"] == 321
    named = out.details["organisations_named"]
    assert named["after"]["AU"] > named["before"]["AU"]
    prif = out.details["prif_regional_org_outcomes"]
    assert set(prif) == {"0.3", "2019"}
    for rel in prif.values():
        e = rel["endviol"]
        assert e["with_regional_org"]["n"] + e["without"]["n"] == 41

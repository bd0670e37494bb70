"""Brozus's five conditions coded per intervention (analysis/checklist.py, config/coding/conditions.yaml)
and claim CN1. Real facts from the real data, fixtures built in code, and bad coding rules."""

from __future__ import annotations

import subprocess
import sys

import pandas as pd
import pytest
import yaml

from analysis import ROOT
from analysis import checklist as CL
from analysis.errors import DataError

UNC = CL.UNCODED


@pytest.fixture(scope="module")
def inputs(table, panel):
    tabs = {t: table(t) for t in CL.INPUT_TABLES if t != "country_year"}
    tabs["country_year"] = panel[0]
    return tabs


@pytest.fixture(scope="module")
def cl(inputs):
    return CL.build_checklist(inputs, CL.load_rules())


def cell(cl: pd.DataFrame, case: str, n: int) -> pd.Series:
    row = cl[(cl["case_id"] == case) & (cl["condition"] == n)]
    assert len(row) == 1
    return row.iloc[0]


def test_libya_2011_row_and_how_each_cell_was_coded(cl):
    c1, c2, c3, c4, c5 = (cell(cl, "Libya 2011", n) for n in range(1, 6))
    # 1: PRIF UNSC = 2, corroborated by resolution 1973 (17 March 2011), which authorises force
    assert c1["value"] == "met" and c1["resolution"] == 1973 and c1["counts_as_evidence"]
    assert "PRIF UNSC = 2" in c1["note"] and "2011-03-17, 2 days before the start" in c1["note"]
    assert "authorises force" in c1["note"] and "resolution 1973" in c1["source"]
    # 2: directed against the government (TARGET 1): the goal is read from 1973's wording, whose force
    # paragraphs are to protect civilians and which says nothing of who governs; never from REGIME
    assert c2["value"] == "met" and c2["rule"] == "target=1, wording: protection" and c2["resolution"] == 1973
    assert "to protect civilians and civilian populated areas" in c2["note"] and "REGIME" not in c2["source"]
    # 3: met by construction of PRIF's case selection: shown, never evidence
    assert c3["value"] == "met" and c3["basis"] == "by construction" and not c3["counts_as_evidence"]
    # 4: NATO helped the rebels avoid defeat (PRIF LOST = 1): force beyond protection
    assert c4["value"] == "not met" and c4["rule"] == "partisan" and "LOST = 1" in c4["note"]
    assert "NOFLY = 1" in c4["note"] and "REGIME not used" in c4["note"]
    # 5: net ODA share rose more than in comparison countries (PC1's primary: log ratio 1.28 vs -0.17)
    assert c5["value"] == "met" and "1.28" in c5["note"] and "-0.17" in c5["note"] and "6 comparison" in c5["note"]


def test_other_interventions_against_governments(cl):
    # Haiti 1994: resolution 940 authorises force "to facilitate the departure ... of the military leadership"
    h = cell(cl, "Haiti 1994", 2)
    assert h["value"] == "not met" and h["resolution"] == 940 and "departure from Haiti of the military" in h["note"]
    # Cote d'Ivoire 2011: 1975 protects civilians but urges Gbagbo to "step aside": composition
    assert cell(cl, "Côte d'Ivoire 2011", 2)["value"] == "not met"
    # Kosovo 1999: no Council mandate, no text: the stated goal cannot be coded from these data
    k = cell(cl, "Yugoslavia (Kosovo) 1999", 2)
    assert k["value"] == UNC and not k["counts_as_evidence"] and pd.isna(k["resolution"])
    assert cell(cl, "Yugoslavia (Kosovo) 1999", 1)["value"] == "not met"
    # Sierra Leone 1997: TARGET 2 but the government in power (the junta) did not permit it
    assert cell(cl, "Sierra Leone 1997-1999", 2)["rule"] == "target=2, govtperm=0"


def test_counts_per_condition(cl):
    s = {p["n"]: p for p in CL.summary(cl)}
    assert cl["case_id"].nunique() == 41 and len(cl) == 205
    assert (s[1]["met"], s[1]["not_met"], s[1]["cannot_be_coded"]) == (29, 12, 0)
    assert (s[2]["met"], s[2]["not_met"], s[2]["cannot_be_coded"]) == (32, 2, 7)
    assert (s[3]["met"], s[3]["counted_as_evidence"]) == (41, 0)  # every case, by selection
    assert (s[4]["met"], s[4]["not_met"], s[4]["cannot_be_coded"]) == (21, 19, 1)
    assert (s[5]["met"], s[5]["not_met"], s[5]["cannot_be_coded"]) == (19, 7, 15)
    # condition 5 agrees with claim PC1's primary: 19 of 26 measurable interventions rose more
    assert s[5]["met"] + s[5]["not_met"] == 26
    assert int(cl.loc[cl["condition"] == 1, "resolution"].notna().sum()) == 18


def test_real_missing_cell_lebanon_2006(cl):
    # UNIFIL 2006: PRIF codes CIVILIAN, HUMANAID, INTERPOS and ENFORCE as no data: no protective activity
    # can be established, so condition 4 cannot be coded (and does not count)
    c = cell(cl, "Lebanon 2006", 4)
    assert c["value"] == UNC and c["rule"] == "protective code missing" and not c["counts_as_evidence"]
    assert "CIVILIAN = missing" in c["note"]


def test_condition_5_uses_pc1_primary_specification():
    from analysis.claims import load_claims

    assert CL.load_rules()["conditions"][5]["pc1_specification"] == load_claims()["PC1"].primary


def _case(**kw) -> pd.Series:
    base = dict(
        case_id="X 2000",
        unsc=2,
        target=1,
        target_label="against government",
        govtperm=0,
        saving=1,
        lost=0,
        enforce=0,
        civilian=1,
        humanaid=0,
        nofly=0,
        safearea=0,
        interpos=0,
        disarm=0,
    )
    base.update(kw)
    return pd.Series(base)


def test_fixture_cells_with_missing_codes():
    r = CL.load_rules()["conditions"]
    # a missing LOST leaves open whether force was partisan: cannot be coded
    assert CL.code_c4(_case(lost=pd.NA), r[4])["value"] == UNC
    # ...unless another partisan code already fails the condition
    assert CL.code_c4(_case(lost=pd.NA, enforce=1), r[4])["value"] == "not met"
    # ENFORCE missing does not matter when the intervention was impartial (TARGET 0)
    assert CL.code_c4(_case(enforce=pd.NA, target=0), r[4])["value"] == "met"
    assert CL.code_c4(_case(civilian=0), r[4])["value"] == "not met"  # no protective activity
    assert CL.code_c1(_case(unsc=pd.NA), None, r[1])["value"] == UNC
    assert CL.code_c2(_case(target=pd.NA), None, r[2])["value"] == UNC
    assert CL.code_c2(_case(), None, r[2])["value"] == UNC  # against the government, no text
    assert CL.code_c2(_case(target=3), None, r[2])["value"] == "met"
    assert CL.code_c5(None, r[5])["value"] == UNC
    assert CL.code_c5({"reason": "intervention ongoing: no after window"}, r[5])["value"] == UNC
    link = {
        "resolution": 1,
        "adopted": "2000-01-01",
        "days_from_start": -3,
        "force_auth": True,
        "operative": [
            "Demands an end to attacks.",
            "Authorizes States to use all necessary means to protect civilians",
        ],
        "force_paragraphs": ["Authorizes States to use all necessary means to protect civilians"],
        "force_paragraph_numbers": [2],
    }
    assert CL.code_c2(_case(), link, r[2])["value"] == "met"
    link2 = dict(link, operative=link["operative"] + ["Calls on the President to step down"])
    assert CL.code_c2(_case(), link2, r[2])["value"] == "not met"
    link3 = dict(
        link,
        force_paragraphs=["Authorizes States to use all necessary means to enforce the embargo"],
        operative=["Authorizes States to use all necessary means to enforce the embargo"],
    )
    assert CL.code_c2(_case(), link3, r[2])["value"] == UNC


def _bad_rules(tmp_path, edit) -> str:
    data = yaml.safe_load((ROOT / "config" / "coding" / "conditions.yaml").read_text(encoding="utf-8"))
    edit(data)
    p = tmp_path / "conditions.yaml"
    p.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return str(p)


def test_unknown_coding_value_names_file_and_key(tmp_path):
    p = _bad_rules(tmp_path, lambda d: d["conditions"][3]["values"].update(partisan="mett"))
    with pytest.raises(DataError) as e:
        CL.load_rules(p)
    assert "conditions.3.values.partisan" in str(e.value) and p in str(e.value) and "'mett'" in str(e.value)
    p2 = _bad_rules(tmp_path, lambda d: d["conditions"][2].update(basis="assumed"))
    with pytest.raises(DataError, match=r"conditions\.2\.basis"):
        CL.load_rules(p2)
    p3 = _bad_rules(tmp_path, lambda d: d["conditions"][1]["composition_patterns"].append("step ("))
    with pytest.raises(DataError, match=r"conditions\.1\.composition_patterns\.7: not a regular expression"):
        CL.load_rules(p3)


def test_bad_link_names_file_and_key(inputs, tmp_path):
    rules = CL.load_rules(
        _bad_rules(
            tmp_path,
            lambda d: d["resolutions"].append(
                {"case_id": "Uganda 1979", "resolution": 1973, "name": "Uganda", "note": "wrong"}
            ),
        )
    )
    with pytest.raises(
        DataError, match=r"key resolutions\.18\.name: the text of resolution 1973 does not contain 'Uganda'"
    ):
        CL.build_checklist(inputs, rules)


def test_cli_bad_rules_exit_2_and_nothing_written(tmp_path):
    p = _bad_rules(tmp_path, lambda d: d["conditions"][0]["values"]["unsc"].update({2: "yes"}))
    out = tmp_path / "checklist.parquet"
    r = subprocess.run(
        [sys.executable, "-m", "analysis", "conditions-checklist", "--rules", p, "--output", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert r.returncode == 2, r.stderr
    assert "conditions.0.values.unsc.2" in r.stderr and p in r.stderr and "Traceback" not in r.stderr
    assert not out.exists()


def test_exact_trend_test_against_enumeration():
    import itertools

    import numpy as np

    from analysis.stats import exact_score_trend

    s = np.array([0, 1, 1, 2, 2, 3, 3, 3, 2, 1])
    y = np.array([1, 1, 0, 0, 1, 0, 0, 0, 0, 0], bool)
    r = exact_score_trend(s, y)
    t0 = s[y].sum()
    ts = np.array([s[list(c)].sum() for c in itertools.combinations(range(len(s)), int(y.sum()))])
    assert r["p_lower"] == pytest.approx((ts <= t0).mean()) and r["p_upper"] == pytest.approx((ts >= t0).mean())
    assert r["slope"] == pytest.approx(np.polyfit(s, y.astype(float), 1)[0])
    assert exact_score_trend([1, 1, 1], [1, 0, 0])["reason"]  # no variation in the score


def test_cn1_on_the_real_checklist(cl, table, tmp_path):
    from analysis.claims import load_claims, run_claim
    from analysis.io import write_parquet

    write_parquet(cl, tmp_path / "conditions_checklist.parquet")
    write_parquet(table("hmi_cases"), tmp_path / "hmi_cases.parquet")
    res, curve = run_claim(load_claims()["CN1"], tmp_path)
    d = res["primary_detail"]
    # complete cases on conditions 1, 2 and 4: 33 interventions, 3 with regime change, 17 meet all three
    assert (d["n_kept"], d["meet_all_counted"], d["regime_change_meeting_all_counted"]) == (33, 17, [])
    assert d["regime_change_cases_dropped"] == ["Sierra Leone 1997-1999", "Uganda 1979", "Yugoslavia (Kosovo) 1999"]
    assert res["primary"]["n"] == 33 and res["primary"]["estimate"] < 0
    assert len(curve) == 8

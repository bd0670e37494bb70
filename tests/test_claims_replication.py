"""RP1-RP3: PRIF's 2013 findings re-tested (issue 18, part 4). Declared before any estimate; the
facts below are the first results, recomputed here with plain pandas / scipy / statsmodels
where the project code is not needed to state them; edge cases on small fixtures."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps

from analysis.claims import decision as D
from analysis.claims import load_claims, run_claim
from analysis.claims import replication as RP
from analysis.claims.registry import RegistryError

TABLES = ("hmi_cases", "crosswalk", "ucdp_acd")


@pytest.fixture(scope="module")
def proc(panel, table, tmp_path_factory):
    from analysis.io import write_parquet

    d = tmp_path_factory.mktemp("rp")
    for name in TABLES:
        write_parquet(table(name), d / f"{name}.parquet")
    write_parquet(panel[0], d / "country_year.parquet")
    return d


@pytest.fixture(scope="module")
def results(proc):
    claims = load_claims()
    return {cid: run_claim(claims[cid], proc) for cid in ("RP1", "RP2", "RP3")}


# --------------------------------------------------------------------------- the registry


def test_declared_before_results_with_their_rules():
    claims = load_claims()
    for cid in ("RP1", "RP2", "RP3"):
        c = claims[cid]
        assert c.entry["declared"]["date"] == "2026-12-06" and not c.exploratory
        assert not c.entry.get("revisions") or all(not v["affects_verdict"] for v in c.entry["revisions"])
        assert c.theme == "replication" and c.source["citation"] == "gromes2013hsfk"
        assert c.dims["period"] == ["all", "1947-2005"] and c.primary["period"] == "all"
    assert claims["RP1"].decision == {"support": {"between": [0.5, 2.0]}, "contradict": {"outside": [0.5, 2.0]}}
    assert claims["RP2"].decision == {"support": {"above": 0.5}, "contradict": {"below": 0.5}}
    assert claims["RP3"].decision == {"support": {"above": -0.15}, "contradict": {"below": -0.15}}


# --------------------------------------------------------------------------- the equivalence band


def test_band_classification():
    d = {"support": {"between": [0.5, 2.0]}, "contradict": {"outside": [0.5, 2.0]}}
    assert D.classify(0.77, 1.54, d) == "supports"  # wholly inside the band
    assert D.classify(1.1, 2.5, d) == "neither"  # straddles the upper edge
    assert D.classify(0.4, 1.2, d) == "neither"  # straddles the lower edge
    assert D.classify(2.01, 5.0, d) == "contradicts"  # wholly above: shortened
    assert D.classify(0.1, 0.49, d) == "contradicts"  # wholly below: lengthened
    assert D.classify(0.5, 1.0, d) == "neither"  # touching an edge is not inside (strict, as the one-sided bounds)
    assert D.classify(0.3, 3.0, d) == "neither"  # wider than the band on both sides


def _registry_with(tmp_path, **changes):
    import yaml

    from analysis.claims.registry import REGISTRY_PATH

    data = yaml.safe_load(REGISTRY_PATH.read_text(encoding="utf-8"))
    entry = next(c for c in data["claims"] if c["id"] == "RP1")
    entry.update(changes)
    p = tmp_path / "claims.yaml"
    p.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return p


@pytest.mark.parametrize(
    "decision, message",
    [
        ({"support": {"between": [0.5, 2.0]}, "contradict": {"below": 0.5}}, "an equivalence band pairs"),
        ({"support": {"between": [0.5, 2.0]}, "contradict": {"outside": [0.6, 2.0]}}, "must contain the support band"),
        ({"support": {"between": [2.0, 0.5]}, "contradict": {"outside": [0.5, 2.0]}}, "lo < hi"),
        ({"support": {"above": 0.5}, "contradict": {"outside": [0.5, 2.0]}}, "an equivalence band pairs"),
    ],
)
def test_bad_bands_are_rejected(tmp_path, decision, message):
    with pytest.raises(RegistryError, match=message) as e:
        load_claims(_registry_with(tmp_path, decision=decision))
    assert "claim RP1" in str(e.value) and "'decision'" in str(e.value)


def test_band_needs_the_interval(tmp_path):
    with pytest.raises(RegistryError, match="decided by the interval"):
        load_claims(_registry_with(tmp_path, decided_by={"statistic": "p_value", "test": "a test"}))
    with pytest.raises(RegistryError, match="one-sided bound"):
        load_claims(_registry_with(tmp_path, curve_test={"resamples": 99}))


def test_band_rule_text():
    c = load_claims()["RP1"]
    assert D.decision_rule_text(c).startswith(
        "supported if the primary specification's entire 95% interval is inside the band (0.5, 2.0)"
    )
    assert "outside the band [0.5, 2.0] on one side" in D.decision_rule_text(c)


# --------------------------------------------------------------------------- RP1: war duration


def test_rp1_first_result(results):
    res, curve = results["RP1"]
    p = res["primary"]
    assert p["n"] == 44 and p["outcome"] == "supports"
    assert (p["estimate"], p["ci_low"], p["ci_high"]) == (
        pytest.approx(1.0857, abs=1e-4),
        pytest.approx(0.7663, abs=1e-4),
        pytest.approx(1.5382, abs=1e-4),
    )
    # inside the band, but most specifications (the war episodes and the 1947-2005 subset) straddle it
    assert res["verdict"] == "inconclusive" and res["robustness"]["n_supporting"] == 4
    assert res["robustness"]["n_neither"] == 12 and res["robustness"]["n_contradicting"] == 0
    d = res["primary_detail"]
    assert d["interventions_not_linked"] == [
        "Albania 1997",
        "DR Congo 2003",
        "Haiti 1994",
        "Liberia 1990-1996",
        "Solomon Islands 2003",
    ]
    assert (d["episodes"], d["episode_years"], d["exposed_years"]) == (523, 2487, 226)


def test_rp1_logit_recomputed_with_statsmodels(table):
    """The primary's odds ratio from the project's episode-year frame, refitted with statsmodels' GLM."""
    import statsmodels.api as sm

    ey, _ = RP.rp1_frame(table("ucdp_acd"), table("hmi_cases"), "all", "all", "all-intrastate", "after-start")
    X = sm.add_constant(
        pd.DataFrame({"exposed": ey["exposed"].astype(float), "log_t": np.log1p(ey["t"].astype(float))})
    )
    fit = sm.GLM(ey["ended"].astype(float), X, family=sm.families.Binomial()).fit(
        cov_type="cluster", cov_kwds={"groups": pd.factorize(ey["conflict_id"])[0]}
    )
    lo, hi = fit.conf_int().loc["exposed"]
    r = RP.rp1_estimate(ey)
    assert r.estimate == pytest.approx(math.exp(fit.params["exposed"]), rel=1e-6)
    assert (r.ci_low, r.ci_high) == (pytest.approx(math.exp(lo), rel=1e-5), pytest.approx(math.exp(hi), rel=1e-5))
    # Libya's 2011 conflict: one episode-year, exposed and ended (the war ended with the intervention)
    lib = ey[ey["conflict_id"] == 11346]
    assert lib[["year", "exposed", "ended"]].values.tolist()[0] == [2011, True, True]
    assert not lib["exposed"].iloc[1:].any()  # the later episodes of that conflict (2013-) saw no intervention


# --------------------------------------------------------------------------- RP2: killing after


def test_rp2_first_result(results):
    res, _ = results["RP2"]
    p = res["primary"]
    assert p["n"] == 24 and res["verdict"] == "contradicted"
    assert p["estimate"] == pytest.approx(0.0731, abs=1e-4) and p["ci_high"] < 0.5
    assert any("fewer than 25" in lim for lim in res["limitations"])
    rows = {c["case_id"]: c for c in res["primary_detail"]["cases"]}
    assert rows["Mali 2013-"]["why_not"] == "ongoing: no years after the end"
    assert rows["Uganda 1979"]["why_not"] == "window outside UCDP's 1989-2024"
    assert rows["Bosnia and Herzegovina 1993-1995"]["why_not"] == "target state not in the panel for every window year"
    # the benchmark beside the verdict (added in a logged revision; it decides nothing)
    b = res["primary_detail"]["benchmark"]
    assert (
        b["relative"]["n"] == 24 and res["revisions"][0]["after_results"] and not res["revisions"][0]["affects_verdict"]
    )
    for x in b["cases"]:
        assert x["relative_ratio"] * x["comparison_median_ratio"] == pytest.approx(rows[x["case_id"]]["ratio"])
    assert {x["case_id"]: x["n_comparison"] for x in b["cases"]}["Yugoslavia (Kosovo) 1999"] == 1


def test_rp2_recomputed_with_plain_pandas(results, panel):
    """Kosovo 1999 (Yugoslavia, GW 345) and Rwanda 1994 (GW 517) from the panel's one-sided deaths,
    and the geometric mean with scipy's t quantile from the per-case ratios."""
    res, _ = results["RP2"]
    cy = panel[0]
    osv = cy.set_index(["gwcode", "year"])[["osv_gov_best", "osv_nonstate_best"]].sum(axis=1)
    rows = {c["case_id"]: c for c in res["primary_detail"]["cases"]}
    kos_before, kos_after = osv.loc[[(345, 1997), (345, 1998)]].sum(), osv.loc[[(345, 2000), (345, 2001)]].sum()
    assert (rows["Yugoslavia (Kosovo) 1999"]["before"], rows["Yugoslavia (Kosovo) 1999"]["after"]) == (
        kos_before,
        kos_after,
    )
    assert kos_after == 0 and kos_before > 0
    rw_before, rw_after = osv.loc[[(517, 1992), (517, 1993)]].sum(), osv.loc[[(517, 1995), (517, 1996)]].sum()
    assert rows["Rwanda 1994"]["ratio"] == pytest.approx((rw_after + 1) / (rw_before + 1))
    logs = np.log([c["ratio"] for c in rows.values() if c["why_not"] is None])
    m, se = logs.mean(), logs.std(ddof=1) / math.sqrt(len(logs))
    q = sps.t.ppf(0.975, len(logs) - 1)
    p = res["primary"]
    assert (p["estimate"], p["ci_low"], p["ci_high"]) == (
        pytest.approx(math.exp(m)),
        pytest.approx(math.exp(m - q * se)),
        pytest.approx(math.exp(m + q * se)),
    )


def test_rp2_edge_cases():
    h = pd.DataFrame(
        {
            "case_id": ["a", "b", "c", "d", "e"],
            "start_year": [1995, 1995, 1985, 2000, 1995],
            "end_year": [1996, pd.NA, 1986, 2023, 1996],
            "ongoing": [False, True, False, False, False],
            "gwcode": [1, 1, 1, 1, 2],
            "fatal1": [1.0, np.nan, 0.0, 2.0, 1.0],
            "fatal2": [0.0, 1.0, 0.0, 1.0, 1.0],
        }
    )
    deaths = {(1, y): 10.0 for y in range(1989, 2025)}
    deaths[(2, 1993)] = 5.0  # GW 2 lacks 1994 and later
    c = RP.rp2_cases(h, deaths, "ucdp-osv", 2, "after-end").set_index("case_id")
    assert c.loc["a", "ratio"] == pytest.approx(21 / 21)
    assert c.loc["b", "why_not"] == "ongoing: no years after the end"
    assert c.loc["c", "why_not"] == "window outside UCDP's 1989-2024"
    assert c.loc["d", "why_not"] == "window outside UCDP's 1989-2024"  # 2024-2025 after the end
    assert c.loc["e", "why_not"] == "target state not in the panel for every window year"
    p = RP.rp2_cases(h, None, "prif-daily", 2, "after-end").set_index("case_id")
    assert p.loc["a", "ratio"] == pytest.approx(1 / 366) and p.loc["b", "why_not"] == "PRIF fatal1 or fatal2 not coded"
    one = RP.geometric_mean_ratio(pd.Series([0.5]))
    assert one.reason == "1 measured intervention(s): no interval" and one.estimate is None


# --------------------------------------------------------------------------- RP3: relapse


def test_rp3_first_result(results):
    res, _ = results["RP3"]
    d = res["primary_detail"]
    assert (d["relapsed_with"], d["episodes_with"], d["relapsed_without"], d["episodes_without"]) == (15, 35, 170, 402)
    # the lower end misses the declared -0.15 by a hair: the data cannot decide
    assert res["primary"]["ci_low"] == pytest.approx(-0.1508, abs=1e-4) and res["primary"]["outcome"] == "neither"
    assert res["verdict"] == "inconclusive"


def test_rp3_recomputed_with_plain_pandas(table):
    """Episodes, links and relapses rebuilt from the cleaned ACD and PRIF rows without the project's code;
    the Newcombe interval from Wilson intervals computed with statsmodels."""
    from statsmodels.stats.proportion import proportion_confint

    acd, hmi = table("ucdp_acd"), table("hmi_cases")
    a = acd[acd["type_of_conflict"].isin([3, 4])]
    ep = a.groupby(["conflict_id", "start_date2"]).agg(last=("year", "max"), ended=("ep_end", "any")).reset_index()
    ep["first"] = pd.to_datetime(ep["start_date2"]).dt.year  # the episode began in the year of its start date
    ep = ep[ep["ended"] & (ep["last"] <= 2019)]
    active = set(zip(a["conflict_id"], a["year"]))
    ep["relapsed"] = [any((c, y) in active for y in range(e + 1, e + 6)) for c, e in zip(ep["conflict_id"], ep["last"])]
    h = hmi[hmi["release"] == "0.3"]
    treated = set()
    for _, r in h.iterrows():
        last = 2024 if r["ongoing"] else int(r["end_year"])
        for cid in map(int, r["ucdp_ids"]):  # PRIF's ids are stored as text
            m = (ep["conflict_id"] == cid) & (ep["last"] >= r["start_year"]) & (ep["first"] <= last)
            treated |= set(ep.index[m])
    ep["treated"] = ep.index.isin(treated)
    k1, n1 = int(ep.loc[ep["treated"], "relapsed"].sum()), int(ep["treated"].sum())
    k0, n0 = int(ep.loc[~ep["treated"], "relapsed"].sum()), int((~ep["treated"]).sum())
    assert (k1, n1, k0, n0) == (15, 35, 170, 402)
    l1, u1 = proportion_confint(k1, n1, method="wilson")
    l0, u0 = proportion_confint(k0, n0, method="wilson")
    p1, p0 = k1 / n1, k0 / n0
    r = RP.rp3_estimate(pd.DataFrame({"treated": ep["treated"], "relapsed": ep["relapsed"]}))
    assert r.estimate == pytest.approx(p1 - p0)
    assert r.ci_low == pytest.approx(p1 - p0 - math.sqrt((p1 - l1) ** 2 + (u0 - p0) ** 2))
    assert r.ci_high == pytest.approx(p1 - p0 + math.sqrt((u1 - p1) ** 2 + (p0 - l0) ** 2))


def _acd_fixture() -> pd.DataFrame:
    rows = []

    def add(cid, years, start, end_year=None, loc=(100,), intensity=1):
        for y in years:
            rows.append(
                {
                    "conflict_id": cid,
                    "year": y,
                    "type_of_conflict": 3,
                    "intensity_level": intensity,
                    "start_date2": pd.Timestamp(start),
                    "ep_end": y == end_year,
                    "ep_end_date": pd.NaT,
                    "gwno_loc_list": list(loc),
                }
            )

    add(1, [1990, 1991], "1990-01-01", end_year=1991)  # ends, comes back in 1994 (new episode)
    add(1, [1994], "1994-05-01", end_year=1994)  # ends, never comes back
    add(2, [1990, 1991, 1992], "1990-01-01", end_year=1992)  # ends; conflict 3 in the same state in 1995
    add(3, [1995], "1995-01-01", end_year=None)  # still active at the last year: censored
    add(4, [2020, 2021], "2020-01-01", end_year=2021)  # ends too late for a 5-year follow-up
    return pd.DataFrame(rows)


def _hmi_fixture(ids, start, end, status=2) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "release": ["0.3"],
            "case_id": ["x"],
            "start_year": pd.array([start], dtype="Int64"),
            "end_year": pd.array([end], dtype="Int64"),
            "ongoing": [False],
            "status": [status],
            "target": pd.array([0], dtype="Int64"),
            "ucdp_ids": [list(ids)],
        }
    )


def test_rp3_fixture_relapse_and_censoring():
    acd = _acd_fixture()
    hmi = _hmi_fixture([1], 1991, 1991)
    ep, info = RP.rp3_frame(acd, hmi, 5, "same-conflict", "all", "all")
    got = {e: (t, r) for e, t, r in zip(ep["episode"], ep["treated"], ep["relapsed"])}
    assert got == {"1:1990-01-01": (True, True), "1:1994-05-01": (False, False), "2:1990-01-01": (False, False)}
    ep2, _ = RP.rp3_frame(acd, hmi, 5, "any-in-country", "all", "all")
    assert dict(zip(ep2["episode"], ep2["relapsed"]))["2:1990-01-01"] is True  # conflict 3 began in 1995
    # a borderline case with `cases: clear`: its episode leaves both groups
    ep3, info3 = RP.rp3_frame(acd, _hmi_fixture([1], 1991, 1991, status=1), 5, "same-conflict", "all", "clear")
    assert "1:1990-01-01" not in set(ep3["episode"]) and info3["dropped_episodes_other_cases"] == 1
    assert RP.rp3_estimate(ep3).reason == "no episode in one of the groups"


def test_rp1_fixture_exposure():
    acd = _acd_fixture()
    ey, info = RP.rp1_frame(acd, _hmi_fixture([2], 1991, 1991), "all", "all", "all-intrastate", "after-start")
    e2 = ey[ey["conflict_id"] == 2]
    assert e2[["year", "exposed", "ended"]].values.tolist() == [
        [1990, False, False],
        [1991, True, False],
        [1992, True, True],
    ]
    ey2, _ = RP.rp1_frame(acd, _hmi_fixture([2], 1991, 1991), "all", "all", "all-intrastate", "while-ongoing")
    assert ey2[ey2["conflict_id"] == 2]["exposed"].tolist() == [False, True, False]
    # 1947-2005: episode-years after 2005 leave the frame
    ey3, _ = RP.rp1_frame(acd, _hmi_fixture([2], 1991, 1991), "1947-2005", "all", "all-intrastate", "after-start")
    assert ey3["year"].max() == 1995 and info["interventions_not_linked"] == []


# --------------------------------------------------------------------------- the replication table


def test_replication_table_comes_from_results(results, tmp_path):
    from analysis import replication_report as RR
    from analysis.claims.run import tidy_curve

    claims = load_claims()
    (tmp_path / "claims").mkdir()
    curves = []
    for cid, (res, curve) in results.items():
        (tmp_path / "claims" / f"{cid}.json").write_text(json.dumps(res), encoding="utf-8")
        curves.append(tidy_curve(curve, claims[cid]))
    pd.concat(curves).to_parquet(tmp_path / "claims" / "spec_curve.parquet")
    rows = RR.replication_rows(tmp_path)
    assert [(r["claim"], r["universe"] == RR.UNIVERSES["subset"]) for r in rows] == [
        ("RP1", False),
        ("RP1", True),
        ("RP2", False),
        ("RP2", True),
        ("RP3", False),
        ("RP3", True),
    ]
    rp3 = results["RP3"][0]["primary"]
    assert rows[4]["estimate"] == f"{rp3['estimate']:+.3f} [{rp3['ci_low']:+.3f}, {rp3['ci_high']:+.3f}]"
    assert (
        rows[4]["estimand"].startswith("risk difference of relapse within 5 years")
        and rows[4]["excludes_no_effect"] == "no"
    )
    assert rows[4]["verdict"] == results["RP3"][0]["verdict"] and rows[4]["n"] == rp3["n"]
    sub = results["RP1"][1]
    s = sub[
        (sub["period"] == "1947-2005")
        & (sub["cases"] == "all")
        & (sub["conflicts"] == "all-intrastate")
        & (sub["exposure"] == "after-start")
    ].iloc[0]
    assert rows[1]["estimate"] == f"{s['estimate']:.2f} [{s['ci_low']:.2f}, {s['ci_high']:.2f}]"
    assert rows[1]["n"] == int(s["n"]) and rows[1]["classification"].startswith(str(s["outcome"]))
    assert rows[1]["excludes_no_effect"] == (
        "yes (above)" if s["ci_low"] > 1 else "yes (below)" if s["ci_high"] < 1 else "no"
    )
    assert RR.excludes_no_effect(0.1, 0.4, 1.0) == "yes (below)" and RR.excludes_no_effect(None, 1, 0) == "n/a"
    assert "neither shortened nor lengthened" in rows[0]["published"]
    assert "Liberia 1990-1996" in rows[0]["reasons"]
    decl = RR.declarations(tmp_path)
    assert len(decl) == 3 and decl[1].startswith("RP2, declared 2026-12-06: ") and "fatal1" in decl[1]
    rel = results["RP2"][0]["primary_detail"]["benchmark"]["relative"]
    assert (
        f"relative to theirs is {rel['estimate']:.2f} [{rel['ci_low']:.2f}, {rel['ci_high']:.2f}]" in rows[2]["reasons"]
    )

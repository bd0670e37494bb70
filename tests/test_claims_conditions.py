"""PC1: Brozus's fifth condition in aid terms (net ODA after interventions against comparable
conflict countries). Declared before its estimate was computed; the facts below are the first
result, and the per-intervention rule is recomputed here with plain pandas."""

from __future__ import annotations

import math

import numpy as np
import pytest

from analysis.claims import load_claims, run_claim


@pytest.fixture(scope="module")
def pc1(processed_dir, panel, table, tmp_path_factory):
    from analysis.io import write_parquet

    d = tmp_path_factory.mktemp("pc1")
    for name in ("hmi_cases", "crosswalk", "wdi_oda"):
        write_parquet(table(name), d / f"{name}.parquet")
    write_parquet(panel[0], d / "country_year.parquet")
    return run_claim(load_claims()["PC1"], d), table("wdi_oda"), panel[0]


def test_pc1_first_result(pc1):
    (res, curve), _, _ = pc1
    p = res["primary"]
    assert (p["n"], round(p["estimate"] * p["n"])) == (26, 19)
    from scipy.stats import binomtest

    ci = binomtest(19, 26).proportion_ci(0.95, method="exact")
    assert (p["ci_low"], p["ci_high"]) == (pytest.approx(ci.low), pytest.approx(ci.high))
    assert p["p_value"] == pytest.approx(binomtest(19, 26, 0.5, alternative="greater").pvalue)
    assert res["verdict"] == "supported" and res["declared"]["date"] == "2026-12-06"
    rows = {r["case_id"]: r for r in res["primary_detail"]["interventions"]}
    # not measurable, each for its stated reason
    assert rows["Congo 1960-1964"]["reason"].startswith("before window starts before 1960")
    assert rows["Afghanistan 2003-2014"]["reason"].startswith("after window runs past 2018")
    assert rows["Mali 2013-"]["reason"] == "intervention ongoing: no after window"
    assert rows["Libya 2011"]["rose_more"] is True and rows["Somalia 1992-1995"]["rose_more"] is False
    # overlapping interventions in one country are reported, not hidden
    several = res["primary_detail"]["targets_with_several_interventions"]
    assert ["Sierra Leone 1997-1999", "Sierra Leone 1999-2000", "Sierra Leone 2000-2001"] in several.values()
    assert any("not independent" in lim for lim in res["limitations"])
    assert len(curve) == 8


def test_pc1_libya_recomputed_with_plain_pandas(pc1):
    """Libya 2011 (GW 620, ended 2011): mean share of world net ODA 2012-2016 over 2006-2010,
    log ratio, against the median of its comparison countries, from the cleaned WDI rows."""
    (res, _), oda, cy = pc1
    row = {r["case_id"]: r for r in res["primary_detail"]["interventions"]}["Libya 2011"]
    d = oda[~oda["is_aggregate"] & oda["gwcode"].notna() & oda["oda_net_current_usd"].notna()].copy()
    d["share"] = d["oda_net_current_usd"] / d.groupby("year")["oda_net_current_usd"].transform("sum")

    def log_ratio(g):
        s = d[d["gwcode"] == g].set_index("year")["share"]
        before, after = s.reindex(range(2006, 2011)), s.reindex(range(2012, 2017))
        if before.isna().any() or after.isna().any() or before.mean() <= 0 or after.mean() <= 0:
            return np.nan
        return math.log(after.mean() / before.mean())

    assert row["target_log_ratio"] == pytest.approx(log_ratio(620))
    comps = [log_ratio(g) for g in row["comparisons"]]
    assert row["comparison_median_log_ratio"] == pytest.approx(float(np.nanmedian(comps)))
    # the comparisons: Middle East (region of Libya, GW 620 in the panel), an active intrastate
    # conflict in 2011, no intervention 2006-2016
    c2011 = cy[(cy["year"] == 2011) & cy["gwcode"].isin(row["comparisons"])]
    assert (
        c2011["intra_active"].all()
        and (c2011["region"] == cy.loc[(cy.gwcode == 620) & (cy.year == 2011), "region"].iloc[0]).all()
    )
    assert (
        not cy[cy["gwcode"].isin(row["comparisons"]) & cy["year"].between(2006, 2016)]["hmi_ongoing"]
        .fillna(False)
        .any()
    )


def test_pc1_chart_shows_each_measured_intervention(pc1):
    from analysis import charts

    (res, _), _, _ = pc1
    ch = charts.oda_comparison(res)
    spec = ch.to_dict()
    rows = [r for r in next(iter(spec["datasets"].values()))]
    assert len(rows) == 2 * 26 and {r["series"] for r in rows} == {"target", "comparisons (median)"}
    assert "higher in 19 of 26" in spec["description"]
    assert spec["usermeta"]["r2p"]["inputs"] == ["results/claims/PC1.json"]

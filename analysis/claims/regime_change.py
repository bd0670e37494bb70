"""RC1-RC3: did humanitarian military interventions (HMIs) bring about regime change?

RC1 (`rc1_regime_share`)
    Share of PRIF HMIs whose interveners engaged in regime change (`hmi_cases.regime_change`,
    PRIF's REGIME), with the exact Clopper-Pearson interval; the curve's p-value is the
    exact one-sided binomial test against a majority (H1: p < 0.5). Specifications:
    release (0.3 / 2019), cases (all / clear = PRIF status 2), period (all /
    post-cold-war = start >= 1990 / before-2011 = start < 2011), libya (include /
    exclude the case "Libya 2011"). Details: breakdowns by target, UN Security Council
    mandate, P5 participation and Cold War (start before 1990), each group against the
    rest with Fisher's exact test and the risk difference (Newcombe interval), with
    the Freeman-Halton exact test when a variable has more than two groups; and
    "Libya as a departure": interventions starting before 2011, in 2011 and after.

RC2 (`rc2_imi_against_government`)
    IMI 1946-2005: among interventions with a humanitarian motive (`humanitarian == 1`;
    code 9 "not coded" is excluded), the share with the outcome:

    - ``against-government``: IMI direction opposes the government (`against_government`
      True among interventions where direction is coded);
    - ``leader-irregular`` / ``leader-foreign`` / ``leader-irregular-or-foreign``: the
      target's leader leaves office irregularly (Archigos `irregular_exit`) / by foreign
      imposition (`foreign_imposed`: removed by another state, or irregularly with
      foreign support) / either, with an Archigos spell of the target state (IMI COW code
      -> GW code in the start year) ending in (start_date, start_date + window years].
      Interventions whose target is not covered by Archigos at the start date are not
      observable and are left out of n.

    Samples: all / cold-war (start < 1990) / post-cold-war (start >= 1990); intervener:
    any / states-only (international organisations excluded). The primary detail adds
    the comparison with interventions without a humanitarian motive (`humanitarian ==
    0`): Fisher's exact test, a logit with Cold War (or decade), region of the target
    and regime type of the target in the start year as controls, standard errors
    clustered by target country, and a permutation test within Cold War strata.

RC3 (`rc3_exit_share`)
    Share of PRIF HMIs after whose start the target's leader left office irregularly or by
    foreign imposition (Archigos, target mapped to GW codes with
    `analysis.panel.hmi_gwcodes`) within the window, with the exact interval; the primary
    detail sets beside it, as context, the risk ratio against other interventions. (Its
    earlier matched country-year design is in the registry's revision log and in git.)

RC4-RC7 (`hmi_two_by_two`)
    Exploratory two-group comparisons among PRIF HMIs (risk difference with Newcombe's
    interval, decided by Fisher's exact test): see the function's docstring.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import special

from ..crosswalk import IMI_SPECIAL_CODES, Mapper
from ..panel import hmi_gwcodes, region_of
from ..stats import (
    DesignCache,
    StatResult,
    binom_test_many,
    binom_test_vs,
    fisher_2x2,
    fisher_p_many,
    json_safe,
    logit_clustered,
    newcombe_diff_ci_many,
    permutation_test,
    proportion,
    proportion_ci_many,
    step_seed,
)
from . import Claim, ClaimOutput, Data, published, run_curve

LIBYA_CASE = "Libya 2011"
COLD_WAR_END = 1990  # Cold War = start year before 1990
LAST_PANEL_YEAR = 2024

# --------------------------------------------------------------------------- shared helpers


def mapper_from_data(data: Data) -> Mapper:
    """The COW/GW mapper, built from tables read through `data` (inputs recorded)."""
    cw = data.table("crosswalk")
    pol = data.table("polity5")
    lookup = pol[["polity_ccode", "year", "gwcode"]].rename(columns={"polity_ccode": "code"})
    return Mapper(cw, lookup)


def share_vs_majority(k: int, n: int, alpha: float = 0.05, **extra: Any) -> StatResult:
    """k/n with the two-sided exact (Clopper-Pearson) interval; p = exact binomial P(X <= k | p = 0.5).

    The interval is the two-sided one the decision bounds are compared with; the
    p-value is the one-sided test of H1: p < 0.5 (a minority). Uses the vectorised
    exact functions of `analysis.stats` (equal to `proportion` / `binom_test_vs`).
    """
    k, n = int(k), int(n)
    if k < 0 or n < 0 or k > n:
        raise ValueError(f"need 0 <= k <= n, got k={k}, n={n}")
    method = "share, Clopper-Pearson exact two-sided interval; p: exact one-sided binomial test vs 0.5 (H1: p < 0.5)"
    if n == 0:
        return StatResult(method=method, n=0, reason="n = 0: no observations", extra={"k": k, **extra})
    lo, hi = proportion_ci_many(k, n, alpha)
    pval = binom_test_many(k, n, 0.5, alternative="less")
    return StatResult(
        method=method,
        estimate=k / n,
        ci_low=float(lo),
        ci_high=float(hi),
        p_value=float(pval[0]),
        n=n,
        extra={"k": k, **extra},
    )


def sample_key(ids: Any, *parts: Any) -> str:
    """A short fingerprint of a specification's sample (sorted unit ids) and outcome cases:
    specifications with the same key and numbers are one specification."""
    import hashlib

    body = "|".join([",".join(sorted(map(str, ids))), *(",".join(map(str, p)) for p in parts)])
    return hashlib.sha256(body.encode()).hexdigest()[:16]


def share_null_draws(
    samples: Sequence[Any], p0: float, alternative: str
) -> Callable[[int, np.random.Generator], tuple[np.ndarray, np.ndarray]]:
    """Null draws for the specification-curve test of a share claim.

    `samples[j]` lists the unit ids in specification j. Under the null each unit's outcome
    is Bernoulli(p0), drawn once per resample and shared by every specification that holds
    the unit (so the dependence between specifications is kept). Returns
    `draws(R, rng) -> (estimates, p-values)` of shape (R, n_specs), p-values from the exact
    one-sided binomial test against p0."""
    units = sorted({str(u) for s in samples for u in s})
    pos = {u: i for i, u in enumerate(units)}
    M = np.zeros((len(units), len(samples)), dtype=np.int32)
    for j, s in enumerate(samples):
        for u in s:
            M[pos[str(u)], j] += 1
    n = M.sum(axis=0)

    def draws(R: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        Y = (rng.random((R, len(units))) < p0).astype(np.int32)
        k = Y @ M
        with np.errstate(invalid="ignore", divide="ignore"):
            est = np.where(n > 0, k / np.maximum(n, 1), np.nan)
        nn = np.broadcast_to(n, k.shape)
        p = np.full(k.shape, np.nan)
        ok = nn > 0
        p[ok] = binom_test_many(k[ok], nn[ok], p0, alternative=alternative)
        return est, p

    return draws


def rarely_sensitivity(prim: StatResult, gov: StatResult) -> list[dict]:
    """How the primary's verdict would read under other meanings of 'rarely' (bounds 0.5, 1/3,
    0.25), for all interventions and for those against governments: reported, never deciding."""
    out = []
    for b, label in ((0.5, "fewer than half"), (1 / 3, "fewer than a third"), (0.25, "fewer than a quarter")):
        for name, r in (("all interventions", prim), ("against governments", gov)):
            if r.ci_low is None or r.ci_high is None:
                cls = None
            else:
                cls = "supports" if r.ci_high < b else "contradicts" if r.ci_low > b else "neither"
            out.append(
                {
                    "meaning_of_rarely": label,
                    "bound": b,
                    "sample": name,
                    "estimate": r.estimate,
                    "ci_low": r.ci_low,
                    "ci_high": r.ci_high,
                    "n": r.n,
                    "classification": cls,
                }
            )
    return out


def freeman_halton_rx2(events: Sequence[int], totals: Sequence[int]) -> float | None:
    """Exact test of independence for an r x 2 table (Freeman-Halton extension of Fisher).

    Rows are groups with `events[i]` events out of `totals[i]`. Enumerates every table
    with the same row and column totals (multivariate hypergeometric probabilities) and
    sums those as or less likely than the observed (relative tolerance 1e-7, as R).
    None when the table has no variation (no events or all events) or fewer than 2
    non-empty groups.
    """
    ev = [int(e) for e in events]
    tot = [int(t) for t in totals]
    if len(ev) != len(tot) or any(e < 0 or e > t for e, t in zip(ev, tot)):
        raise ValueError("events must be between 0 and the totals")
    groups = [(e, t) for e, t in zip(ev, tot) if t > 0]
    if len(groups) < 2:
        return None
    ev = [e for e, _ in groups]
    tot = [t for _, t in groups]
    K, N = sum(ev), sum(tot)
    if K == 0 or K == N:
        return None
    lc = lambda n, k: special.gammaln(n + 1) - special.gammaln(k + 1) - special.gammaln(n - k + 1)  # noqa: E731
    lnorm = lc(N, K)

    def logp(xs: Sequence[int]) -> float:
        return float(sum(lc(t, x) for t, x in zip(tot, xs)) - lnorm)

    lobs = logp(ev)
    total = 0.0

    def rec(i: int, remaining: int, acc: list[int]) -> None:
        nonlocal total
        if i == len(tot) - 1:
            if 0 <= remaining <= tot[i]:
                lp = logp(acc + [remaining])
                if lp <= lobs + math.log(1 + 1e-7):
                    total += math.exp(lp)
            return
        rest_cap = sum(tot[i + 1 :])
        for x in range(max(0, remaining - rest_cap), min(tot[i], remaining) + 1):
            rec(i + 1, remaining - x, acc + [x])

    rec(0, K, [])
    return min(1.0, total)


def group_breakdown(flag: pd.Series, groups: pd.Series, variable: str, alpha: float = 0.05) -> list[dict]:
    """Per group: k/n with exact interval, and group vs the rest (Fisher, Newcombe risk difference)."""
    d = pd.DataFrame({"y": flag.astype(bool).to_numpy(), "g": groups.astype(str).to_numpy()})
    rows = []
    levels = sorted(d["g"].unique())
    K, N = int(d["y"].sum()), len(d)
    overall_p = None
    if len(levels) > 2:
        overall_p = freeman_halton_rx2(
            [int(d.loc[d.g == g, "y"].sum()) for g in levels], [int((d.g == g).sum()) for g in levels]
        )
    for g in levels:
        m = d["g"] == g
        k, n = int(d.loc[m, "y"].sum()), int(m.sum())
        pr = proportion(k, n, alpha)
        # group vs the rest: Fisher's two-sided p and the Newcombe risk difference (as `fisher_2x2`
        # reports them; its odds-ratio interval is not used here)
        reason = (
            "a group (table row) is empty"
            if n == 0 or N - n == 0
            else "no variation in outcome (a table column is empty)"
            if K == 0 or K == N
            else None
        )
        fp = None if reason else float(fisher_p_many(k, n - k, K - k, (N - n) - (K - k))[0])
        row = {
            "variable": variable,
            "group": g,
            "k": k,
            "n": n,
            "share": pr.estimate,
            "ci_low": pr.ci_low,
            "ci_high": pr.ci_high,
            "rest_k": K - k,
            "rest_n": N - n,
            "rd_vs_rest": None,
            "rd_ci_low": None,
            "rd_ci_high": None,
            "fisher_p_two_sided": fp,
            "fisher_reason": reason,
        }
        if n > 0 and N - n > 0:
            rd, lo, hi = newcombe_diff_ci_many(k, n, K - k, N - n, alpha)
            row.update(rd_vs_rest=float(rd), rd_ci_low=float(lo), rd_ci_high=float(hi))
        row["freeman_halton_p"] = overall_p  # exact test over all groups (None with two groups: see Fisher)
        rows.append(row)
    return json_safe(rows)


def outcome_choice(choices: dict) -> str:
    """The outcome option of a spec, whether the dimension is called `outcome` or `outcome_*`.

    (The claims framework writes its classification into a curve column named
    `outcome`; a registry may rename the dimension to avoid the clash.)
    """
    if "outcome" in choices:
        return choices["outcome"]
    keys = sorted(k for k in choices if k.startswith("outcome"))
    if len(keys) != 1:
        raise KeyError(f"no unique outcome dimension among {sorted(choices)}")
    return choices[keys[0]]


def _spec_kwargs(choices: dict) -> dict:
    ch = {k: v for k, v in choices.items() if not k.startswith("outcome")}
    ch["outcome"] = outcome_choice(choices)
    return ch


# --------------------------------------------------------------------------- RC1


def rc1_subset(
    hmi: pd.DataFrame, release: str, cases: str, period: str, libya: str, target: str = "all"
) -> pd.DataFrame:
    """The HMIs of one RC1 specification (rows of `hmi_cases`)."""
    d = hmi[hmi["release"].astype(str) == str(release)]
    if target == "against-government":
        d = d[(d["target"] == 1).fillna(False).to_numpy()]
    elif target != "all":
        raise ValueError(f"unknown target option {target!r}")
    if cases == "clear":
        d = d[d["status"] == 2]
    elif cases != "all":
        raise ValueError(f"unknown cases option {cases!r}")
    sy = d["start_year"].astype("Int64")
    if period == "post-cold-war":
        d = d[(sy >= COLD_WAR_END).fillna(False).to_numpy()]
    elif period == "before-2011":
        d = d[(sy < 2011).fillna(False).to_numpy()]
    elif period != "all":
        raise ValueError(f"unknown period option {period!r}")
    if libya == "exclude":
        d = d[d["case_id"] != LIBYA_CASE]
    elif libya != "include":
        raise ValueError(f"unknown libya option {libya!r}")
    return d


def _rc1_breakdowns(h: pd.DataFrame, alpha: float) -> list[dict]:
    h = h[h["regime_change"].notna()]
    y = h["regime_change"].astype(bool)
    target = h["target_label"].astype("string").fillna("not coded")
    unsc = h["unsc_label"].astype("string").fillna("not coded")
    p5 = h["p5"].map({True: "P5 member among interveners", False: "no P5 member"})
    cw = np.where(h["start_year"].astype(float) < COLD_WAR_END, "start before 1990 (Cold War)", "start 1990 or later")
    rows = []
    for var, g in (("target", target), ("unsc_mandate", unsc), ("p5", p5), ("cold_war", pd.Series(cw, index=h.index))):
        rows += group_breakdown(y, g, var, alpha)
    return rows


def _rc1_libya_periods(h: pd.DataFrame, alpha: float) -> dict:
    h = h[h["regime_change"].notna()]
    sy = h["start_year"].astype(float)
    per = np.select([sy < 2011, sy == 2011], ["before 2011", "2011"], "after 2011")
    y = h["regime_change"].astype(bool)
    rows = []
    for p in ("before 2011", "2011", "after 2011"):
        m = per == p
        k, n = int(y[m].sum()), int(m.sum())
        pr = proportion(k, n, alpha)
        rows.append(
            {
                "period": p,
                "k": k,
                "n": n,
                "share": pr.estimate,
                "ci_low": pr.ci_low,
                "ci_high": pr.ci_high,
                "regime_change_cases": sorted(h.loc[m & y.to_numpy(), "case_id"].astype(str)),
                "cases": sorted(h.loc[m, "case_id"].astype(str)),
            }
        )
    b = rows[0]
    a = rows[1]
    fi = fisher_2x2(a["k"], a["n"] - a["k"], b["k"], b["n"] - b["k"], alpha=alpha)
    return json_safe(
        {
            "periods": rows,
            "test_2011_vs_before": {
                "fisher_p_two_sided": fi.p_value,
                "rd": fi.extra.get("rd"),
                "rd_ci_low": fi.extra.get("rd_ci_low"),
                "rd_ci_high": fi.extra.get("rd_ci_high"),
                "reason": fi.reason,
            },
            "freeman_halton_p_three_periods": freeman_halton_rx2([r["k"] for r in rows], [r["n"] for r in rows]),
        }
    )


def rc1_regime_share(claim: Claim, data: Data) -> ClaimOutput:
    hmi = data.table("hmi_cases")
    alpha = claim.alpha

    cols = ["release", "status", "start_year", "case_id", "regime_change", "target"]
    cache = DesignCache()

    def spec(release: str, cases: str, period: str, libya: str, target: str = "all") -> StatResult:
        d = rc1_subset(cache.get("columns", lambda: hmi[cols]), release, cases, period, libya, target)
        n_missing = int(d["regime_change"].isna().sum())
        d = d[d["regime_change"].notna()]
        y = d["regime_change"].astype(bool)
        rc_cases = sorted(d.loc[y.to_numpy(), "case_id"].astype(str))
        return share_vs_majority(
            int(y.sum()),
            len(d),
            alpha,
            n_missing_regime=n_missing,
            regime_change_cases=rc_cases,
            sample_key=sample_key(d["case_id"], rc_cases),
        )

    curve = run_curve(claim, spec, extra_cols=["sample_key"])

    p = claim.primary
    prim_d = rc1_subset(hmi, p["release"], p["cases"], p["period"], p["libya"], p.get("target", "all"))
    prim_d = prim_d[prim_d["regime_change"].notna()]
    k, n = int(prim_d["regime_change"].astype(bool).sum()), len(prim_d)
    prim = spec(**p)
    bt = binom_test_vs(k, n, 0.5, alternative="less", alpha=alpha)
    rc_cases = prim_d[prim_d["regime_change"].astype(bool)]
    gov = spec(**{**p, "target": "against-government"})
    primary_detail = {
        "result": prim.to_dict(),
        "binomial_test_vs_majority": bt.to_dict(),
        "against_government": gov.to_dict(),
        "rarely_sensitivity": rarely_sensitivity(prim, gov),
        "regime_change_cases": [
            {
                "case_id": str(r.case_id),
                "start_year": int(r.start_year),
                "target": str(r.target_label),
                "unsc": str(r.unsc_label),
                "p5": bool(r.p5),
                "status": int(r.status),
            }
            for r in rc_cases.sort_values(["start_year", "case_id"]).itertuples()
        ],
        "breakdowns": _rc1_breakdowns(prim_d, alpha),
        "libya_departure": _rc1_libya_periods(prim_d, alpha),
    }
    samples = []
    for row in curve[list(claim.dims)].to_dict("records"):
        d = rc1_subset(hmi[cols], **row)
        samples.append(d.loc[d["regime_change"].notna(), "case_id"])
    null_draws = share_null_draws(samples, 0.5, "less")

    details: dict[str, Any] = {"breakdowns": [], "libya_departure": {}, "releases": []}
    for rel in sorted(hmi["release"].astype(str).unique()):
        h = rc1_subset(hmi, rel, "all", "all", "include")
        details["breakdowns"] += [dict(r, release=rel) for r in _rc1_breakdowns(h, alpha)]
        details["libya_departure"][rel] = _rc1_libya_periods(h, alpha)
        hh = h[h["regime_change"].notna()]
        details["releases"].append(
            {
                "release": rel,
                "n": len(hh),
                "k": int(hh["regime_change"].astype(bool).sum()),
                "n_clear": int((hh["status"] == 2).sum()),
                "k_clear": int((hh["regime_change"].astype(bool) & (hh["status"] == 2)).sum()),
            }
        )
    details["cases"] = json_safe(
        [
            {
                "release": str(r.release),
                "case_id": str(r.case_id),
                "start_year": None if pd.isna(r.start_year) else int(r.start_year),
                "regime_change": None if pd.isna(r.regime_change) else bool(r.regime_change),
                "target": str(r.target_label),
                "unsc": str(r.unsc_label),
                "p5": bool(r.p5),
                "status": int(r.status),
            }
            for r in hmi.sort_values(["release", "start_year", "case_id"]).itertuples()
        ]
    )

    # comparisons
    cy = data.table("country_year")
    h03 = hmi[hmi["release"].astype(str) == str(p["release"])]
    n_4705 = int(h03["start_year"].between(1947, 2005).fillna(False).sum())
    ly = cy[(cy["gwcode"] == 620) & (cy["year"] == 2011)]
    bd_best = (
        float(ly["battle_deaths_best"].iloc[0]) if len(ly) and pd.notna(ly["battle_deaths_best"].iloc[0]) else None
    )
    bd_high = (
        float(ly["battle_deaths_high"].iloc[0]) if len(ly) and pd.notna(ly["battle_deaths_high"].iloc[0]) else None
    )
    comparisons = published.comparisons(
        "regime-change-share",
        {
            "prif-regime-share": {
                "k": k,
                "n": n,
                "share": prim.estimate,
                "ci_low": prim.ci_low,
                "ci_high": prim.ci_high,
            },
            "hmi-count-1947-2005": n_4705,
            "libya-deaths": {"ucdp_battle_deaths_2011_best": bd_best, "ucdp_battle_deaths_2011_high": bd_high},
        },
    )

    # run-time limitations
    against = rc_cases["target"] == 1
    limitations = [
        (
            f"In the primary specification {k} of {n} HMIs ({k / n:.1%}) are coded REGIME = 1: "
            f"{', '.join(sorted(rc_cases['case_id'].astype(str)))}. REGIME records what interveners did, so "
            f"cases where regime change became a goal only during the mission (Libya 2011 is the example the "
            f"claim itself names) count as regime change, and plans never acted on do not; {int(against.sum())} of "
            f"the {k} are coded by PRIF as directed against the government (target)."
        ),
        (
            f"Subgroups are small: {int((prim_d['target'] == 1).sum())} interventions against a government, "
            f"{int((prim_d['start_year'].astype(float) < COLD_WAR_END).sum())} starting before 1990, "
            f"{int((prim_d['start_year'].astype(float) >= 2011).sum())} starting in 2011 or later."
        ),
        _release_note(hmi),
    ]
    return ClaimOutput(
        curve=curve,
        primary_detail=json_safe(primary_detail),
        details=json_safe(details),
        comparisons=json_safe(comparisons),
        limitations=limitations,
        null_draws=null_draws,
    )


def release_differences(hmi: pd.DataFrame, col: str) -> list[str]:
    """case_ids whose `col` differs between the two PRIF releases (or that are in one release only)."""
    rels = sorted(hmi["release"].astype(str).unique())
    if len(rels) < 2:
        return []
    w = hmi.assign(release=hmi["release"].astype(str)).set_index(["case_id", "release"])[col].astype(object)
    w = w.where(pd.notna(w), None).unstack("release")
    diff = [str(cid) for cid, r in w.iterrows() if r[rels[0]] != r[rels[1]]]
    return sorted(diff)


def _release_note(hmi: pd.DataFrame) -> str:
    reg = release_differences(hmi, "regime_change")
    sta = release_differences(hmi, "status")
    return (
        f"PRIF releases: REGIME differs between releases for {len(reg)} case(s)"
        f"{' (' + ', '.join(reg) + ')' if reg else ''}; status (clear/borderline) differs for {len(sta)}"
        f"{' (' + ', '.join(sta) + ')' if sta else ''}, so the release choice matters only through these cases."
    )


# --------------------------------------------------------------------------- RC2

RC2_OUTCOMES = ("against-government", "leader-irregular-or-foreign", "leader-foreign", "leader-irregular")


def leader_exits_within(starts: pd.DataFrame, archigos: pd.DataFrame, window: int) -> pd.DataFrame:
    """For each intervention: did the target's leader leave office within `window` years?

    starts: columns row_id, gw (GW code of the target, nullable), start_date.
    archigos: columns gwcode (GW), start_date, end_date, irregular_exit, foreign_imposed,
    still_in_office. A leader spell counts when its end_date lies in (start_date,
    start_date + window years] and the leader did not stay in office. `covered` is True
    when an Archigos spell of the state covers the intervention's start date (start <=
    date <= end); otherwise the outcomes are missing (not observable). Returns
    row_id, covered, irregular, foreign, irregular_or_foreign (nullable booleans).
    """
    s = starts[["row_id", "gw", "start_date"]].copy()
    s = s[s["gw"].notna()].copy()
    s["gw"] = s["gw"].astype("int64")
    s["stop"] = s["start_date"] + pd.DateOffset(years=int(window))
    a = archigos[["gwcode", "start_date", "end_date", "irregular_exit", "foreign_imposed", "still_in_office"]].rename(
        columns={"gwcode": "gw", "start_date": "l_start", "end_date": "l_end"}
    )
    a = a.assign(gw=a["gw"].astype("int64"))
    m = s.merge(a, on="gw", how="inner")
    cov = m[(m["l_start"] <= m["start_date"]) & (m["l_end"] >= m["start_date"])].groupby("row_id").size() > 0
    ex = m[(~m["still_in_office"].astype(bool)) & (m["l_end"] > m["start_date"]) & (m["l_end"] <= m["stop"])]
    g = ex.assign(irr=ex["irregular_exit"].astype(bool), for_=ex["foreign_imposed"].astype(bool)).groupby("row_id")
    irr = g["irr"].any()
    fo = g["for_"].any()
    out = pd.DataFrame({"row_id": starts["row_id"].to_numpy()})
    covered = out["row_id"].map(cov.to_dict()).astype("boolean").fillna(False).astype(bool)
    out["covered"] = covered
    for name, ser in (("irregular", irr), ("foreign", fo)):
        v = out["row_id"].map(ser.to_dict()).astype("boolean").fillna(False).astype(bool)
        out[name] = pd.array(np.where(covered, v, False), dtype="boolean")
        out.loc[~covered.to_numpy(), name] = pd.NA
    out["irregular_or_foreign"] = out["irregular"] | out["foreign"]
    return out


def regime_band_polity(polity2: pd.Series, gwf_autocracy: pd.Series | None = None) -> pd.Series:
    """Polity2 bands (autocracy <= -6, anocracy -5..5, democracy >= 6); GWF autocracy when
    Polity is missing (autocracy / not autocracy -> 'democracy (GWF)'); else 'unknown'."""
    p = pd.to_numeric(polity2, errors="coerce").astype(float)
    out = np.select([p <= -6, (p > -6) & (p < 6), p >= 6], ["autocracy", "anocracy", "democracy"], "unknown")
    out = pd.Series(out, index=polity2.index, dtype=object)
    if gwf_autocracy is not None:
        miss = out == "unknown"
        ga = gwf_autocracy.astype("boolean")
        out[miss & (ga == True).fillna(False).to_numpy()] = "autocracy"  # noqa: E712
        out[miss & (ga == False).fillna(False).to_numpy()] = "democracy (GWF)"  # noqa: E712
    return out


def _rc2_frame(data: Data) -> tuple[pd.DataFrame, dict]:
    imi = data.table("imi_interventions")
    arch = data.table("archigos")
    cy = data.table("country_year")
    mapper = mapper_from_data(data)
    iv = (
        imi[
            [
                "intervention_id",
                "humanitarian",
                "direction",
                "against_government",
                "target_cowcode",
                "start_date",
                "start_year",
                "intervener_is_io",
                "target_is_io",
            ]
        ]
        .copy()
        .reset_index(drop=True)
    )
    iv["row_id"] = np.arange(len(iv))
    iv["gw"] = mapper.to_gw(
        iv["target_cowcode"].where(~iv["target_is_io"].astype(bool)),
        "cow",
        iv["start_year"],
        source="imi_interventions",
        column="target_cowcode",
        special=IMI_SPECIAL_CODES,
    )
    a = archigos_gw(arch, mapper)
    info = {"n_interventions": len(iv), "n_target_unmapped": int(iv["gw"].isna().sum())}
    exits = {}
    for w in (1, 2, 3):
        e = leader_exits_within(iv[["row_id", "gw", "start_date"]], a, w)
        exits[w] = e.set_index("row_id")
    iv = iv.set_index("row_id")
    for w, e in exits.items():
        iv["covered"] = e["covered"]
        iv[f"irr_{w}"] = e["irregular"]
        iv[f"for_{w}"] = e["foreign"]
        iv[f"iof_{w}"] = e["irregular_or_foreign"]
    iv = iv.reset_index()
    # controls for the comparison: region from the GW code, regime type in the start year
    iv["region"] = region_of(iv["gw"].astype("Float64")).astype(object).where(iv["gw"].notna(), "unknown")
    c = cy[["gwcode", "year", "polity2", "gwf_autocracy"]].rename(columns={"gwcode": "gw", "year": "start_year"})
    j = (
        iv[["row_id", "gw", "start_year"]]
        .dropna()
        .astype({"gw": "int64", "start_year": "int64"})
        .merge(c.astype({"gw": "int64", "start_year": "int64"}), on=["gw", "start_year"], how="left")
    )
    band = regime_band_polity(j["polity2"], j["gwf_autocracy"])
    iv["regime"] = iv["row_id"].map(pd.Series(band.to_numpy(), index=j["row_id"].to_numpy())).fillna("unknown")
    iv["cold_war"] = iv["start_year"].astype(float) < COLD_WAR_END
    iv["decade"] = (iv["start_year"].astype(float) // 10 * 10).astype("Int64")
    info["n_not_covered_by_archigos"] = int((~iv["covered"].astype(bool)).sum())
    return iv, info


def rc2_outcome(iv: pd.DataFrame, outcome: str, window: int) -> pd.Series:
    """Nullable boolean outcome per intervention (NA = not coded / not observable)."""
    if outcome == "against-government":
        return iv["against_government"].astype("boolean")
    col = {"leader-irregular-or-foreign": "iof", "leader-foreign": "for", "leader-irregular": "irr"}[outcome]
    return iv[f"{col}_{int(window)}"].astype("boolean")


def rc2_sample(iv: pd.DataFrame, sample: str, intervener: str) -> pd.Series:
    m = pd.Series(True, index=iv.index)
    sy = iv["start_year"].astype(float)
    if sample == "cold-war":
        m &= sy < COLD_WAR_END
    elif sample == "post-cold-war":
        m &= sy >= COLD_WAR_END
    elif sample != "all":
        raise ValueError(f"unknown sample {sample!r}")
    if intervener == "states-only":
        m &= ~iv["intervener_is_io"].astype(bool)
    elif intervener != "any":
        raise ValueError(f"unknown intervener {intervener!r}")
    return m


def _design(d: pd.DataFrame, period: str) -> pd.DataFrame:
    """Regressors: humanitarian, period (Cold War dummy or decade dummies), region and regime dummies."""
    X = pd.DataFrame({"humanitarian": (d["humanitarian"] == 1).astype(float).to_numpy()}, index=d.index)
    if period == "cold_war":
        X["cold_war"] = d["cold_war"].astype(float)
    else:
        dec = pd.get_dummies(d["decade"].astype(str), prefix="decade", dtype=float)
        X = X.join(dec.iloc[:, 1:])
    X = X.join(pd.get_dummies(d["region"].astype(str), prefix="region", dtype=float).iloc[:, 1:])
    X = X.join(pd.get_dummies(d["regime"].astype(str), prefix="regime", dtype=float).iloc[:, 1:])
    # drop dummy columns without variation in this sample
    keep = [c for c in X.columns if c == "humanitarian" or X[c].nunique() > 1]
    return X[keep]


def rc2_comparison(
    iv: pd.DataFrame,
    outcome: str,
    window: int,
    sample: str,
    intervener: str,
    alpha: float,
    seed: int | None = None,
    n_perm: int = 9999,
) -> dict:
    """Humanitarian vs other interventions on one outcome: Fisher, clustered logits, permutation test."""
    y = rc2_outcome(iv, outcome, window)
    m = (
        rc2_sample(iv, sample, intervener)
        & iv["humanitarian"].isin([0, 1]).fillna(False)
        & y.notna()
        & iv["start_year"].notna()
    )
    d = iv[m.to_numpy()].copy()
    d["y"] = y[m.to_numpy()].astype(bool).to_numpy()
    hum = (d["humanitarian"] == 1).to_numpy()
    a, n1 = int(d["y"][hum].sum()), int(hum.sum())
    c, n2 = int(d["y"][~hum].sum()), int((~hum).sum())
    fi = fisher_2x2(a, n1 - a, c, n2 - c, alpha=alpha)
    cl = d["gw"].astype("Float64").fillna(-d["target_cowcode"].astype(float)).astype(float).to_numpy()
    out: dict[str, Any] = {
        "outcome": outcome,
        "window": window,
        "sample": sample,
        "intervener": intervener,
        "humanitarian": {"k": a, "n": n1},
        "other": {"k": c, "n": n2},
        "fisher": fi.to_dict(),
    }
    for period in ("cold_war", "decade"):
        X = _design(d, period)
        res = logit_clustered(d["y"].astype(float).to_numpy(), X, cl, "humanitarian", alpha=alpha)
        out[f"logit_{period}"] = dict(res.to_dict(), controls=[c_ for c_ in X.columns if c_ != "humanitarian"])
    if seed is not None and n1 and n2:
        # Events among humanitarian interventions minus their expectation within Cold War strata
        # (sum over strata of n1_s * T_s / n_s): centred at 0 under within-stratum permutation.
        strata = d["cold_war"].astype(int).to_numpy()
        yy = d["y"].astype(float).to_numpy()
        expected = 0.0
        for s_ in np.unique(strata):
            ms = strata == s_
            expected += float(hum[ms].sum()) * float(yy[ms].sum()) / float(ms.sum())

        def stat(lab: np.ndarray, _: Any) -> float:
            return float(yy @ lab) - expected

        pt = permutation_test(
            stat, hum.astype(float), None, n_perm=n_perm, seed=seed, alternative="two-sided", strata=strata
        )
        out["permutation_within_cold_war_strata"] = dict(
            pt.to_dict(),
            statistic="events among humanitarian interventions minus their expectation within "
            "Cold War strata (observed - expected)",
            expected_events=expected,
        )
    return json_safe(out)


def rc2_imi_against_government(claim: Claim, data: Data) -> ClaimOutput:
    alpha = claim.alpha
    iv, info = _rc2_frame(data)
    hum_all = iv["humanitarian"] == 1

    cache = DesignCache()

    # an operation: the intervener-target pairs with the same target and start date (IMI
    # codes each intervener of a multilateral operation as its own intervention)
    op = pd.factorize(pd.MultiIndex.from_arrays([iv["target_cowcode"].astype("Int64"), iv["start_date"]]))[0]
    n_ops = int(op.max()) + 1
    neutral = (iv["direction"] == 0).fillna(False).to_numpy(dtype=bool)
    direction_known = iv["direction"].notna().to_numpy()

    def base_mask(sample: str, intervener: str, denominator: str) -> np.ndarray:
        b = (hum_all.fillna(False) & rc2_sample(iv, sample, intervener)).to_numpy(dtype=bool)
        if denominator == "non-neutral":
            b = b & direction_known & ~neutral
        elif denominator != "all-humanitarian":
            raise ValueError(f"unknown denominator {denominator!r}")
        return b

    def spec_(
        outcome: str,
        window: int,
        sample: str,
        intervener: str,
        denominator: str = "all-humanitarian",
        unit: str = "intervener-target-pair",
    ) -> StatResult:
        # shared: the outcome per (outcome, window), the sample per (sample, intervener), as arrays
        yv, yobs = cache.get(
            ("y", outcome, int(window)),
            lambda: (lambda y: (y.fillna(False).to_numpy(dtype=bool), y.notna().to_numpy()))(
                rc2_outcome(iv, outcome, window)
            ),
        )
        base = cache.get(
            ("sample", sample, intervener, denominator), lambda: base_mask(sample, intervener, denominator)
        )
        obs = base & yobs
        if unit == "operation":
            # an operation has the outcome when any of its coded pairs has it
            k = int(np.count_nonzero(np.bincount(op[yv & obs], minlength=n_ops)))
            n = int(np.count_nonzero(np.bincount(op[obs], minlength=n_ops)))
            nb = int(np.count_nonzero(np.bincount(op[base], minlength=n_ops)))
        elif unit == "intervener-target-pair":
            k, n, nb = int(np.count_nonzero(yv & obs)), int(obs.sum()), int(base.sum())
        else:
            raise ValueError(f"unknown unit {unit!r}")
        key = sample_key(np.flatnonzero(obs), np.flatnonzero(yv & obs), unit)
        return share_vs_majority(k, n, alpha, n_in_sample=nb, n_not_observable=nb - n, unit=unit, sample_key=key)

    def samples_for_null(row: dict) -> list[str]:
        """Units of one specification for the curve test: each pair names its operation, so
        that pairs of one operation share the null draw (a pair-level spec counts them all)."""
        ch = _spec_kwargs(row)
        _, yobs = cache.get(
            ("y", ch["outcome"], int(ch["window"])),
            lambda: (lambda y: (y.fillna(False).to_numpy(dtype=bool), y.notna().to_numpy()))(
                rc2_outcome(iv, ch["outcome"], ch["window"])
            ),
        )
        obs = base_mask(ch["sample"], ch["intervener"], ch.get("denominator", "all-humanitarian")) & yobs
        ops = op[obs]
        return [str(o) for o in (np.unique(ops) if ch.get("unit") == "operation" else ops)]

    def spec(**choices: Any) -> StatResult:
        return spec_(**_spec_kwargs(choices))

    curve = run_curve(claim, spec, extra_cols=["sample_key"])
    null_draws = share_null_draws(
        [samples_for_null(r) for r in curve[list(claim.dims)].to_dict("records")], 0.5, "less"
    )
    p = _spec_kwargs(claim.primary)
    prim = spec_(**p)
    y = rc2_outcome(iv, p["outcome"], p["window"])
    base = base_mask(p["sample"], p["intervener"], p.get("denominator", "all-humanitarian"))
    obs = base & y.notna().to_numpy()
    comp = rc2_comparison(
        iv,
        p["outcome"],
        int(p["window"]),
        p["sample"],
        p["intervener"],
        alpha,
        step_seed(claim.id, "permutation", p["outcome"], p["window"], p["sample"], p["intervener"]),
    )
    primary_detail = {
        "result": prim.to_dict(),
        "binomial_test_vs_majority": binom_test_vs(prim.extra.get("k", 0), prim.n or 0, 0.5, "less", alpha).to_dict()
        if prim.n
        else None,
        "n_humanitarian_coded_yes": int(hum_all.fillna(False).sum()),
        "n_humanitarian_not_coded": int(iv["humanitarian"].isna().sum()),
        "n_direction_not_coded_among_humanitarian": int((base & ~obs).sum()),
        "humanitarian_vs_other": comp,
        "cases_with_outcome": json_safe(
            [
                {
                    "intervention_id": int(r.intervention_id),
                    "target_cowcode": int(r.target_cowcode),
                    "start_date": str(r.start_date.date()),
                    "intervener_is_io": bool(r.intervener_is_io),
                }
                for r in iv[obs & y.fillna(False).astype(bool).to_numpy()].sort_values("intervention_id").itertuples()
            ]
        ),
    }
    # details: comparison for every outcome at the primary window / sample, and per-outcome counts
    details: dict[str, Any] = {"humanitarian_vs_other": [], "mapping": info}
    for oc in RC2_OUTCOMES:
        for w in (1, 2, 3) if oc != "against-government" else (int(p["window"]),):
            details["humanitarian_vs_other"].append(rc2_comparison(iv, oc, w, "all", "any", alpha))
    # comparisons: Archigos foreign-removal exits vs Downes & Monten / Downes
    arch = data.table("archigos")
    ex = arch[~arch["still_in_office"].astype(bool)]
    ey = ex["end_date"].dt.year
    fr = (ex["exit"] == "Foreign").fillna(False)
    fi = ex["foreign_imposed"].astype(bool)
    a_first, a_last = int(ey.min()), int(ey.max())
    comparisons = published.comparisons(
        "foreign-imposed-regime-change",
        {
            "firc-1900-1999": {
                "archigos_exit_foreign_1900_1999": int((fr & ey.between(1900, 1999)).sum()),
                "archigos_foreign_imposed_incl_foreign_supported_1900_1999": int((fi & ey.between(1900, 1999)).sum()),
            },
            "firc-1816-2008": {
                "archigos_exit_foreign": int((fr & ey.between(1816, 2008)).sum()),
                "archigos_years_covered": f"{a_first}-{min(a_last, 2008)}",
                "archigos_foreign_imposed_incl_foreign_supported": int((fi & ey.between(1816, 2008)).sum()),
            },
        },
        {"archigos_first": a_first},
    )

    limitations = [
        (
            f"n = {prim.n} humanitarian-motive interventions with the direction coded ({int((base & ~obs).sum())} of "
            f"{int(base.sum())} not coded); {int(iv['humanitarian'].isna().sum())} IMI interventions have the "
            f"humanitarian motive not coded (9) and are excluded; "
            f"{int((hum_all.fillna(False) & iv['intervener_is_io'].astype(bool)).sum())} humanitarian interventions are "
            "by international organisations."
        ),
        (
            f"Leader-exit outcomes: {info['n_not_covered_by_archigos']} of {info['n_interventions']} IMI interventions "
            f"could not be linked to an Archigos spell at the start date ({info['n_target_unmapped']} targets not "
            "mapped to a GW state); they are left out of n for those outcomes."
        ),
        (
            f"IMI counts intervener-target pairs: several interveners in one operation are separate interventions. "
            f"The primary counts operations ({n_ops} target-start-date groups among all IMI interventions; an operation "
            f"is against the government when any of its coded pairs is), so multilateral operations are not weighted by "
            f"their number of interveners; the pair-level specifications are reported beside it, and the comparison "
            f"logit clusters by target."
        ),
        (
            f"Of the {int(hum_all.fillna(False).sum())} humanitarian-motive interventions, {int((hum_all.fillna(False).to_numpy() & neutral).sum())} "
            f"are coded neutral (direction 0: relief, evacuation, observer missions), for which action against the "
            f"government is excluded by definition; the primary denominator leaves them out."
        ),
    ]
    return ClaimOutput(
        curve=curve,
        primary_detail=json_safe(primary_detail),
        details=json_safe(details),
        comparisons=json_safe(comparisons),
        limitations=limitations,
        null_draws=null_draws,
    )


# --------------------------------------------------------------------------- RC3


def mantel_haenszel_rr(
    a: Sequence[float], n1: Sequence[float], c: Sequence[float], n0: Sequence[float], alpha: float = 0.05
) -> StatResult:
    """Mantel-Haenszel pooled risk ratio with the Greenland-Robins (1985) variance of its log.

    Per stratum i: a events among n1 treated, c events among n0 controls, N = n1 + n0.
    RR = sum(a n0 / N) / sum(c n1 / N);
    Var(log RR) = sum((n1 n0 (a + c) - a c N) / N^2) / (sum(a n0 / N) * sum(c n1 / N)).
    Strata without treated or without controls carry no information and are dropped
    (counted in extras). With one stratum this is the crude risk ratio with the Katz
    interval. Wald test of log RR = 0. No treated (or control) events in the usable
    strata -> reason.
    """
    a, n1, c, n0 = (np.asarray(v, dtype=float) for v in (a, n1, c, n0))
    if not (len(a) == len(n1) == len(c) == len(n0)):
        raise ValueError("stratum arrays differ in length")
    if np.any(a > n1) or np.any(c > n0) or np.any(np.r_[a, n1, c, n0] < 0):
        raise ValueError("events must be between 0 and the group sizes")
    method = "Mantel-Haenszel risk ratio, Greenland-Robins variance, Wald interval"
    use = (n1 > 0) & (n0 > 0)
    extra: dict[str, Any] = {
        "n_strata": int(len(a)),
        "n_strata_used": int(use.sum()),
        "treated_in_unused_strata": int(n1[~use].sum()),
        "controls_in_unused_strata": int(n0[~use].sum()),
        "a": int(a[use].sum()),
        "n1": int(n1[use].sum()),
        "c": int(c[use].sum()),
        "n0": int(n0[use].sum()),
        "alpha": alpha,
    }
    n = int(n1[use].sum())
    if not use.any():
        return StatResult(method=method, n=0, reason="no stratum holds both treated and controls", extra=extra)
    a, n1, c, n0 = a[use], n1[use], c[use], n0[use]
    N = n1 + n0
    R = float(np.sum(a * n0 / N))
    S = float(np.sum(c * n1 / N))
    if R == 0:
        return StatResult(
            method=method,
            n=n,
            reason="no events among the treated in matched strata: log risk ratio undefined",
            extra=extra,
        )
    if S == 0:
        return StatResult(
            method=method,
            n=n,
            reason="no events among the controls in matched strata: risk ratio infinite",
            extra=extra,
        )
    P = float(np.sum((n1 * n0 * (a + c) - a * c * N) / N**2))
    rr = R / S
    var = P / (R * S)
    se = math.sqrt(var) if var > 0 else float("nan")
    z = float(special.ndtri(1 - alpha / 2))
    lrr = math.log(rr)
    pval = float(2 * special.ndtr(-abs(lrr) / se)) if se > 0 else None
    extra.update(log_rr=lrr, se_log_rr=se)
    return StatResult(
        method=method,
        estimate=rr,
        ci_low=math.exp(lrr - z * se),
        ci_high=math.exp(lrr + z * se),
        p_value=pval,
        n=n,
        extra=extra,
    )


def window_any(df: pd.DataFrame, col: str, window: int, last_year: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """For each (gwcode, year) row: any `col` in years t .. t+window-1, and whether that is observable.

    df must be sorted by gwcode, year. Observable = every year of the window is a row
    of the same state (consecutive years), the value is not missing, and (if given)
    t + window - 1 <= last_year. Returns (any, observable) boolean arrays.
    """
    g = df.groupby("gwcode", sort=False)
    yrs = df["year"].to_numpy()
    val = df[col].astype("boolean")
    anyv = np.zeros(len(df), dtype=bool)
    obs = np.ones(len(df), dtype=bool)
    for k in range(int(window)):
        vk = g[col].shift(-k) if k else val
        yk = g["year"].shift(-k) if k else df["year"]
        vk = vk.astype("boolean")
        ok = (yk.to_numpy(dtype=float, na_value=np.nan) == yrs + k) & vk.notna().to_numpy()
        obs &= ok
        anyv |= vk.fillna(False).to_numpy(dtype=bool)
    if last_year is not None:
        obs &= yrs + int(window) - 1 <= last_year
    return anyv & obs, obs


def regime_band_v2x(v2x: pd.Series, polity2: pd.Series) -> pd.Series:
    """V-Dem regime (0-3) as 'v2x:k'; where missing, Polity2 bands 'polity:...'; else 'unknown'."""
    out = pd.Series("unknown", index=v2x.index, dtype=object)
    pb = regime_band_polity(polity2)
    has_p = pb != "unknown"
    out[has_p] = "polity:" + pb[has_p]
    v = pd.to_numeric(v2x, errors="coerce")
    has_v = v.notna()
    out[has_v] = "v2x:" + v[has_v].astype(int).astype(str)
    return out


def hmi_country_years(
    hmi: pd.DataFrame, gw: pd.Series, release: str, last: int = LAST_PANEL_YEAR
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(starts, ongoing) for one release: starts = gwcode, year, case_ids; ongoing = gwcode, year."""
    h = hmi.assign(gw=gw)
    h = h[(h["release"].astype(str) == str(release)) & h["gw"].notna() & h["start_year"].notna()]
    hs = pd.DataFrame(
        {
            "gwcode": h["gw"].astype("int64").to_numpy(),
            "year": h["start_year"].astype("int64").to_numpy(),
            "case_ids": h["case_id"].astype(str).to_numpy(),
        }
    ).sort_values(["gwcode", "year", "case_ids"])
    starts = hs.groupby(["gwcode", "year"], sort=True)["case_ids"].agg(list).reset_index()
    rows = []
    for r in h[["gw", "start_year", "end_year"]].itertuples(index=False):
        end = last if pd.isna(r.end_year) else int(r.end_year)
        for y in range(int(r.start_year), end + 1):
            rows.append((int(r.gw), y))
    ongoing = pd.DataFrame(rows, columns=["gwcode", "year"]).drop_duplicates().sort_values(["gwcode", "year"])
    return starts.sort_values(["gwcode", "year"]).reset_index(drop=True), ongoing.reset_index(drop=True)


def forward_any(flags: np.ndarray, groups: np.ndarray, window: int) -> np.ndarray:
    """Per row: any of `flags` in this row and the next window-1 rows of the same group
    (rows sorted by group), i.e. the OR of groupby(groups).shift(-k) for k < window."""
    out = np.asarray(flags, dtype=bool).copy()
    for k in range(1, int(window)):
        out[:-k] |= flags[k:] & (groups[k:] == groups[:-k])
    return out


def archigos_gw(archigos: pd.DataFrame, mapper: Mapper) -> pd.DataFrame:
    """Archigos with its GW codes checked for the exit year (raw code kept where the check fails)."""
    a = archigos.copy()
    m = mapper.to_gw(a["gwcode"], "gw", a["end_date"].dt.year, source="archigos", column="gwcode")
    a["gwcode"] = m.fillna(a["gwcode"]).astype("int64")
    return a


# --------------------------------------------------------------------------- RC3 (the frequency after an HMI)


def hmi_exit_frame(hmi: pd.DataFrame, gw: pd.Series, archigos: pd.DataFrame) -> pd.DataFrame:
    """One row per HMI (both releases) with the target leader's exits after the start.

    For windows 1-3 years: `irr_w`, `for_w`, `iof_w` (nullable booleans): an Archigos spell of
    the target state ends irregularly / by foreign imposition / either strictly after the
    start date and at most w years after it. Missing (not observable) when no Archigos spell
    covers the start date or the window runs past Archigos's last date (2015-12-31)."""
    h = hmi.assign(gw=gw).reset_index(drop=True)
    h["row_id"] = np.arange(len(h))
    last = archigos["end_date"].max()
    out = h[
        ["row_id", "release", "case_id", "gw", "start_date", "start_year", "target", "regime_change", "status"]
    ].copy()
    for w in (1, 2, 3):
        e = leader_exits_within(h[["row_id", "gw", "start_date"]], archigos, w).set_index("row_id")
        late = (h["start_date"] + pd.DateOffset(years=w) > last).to_numpy()
        for col, src in (("irr", "irregular"), ("for", "foreign"), ("iof", "irregular_or_foreign")):
            v = e[src].reindex(out["row_id"]).astype("boolean").to_numpy()
            v = pd.array(v, dtype="boolean")
            v[late] = pd.NA
            out[f"{col}_{w}"] = v
    return out


def rc3_share_outcome(f: pd.DataFrame, outcome: str, window: int) -> pd.Series:
    if outcome == "irregular-or-foreign-exit":
        return f[f"iof_{int(window)}"]
    if outcome == "foreign-exit":
        return f[f"for_{int(window)}"]
    if outcome == "interveners-brought-about":
        # an exit (irregular or foreign) in an intervention whose interveners engaged in bringing
        # about regime change (PRIF REGIME): the exits the interveners brought about, as far as
        # these data can tell them apart from exits brought about by others
        y = f[f"iof_{int(window)}"]
        return (y & f["regime_change"].astype("boolean")).astype("boolean")
    raise ValueError(f"unknown outcome {outcome!r}")


def rc3_comparison(
    data: Data,
    f: pd.DataFrame,
    gw_imi: pd.Series,
    release: str,
    window: int,
    alpha: float,
    seed: int,
    n_boot: int = 999,
) -> dict:
    """Context, not the decision: leader exits after HMIs vs after other military interventions.

    Controls are IMI operations without a humanitarian motive (IMI 1946-2005; intervener-target
    pairs grouped by target and start date) in target states with an active intrastate
    conflict in the start year: situations where outside forces were present, so that a
    foreign or irregular exit was possible at all. HMIs and controls are stratified by period
    (Cold War) and the target's regime type in the year before the start (t-1); the
    Mantel-Haenszel risk ratio gets a percentile interval from a cluster bootstrap over target
    countries (HMIs and controls of one country resampled together). Exits count only
    strictly after the start date. Descriptive: no causal reading."""
    imi = data.table("imi_interventions")
    arch = archigos_gw(data.table("archigos"), mapper_from_data(data))
    cy = data.table("country_year")
    c = imi.assign(gw=gw_imi)
    c = c[(c["humanitarian"] == 0).fillna(False) & c["gw"].notna() & ~c["target_is_io"].astype(bool)]
    c = (
        c.assign(gw=c["gw"].astype("int64"))
        .groupby(["gw", "start_date"])
        .agg(start_year=("start_year", "first"))
        .reset_index()
    )
    act = cy[["gwcode", "year", "intra_active"]].rename(columns={"gwcode": "gw", "year": "start_year"})
    c = c.merge(act.astype({"gw": "int64", "start_year": "int64"}), on=["gw", "start_year"], how="left")
    c = c[c["intra_active"].fillna(False).astype(bool)].copy()
    t = f[(f["release"].astype(str) == str(release)) & f["gw"].notna()].copy()
    hmi_cy = set(zip(t["gw"].astype("int64"), t["start_year"].astype("int64")))
    c = c[[(g, y) not in hmi_cy for g, y in zip(c["gw"], c["start_year"])]]
    c = c.reset_index(drop=True)
    c["row_id"] = np.arange(len(c))
    ex = leader_exits_within(c[["row_id", "gw", "start_date"]], arch, int(window)).set_index("row_id")
    c["y"] = ex["irregular_or_foreign"].reindex(c["row_id"]).to_numpy()
    c["y"] = c["y"].astype("boolean")
    c.loc[(c["start_date"] + pd.DateOffset(years=int(window)) > arch["end_date"].max()).to_numpy(), "y"] = pd.NA
    t = t.assign(y=t[f"iof_{int(window)}"])
    both = pd.concat(
        [t[["gw", "start_year", "y"]].assign(treated=True), c[["gw", "start_year", "y"]].assign(treated=False)],
        ignore_index=True,
    )
    both = both[both["y"].notna()].copy()
    both["gw"] = both["gw"].astype("int64")
    prev = cy[["gwcode", "year", "polity2", "gwf_autocracy"]].rename(columns={"gwcode": "gw"})
    prev = prev.assign(start_year=prev["year"] + 1).drop(columns="year")
    both = both.merge(prev.astype({"gw": "int64", "start_year": "int64"}), on=["gw", "start_year"], how="left")
    both["regime_t1"] = regime_band_polity(both["polity2"], both["gwf_autocracy"]).to_numpy()
    both["cold_war"] = both["start_year"] < COLD_WAR_END
    both["stratum"] = both["cold_war"].astype(str) + "|" + both["regime_t1"].astype(str)
    both["y"] = both["y"].astype(bool)

    # per country and stratum: treated events, treated, control events, controls; a bootstrap
    # resample of countries sums these rows with multinomial weights (vectorised Mantel-Haenszel)
    countries = np.array(sorted(both["gw"].unique()))
    strata = sorted(both["stratum"].unique())
    ci_ = pd.Index(countries).get_indexer(both["gw"])
    si = pd.Index(strata).get_indexer(both["stratum"])
    shape = (len(countries), len(strata))
    tr, yy = both["treated"].to_numpy(bool), both["y"].to_numpy(bool)

    def cell(mask: np.ndarray) -> np.ndarray:
        m = np.zeros(shape)
        np.add.at(m, (ci_[mask], si[mask]), 1.0)
        return m

    A, N1, Cc, N0 = cell(tr & yy), cell(tr), cell(~tr & yy), cell(~tr)

    def mh_rr(a, n1, c, n0):
        n = n1 + n0
        with np.errstate(divide="ignore", invalid="ignore"):
            num_ = np.where(n > 0, a * n0 / n, 0.0).sum(axis=-1)
            den_ = np.where(n > 0, c * n1 / n, 0.0).sum(axis=-1)
            return num_ / den_

    res = mantel_haenszel_rr(A.sum(0), N1.sum(0), Cc.sum(0), N0.sum(0), alpha)
    est = res.estimate
    res = res.to_dict()
    rng = np.random.default_rng(seed)
    W = rng.multinomial(len(countries), np.full(len(countries), 1 / len(countries)), size=n_boot).astype(float)
    boots = mh_rr(W @ A, W @ N1, W @ Cc, W @ N0)
    boots = boots[np.isfinite(boots) & (boots > 0)]
    lo, hi = np.quantile(boots, [alpha / 2, 1 - alpha / 2]) if len(boots) >= 100 else (np.nan, np.nan)
    return json_safe(
        {
            "method": (
                "Mantel-Haenszel risk ratio of an irregular or foreign-imposed leader exit strictly after the start "
                f"and within {window} year(s): HMIs vs non-humanitarian IMI operations in conflict states, strata "
                "Cold War x regime type at t-1; percentile interval from a cluster bootstrap over target countries"
            ),
            "estimate": est,
            "ci_low": float(lo),
            "ci_high": float(hi),
            "n_boot_used": len(boots),
            "mantel_haenszel_model_based": res,
            "treated": int(both["treated"].sum()),
            "treated_events": int((both["treated"] & both["y"]).sum()),
            "controls": int((~both["treated"]).sum()),
            "control_events": int((~both["treated"] & both["y"]).sum()),
            "countries": int(len(countries)),
            "note": (
                "Controls end in 2005 (IMI); HMIs run to 2014 within Archigos's coverage (to 2015). Descriptive "
                "context for the share, which decides: no causal reading."
            ),
        }
    )


def rc3_exit_share(claim: Claim, data: Data) -> ClaimOutput:
    alpha = claim.alpha
    hmi = data.table("hmi_cases")
    mapper = mapper_from_data(data)
    gw = hmi_gwcodes(hmi, mapper)
    arch = archigos_gw(data.table("archigos"), mapper)
    cache = DesignCache()
    # the design (leader exits of every HMI for every window) is shared between specifications
    # on the fast path and rebuilt for each one in the plain loop
    f0 = hmi_exit_frame(hmi, gw, arch)

    def frame() -> pd.DataFrame:
        return cache.get("exit-frame", lambda: hmi_exit_frame(hmi, gw, arch))

    def subset(release: str, cases: str) -> pd.Series:
        f = frame()
        m = f["release"].astype(str) == str(release)
        if cases == "clear":
            m &= f["status"] == 2
        elif cases != "all":
            raise ValueError(f"unknown cases option {cases!r}")
        return m

    def spec_(outcome: str, window: int, release: str, cases: str) -> StatResult:
        f = frame()
        y = cache.get(("y", outcome, int(window)), lambda: rc3_share_outcome(f, outcome, window))
        m = subset(release, cases) & y.notna()
        yy = y[m].astype(bool)
        ids = f.loc[m, "case_id"].astype(str)
        hit = sorted(ids[yy.to_numpy()])
        return share_vs_majority(
            int(yy.sum()),
            int(m.sum()),
            alpha,
            cases_with_exit=hit,
            n_not_observable=int((subset(release, cases) & y.isna()).sum()),
            sample_key=sample_key(ids, hit),
        )

    def spec(**choices: Any) -> StatResult:
        return spec_(**_spec_kwargs(choices))

    curve = run_curve(claim, spec, extra_cols=["sample_key"])
    f = f0
    samples = []
    for row in curve[list(claim.dims)].to_dict("records"):
        ch = _spec_kwargs(row)
        y = rc3_share_outcome(f, ch["outcome"], ch["window"])
        samples.append(f.loc[subset(ch["release"], ch["cases"]) & y.notna(), "case_id"].astype(str).tolist())
    null_draws = share_null_draws(samples, 0.5, "less")

    p = _spec_kwargs(claim.primary)
    prim = spec_(**p)
    rel = f[f["release"].astype(str) == str(p["release"])]
    y = rc3_share_outcome(rel, p["outcome"], p["window"])
    rows = []
    for r, yy in zip(
        rel.sort_values(["start_year", "case_id"]).itertuples(), y.loc[rel.sort_values(["start_year", "case_id"]).index]
    ):
        rows.append(
            {
                "case_id": str(r.case_id),
                "start_date": str(r.start_date.date()),
                "target": None if pd.isna(r.target) else int(r.target),
                "prif_regime_change": None if pd.isna(r.regime_change) else bool(r.regime_change),
                "exit_after_start": None if pd.isna(yy) else bool(yy),
            }
        )
    xt = pd.DataFrame(rows).dropna(subset=["exit_after_start", "prif_regime_change"])
    split = {
        f"prif_regime_change={rc}, exit_after_start={ex}": int(
            ((xt.prif_regime_change == rc) & (xt.exit_after_start == ex)).sum()
        )
        for rc in (True, False)
        for ex in (True, False)
    }
    imi = data.table("imi_interventions")
    gw_imi = mapper.to_gw(
        imi["target_cowcode"].where(~imi["target_is_io"].astype(bool)),
        "cow",
        imi["start_year"],
        source="imi_interventions",
        column="target_cowcode",
        special=IMI_SPECIAL_CODES,
    )
    comparison = rc3_comparison(
        data, f, gw_imi, p["release"], int(p["window"]), alpha, step_seed(claim.id, "comparison-bootstrap")
    )
    primary_detail = {
        "result": prim.to_dict(),
        "window_definition": "leader exits strictly after the start date and at most `window` years after it (Archigos dates)",
        "cases": rows,
        "exits_by_prif_regime_change": split,
        "against_government": spec_(p["outcome"], p["window"], p["release"], p["cases"]) if False else None,
        "comparison_with_other_interventions": comparison,
    }
    gov = rel["target"] == 1
    yg = y[gov & y.notna()].astype(bool)
    primary_detail["against_government"] = {"k": int(yg.sum()), "n": int(len(yg))}
    limitations = [
        (
            f"{int(y.isna().sum())} of {len(rel)} interventions (release {p['release']}) cannot be observed for the "
            f"{p['window']}-year window: no Archigos spell at the start date or the window runs past Archigos's end "
            "(2015-12-31)."
        ),
        (
            "Archigos codes how a leader left office (irregular: coup, assassination, rebellion; foreign-imposed: removed "
            "by another state or irregularly with foreign support), not who caused it; the 'interveners-brought-about' "
            "option adds PRIF's REGIME code (the interveners engaged in regime change), the closest these data come to "
            "separating exits the interveners brought about from others."
        ),
        (
            "The comparison with non-humanitarian interventions (primary_detail.comparison_with_other_interventions) is "
            "descriptive context with its own limits (IMI ends in 2005; selection into intervention is not removed); it "
            "decides nothing and supports no causal reading."
        ),
    ]
    return ClaimOutput(
        curve=curve,
        primary_detail=json_safe(primary_detail),
        details={},
        comparisons=[],
        limitations=limitations,
        null_draws=null_draws,
    )


# --------------------------------------------------------------------------- 2x2 comparisons among HMIs

#: comparison -> (label of group A, label of group B, function of the frame -> (A mask, B mask))
HMI_COMPARISONS = {
    "2011-vs-before": (
        "starting in 2011",
        "starting before 2011",
        lambda h: (h["start_year"] == 2011, h["start_year"] < 2011),
    ),
    "regime-change-vs-not": (
        "with regime change (PRIF REGIME)",
        "without regime change",
        lambda h: (h["regime_change"] == True, h["regime_change"] == False),  # noqa: E712
    ),
    "mandate-vs-none": (
        "with a Security Council mandate or approval",
        "without a mandate",
        lambda h: (h["unsc"] == 2, h["unsc"] == 0),
    ),
    "stopped-short-vs-regime-change": (
        "that stopped short of regime change",
        "with regime change",
        lambda h: (h["regime_change"] == False, h["regime_change"] == True),  # noqa: E712
    ),
}
#: outcome -> (column of hmi_cases, description)
HMI_OUTCOMES = {
    "regime-change": ("regime_change", "the interveners engaged in regime change (PRIF REGIME)"),
    "end-of-violence": ("endviol", "the violence ended during the intervention (PRIF ENDVIOL)"),
    "new-violence": ("newviol", "new violence after the intervention (PRIF NEWVIOL)"),
}


def hmi_two_by_two(claim: Claim, data: Data) -> ClaimOutput:
    """Share of an outcome in group A minus group B among PRIF HMIs (risk difference, Newcombe
    interval), decided by Fisher's exact test in the direction of the support bound (p_value)
    and of the contradict bound (p_value_contradict). Specifications: release, cases (all /
    clear = PRIF status 2 / against-government = PRIF target 1), libya (include / exclude)."""
    alpha = claim.alpha
    hmi = data.table("hmi_cases")
    up = "above" in claim.decision["support"]
    alt_s, alt_c = ("greater", "less") if up else ("less", "greater")

    def frame(release: str, cases: str, libya: str) -> pd.DataFrame:
        if cases not in ("all", "clear", "against-government"):
            raise ValueError(f"unknown cases option {cases!r}")
        # RC1's subset: `against-government` is its target filter, `clear` its cases filter
        return rc1_subset(
            hmi,
            release,
            "clear" if cases == "clear" else "all",
            "all",
            libya,
            "against-government" if cases == "against-government" else "all",
        )

    def table(release: str, cases: str, libya: str, comparison: str, outcome: str) -> dict:
        if comparison not in HMI_COMPARISONS:
            raise ValueError(f"unknown comparison {comparison!r}; known: {sorted(HMI_COMPARISONS)}")
        if outcome not in HMI_OUTCOMES:
            raise ValueError(f"unknown outcome {outcome!r}; known: {sorted(HMI_OUTCOMES)}")
        h = frame(release, cases, libya)
        col = HMI_OUTCOMES[outcome][0]
        ma, mb = HMI_COMPARISONS[comparison][2](h)
        ma, mb = ma.fillna(False).to_numpy(dtype=bool), mb.fillna(False).to_numpy(dtype=bool)
        y = h[col].astype("boolean")
        coded = y.notna().to_numpy()
        yy = y.fillna(False).to_numpy(dtype=bool)
        a_ids = sorted(h.loc[ma & coded, "case_id"].astype(str))
        b_ids = sorted(h.loc[mb & coded, "case_id"].astype(str))
        return {
            "a": int((yy & ma & coded).sum()),
            "n1": int((ma & coded).sum()),
            "c": int((yy & mb & coded).sum()),
            "n2": int((mb & coded).sum()),
            "n_outcome_missing": int(((ma | mb) & ~coded).sum()),
            "a_cases": a_ids,
            "b_cases": b_ids,
            "a_events": sorted(h.loc[ma & coded & yy, "case_id"].astype(str)),
            "b_events": sorted(h.loc[mb & coded & yy, "case_id"].astype(str)),
        }

    def spec(release: str, cases: str, libya: str, comparison: str, outcome_measure: str) -> StatResult:
        t = table(release, cases, libya, comparison, outcome_measure)
        method = (
            f"risk difference ({HMI_COMPARISONS[comparison][0]} minus {HMI_COMPARISONS[comparison][1]}) of: "
            f"{HMI_OUTCOMES[outcome_measure][1]}; Newcombe 95% interval; Fisher's exact test, one-sided "
            f"({alt_s} for support, {alt_c} for contradiction)"
        )
        n = t["n1"] + t["n2"]
        key = sample_key(t["a_cases"] + ["|"] + t["b_cases"], t["a_events"], t["b_events"])
        if t["n1"] == 0 or t["n2"] == 0:
            return StatResult(method=method, n=n, reason="a comparison group is empty", extra={**t, "sample_key": key})
        rd, lo, hi = newcombe_diff_ci_many(t["a"], t["n1"], t["c"], t["n2"], alpha)
        ps = fisher_p_many(t["a"], t["n1"] - t["a"], t["c"], t["n2"] - t["c"], alt_s)[0]
        pc = fisher_p_many(t["a"], t["n1"] - t["a"], t["c"], t["n2"] - t["c"], alt_c)[0]
        reason = None
        if np.isnan(ps):
            reason = "no variation in the outcome (every intervention has it, or none)"
        return StatResult(
            method=method,
            estimate=float(rd),
            ci_low=float(lo),
            ci_high=float(hi),
            p_value=None if np.isnan(ps) else float(ps),
            n=n,
            reason=reason,
            extra={**t, "p_value_contradict": None if np.isnan(pc) else float(pc), "sample_key": key},
        )

    curve = run_curve(claim, spec, extra_cols=["p_value_contradict", "sample_key"])
    prim = spec(**claim.primary)
    p = claim.primary
    per = {}
    for rel in claim.dims["release"]:
        per[rel] = table(rel, "all", "include", p["comparison"], p["outcome_measure"])
    return ClaimOutput(
        curve=curve,
        primary_detail=json_safe(
            {
                "result": prim.to_dict(),
                "groups": list(HMI_COMPARISONS[p["comparison"]][:2]),
                "outcome": HMI_OUTCOMES[p["outcome_measure"]][1],
            }
        ),
        details=json_safe({"tables_by_release": per}),
        limitations=[
            f"{prim.extra.get('n_outcome_missing', 0)} intervention(s) in the compared groups "
            "have the outcome not coded by PRIF and are left out."
        ],
    )

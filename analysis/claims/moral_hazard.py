"""Moral-hazard claims MH1-MH4: who killed before interventions, onsets after 2005,
demonstration effects, and rebel one-sided violence around intervention starts.

Brozus (2012) holds that anti-regime forces virtually never incite mass atrocities to
provoke intervention and that R2P does not encourage risk-taking by rebels. The four
tests below look at that from different sides; each evaluates its full specification
curve (config/claims.yaml) and leaves the verdict to the framework.

MH1  (`mh1_order`) Did a rebel armed challenge precede the government side's killing of
     civilians? Sides come from the committed actor-side coding
     (config/coding/ucdp_osv_actor_sides.csv, `analysis.actor_sides`); see the function.
MH2, MH5, MH6, AO1-AO3  (`onset_break_projected`) Onsets per year after a break year
     against the projection of the years before it (`analysis.stats.projected_break`),
     one claim per break year; Poisson or NB2 chosen by the declared dispersion check.
MH3  Country-years within `window` years after an HMI start in the same region (years
     s+1 .. s+window; the target country's own years s .. s+window are dropped from the
     sample) vs all other country-years; risk ratio with a percentile interval from a
     cluster bootstrap (the Katz interval beside it); a placebo design check on
     interventions against rebels. n = exposed country-years.
MH4  (`mh4_event_study`) One-sided deaths by rebel-coded actors (or, as a specification,
     all non-state actors) in the target country in the k years before vs the k years
     after the start (start year left out), by the intervention's side; ratio of yearly rates summed over
     interventions, percentile interval from an intervention-level bootstrap (2,000
     resamples seeded by the spec seed).

Attribution of one-sided deaths to countries is the panel's (`analysis.panel.osv_vars`,
built on `osv_locations`): a government's deaths count in its own state when that is
among the listed locations; other multi-location actor-years are split equally.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from .. import ROOT
from ..crosswalk import Mapper
from ..panel import hmi_gwcodes, osv_vars, region_of
from ..stats import (
    DesignCache,
    LogitData,
    StatResult,
    binom_test_many,
    curve_records,
    json_safe,
    plain_loop_active,
    proportion_ci_many,
    risk_ratio,
    spec_curve,
    step_seed,
)
from . import Claim, ClaimOutput, Data, primary_row, published, run_curve

UCDP_OSV_FIRST = 1989  # UCDP one-sided violence starts in 1989
MH1_FIRST_START = 1990  # HMIs starting 1990 or later (brief)
N_BOOT = 2000
OSV_TABLES = {"25.1": "ucdp_onesided", "21.1": "ucdp_onesided_21"}
TARGET_LABELS = {0: "impartial", 1: "against government", 2: "against rebels"}


# =========================================================================== shared helpers


def make_mapper(data: Data) -> Mapper:
    """GW mapper from the processed crosswalk (COW and GW schemes need nothing else)."""
    return Mapper(data.table("crosswalk"))


def hmi_with_gw(hmi: pd.DataFrame, mapper: Mapper) -> pd.DataFrame:
    """HMI cases with the target's GW code and region (East Timor 1999 -> Indonesia), sorted.

    Cases whose target cannot be mapped to a GW state are dropped (none in PRIF 0.3/2019).
    """
    h = hmi.copy()
    h["gwcode"] = hmi_gwcodes(h, mapper)
    h = h.dropna(subset=["gwcode", "start_year"]).copy()
    h["gwcode"] = h["gwcode"].astype("int64")
    h["start_year"] = h["start_year"].astype("int64")
    h["target"] = h["target"].astype("Int64")
    h["region_gw"] = region_of(h["gwcode"]).astype(object)
    return h.sort_values(["release", "start_year", "case_id"], kind="mergesort").reset_index(drop=True)


def osv_country_year(osv: pd.DataFrame, mapper: Mapper) -> pd.DataFrame:
    """One-sided deaths per (gwcode, year), government vs non-state, best and high.

    Exactly the panel's attribution (`analysis.panel.osv_vars`). Columns gwcode, year,
    gov_best, gov_high, ns_best, ns_high (zero where an actor type has no deaths).
    """
    d = osv_vars(osv, mapper)
    d = d.rename(
        columns={
            "osv_gov_best": "gov_best",
            "osv_gov_high": "gov_high",
            "osv_nonstate_best": "ns_best",
            "osv_nonstate_high": "ns_high",
        }
    )
    for c in ("gov_best", "gov_high", "ns_best", "ns_high"):
        d[c] = pd.to_numeric(d[c]).fillna(0.0).astype(float)
    d["gwcode"] = d["gwcode"].astype("int64")
    d["year"] = d["year"].astype("int64")
    return d.sort_values(["gwcode", "year"]).reset_index(drop=True)


_INDEX: dict[int, tuple[Any, dict]] = {}


def _osv_index(osv_cy: pd.DataFrame) -> dict:
    """{column: {(gwcode, year): value}} for fast window sums (memoised per DataFrame object)."""
    key = id(osv_cy)
    hit = _INDEX.get(key)
    if hit is not None and hit[0] is osv_cy:
        return hit[1]
    keys = list(zip(osv_cy["gwcode"].astype(int), osv_cy["year"].astype(int)))
    idx = {c: dict(zip(keys, osv_cy[c].astype(float))) for c in osv_cy.columns if c not in ("gwcode", "year")}
    if len(_INDEX) >= 8:  # bounded memo: a few tables per run
        _INDEX.clear()
    _INDEX[key] = (osv_cy, idx)
    return idx


def window_sum(osv_cy: pd.DataFrame, gwcode: int, y0: int, y1: int, col: str) -> float:
    """Sum of `col` for one country over years y0..y1 inclusive (0 when no rows)."""
    if plain_loop_active():  # the reference loop: filter the table (the index is work shared between specs)
        m = (osv_cy["gwcode"] == int(gwcode)) & osv_cy["year"].between(int(y0), int(y1))
        return float(osv_cy.loc[m, col].sum())
    d = _osv_index(osv_cy)[col]
    g = int(gwcode)
    return float(sum(d.get((g, y), 0.0) for y in range(int(y0), int(y1) + 1)))


def releases_note(hmi: pd.DataFrame, claim_id: str) -> str:
    """Whether PRIF 0.3 and 2019 agree on case, target country, start year and target (computed)."""
    cols = ["case_id", "gwcode", "start_year", "target"]
    a = hmi.loc[hmi["release"] == "0.3", cols].astype(str).apply(tuple, axis=1)
    b = hmi.loc[hmi["release"] == "2019", cols].astype(str).apply(tuple, axis=1)
    diff = set(a) ^ set(b)
    if not diff:
        return (
            f"PRIF releases 0.3 and 2019 agree on the cases, target countries, start years and targets used here "
            f"({len(set(a))} interventions), so the release dimension does not change {claim_id}."
        )
    return (
        f"PRIF releases 0.3 and 2019 differ in {len(diff)} (case, country, start year, target) records; the "
        "release dimension gives the effect."
    )


def _result(method: str, reason: str | None = None, **kw: Any) -> StatResult:
    extra = kw.pop("extra", {})
    return StatResult(method=method, reason=reason, extra=extra, **kw)


def _dict(r: StatResult) -> dict:
    return json_safe(r.to_dict())


def _records(df: pd.DataFrame) -> list[dict]:
    return json_safe(df.astype(object).where(pd.notna(df), None).to_dict("records"))


# =========================================================================== MH1


def mh1_case_table(
    cases: pd.DataFrame,
    osv_cy: pd.DataFrame,
    k: int,
    include_start: bool,
    estimate: str,
    first: int = UCDP_OSV_FIRST,
    last: int = 2024,
    first_start: int = MH1_FIRST_START,
) -> pd.DataFrame:
    """Per-HMI government and non-state one-sided deaths before the start.

    Window: s-k .. s-1 (or s-k .. s with `include_start`). `covered` is True when the
    HMI starts in `first_start` or later, s-k >= `first` and the window ends by `last`.
    `mainly_nonstate` = non-state deaths > government deaths (ties are not);
    `zero_osv` = no one-sided deaths at all in the window.
    """
    s = cases["start_year"].to_numpy(dtype=np.int64)
    gw = cases["gwcode"].to_numpy(dtype=np.int64)
    y0 = s - int(k)
    y1 = s if include_start else s - 1
    covered = (s >= first_start) & (y0 >= first) & (y1 <= last)
    gov, ns = np.full(len(s), np.nan), np.full(len(s), np.nan)  # NaN where the window is not covered
    gov[covered] = _window_sums(osv_cy, f"gov_{estimate}", gw[covered], y0[covered], y1[covered])
    ns[covered] = _window_sums(osv_cy, f"ns_{estimate}", gw[covered], y0[covered], y1[covered])
    tgt = [None if pd.isna(t) else int(t) for t in cases["target"]]
    return pd.DataFrame(
        {
            "case_id": cases["case_id"].to_numpy(),
            "target": pd.array(tgt, dtype=object),
            "target_label": [TARGET_LABELS.get(t) for t in tgt],
            "gwcode": gw,
            "start_year": s,
            "window": [f"{a}-{b}" for a, b in zip(y0.tolist(), y1.tolist())],
            "covered": covered,
            "gov_deaths": gov,
            "nonstate_deaths": ns,
            "mainly_nonstate": covered & (ns > gov),
            "zero_osv": covered & (gov == 0) & (ns == 0),
        }
    )


CASE_COLUMNS = ["case_id", "target", "gwcode", "start_year"]


def release_cases(hmi: pd.DataFrame, release: str) -> pd.DataFrame:
    """The HMIs of one PRIF release, with the columns the per-case tables read."""
    return hmi.loc[hmi["release"] == release, CASE_COLUMNS]


def _window_sums(osv_cy: pd.DataFrame, col: str, gw: np.ndarray, y0: np.ndarray, y1: np.ndarray) -> np.ndarray:
    """Vectorised `window_sum` for many (gwcode, y0, y1): cumulative sums on a dense
    country x year grid (memoised with the `_osv_index` of the same table); the plain
    loop sums each window by filtering the table (`window_sum`)."""
    if plain_loop_active():
        return np.array(
            [window_sum(osv_cy, g, a, b, col) for g, a, b in zip(gw.tolist(), y0.tolist(), y1.tolist())], dtype=float
        )
    idx = _osv_index(osv_cy)
    key = ("_grid", col)
    if key not in idx:
        codes = np.unique(osv_cy["gwcode"].to_numpy(dtype=np.int64))
        ymin, ymax = int(osv_cy["year"].min()), int(osv_cy["year"].max())
        grid = np.zeros((len(codes), ymax - ymin + 1))
        gi = np.searchsorted(codes, osv_cy["gwcode"].to_numpy(dtype=np.int64))
        np.add.at(grid, (gi, osv_cy["year"].to_numpy(dtype=np.int64) - ymin), osv_cy[col].to_numpy(dtype=float))
        idx[key] = (codes, ymin, ymax, np.concatenate([np.zeros((len(codes), 1)), grid.cumsum(axis=1)], axis=1))
    codes, ymin, ymax, cum = idx[key]
    pos = np.searchsorted(codes, gw)
    known = (pos < len(codes)) & (codes[np.minimum(pos, len(codes) - 1)] == gw)
    a = np.clip(y0 - ymin, 0, ymax - ymin + 1)
    b = np.clip(y1 - ymin + 1, 0, ymax - ymin + 1)
    rows = np.minimum(pos, len(codes) - 1)
    out = np.where(b > a, cum[rows, b] - cum[rows, a], 0.0)
    return np.where(known, out, 0.0)


# =========================================================================== MH2

ONSET_COLS = {
    ("intrastate-and-internationalized", "new"): "intra_onset_new",
    ("intrastate-and-internationalized", "new-or-recurrence"): "intra_onset_any",
    ("intrastate", "new"): "intra3_onset_new",
    ("intrastate", "new-or-recurrence"): "intra3_onset_any",
}


def parse_years(years: str) -> tuple[int, int]:
    a, b = years.split("-")
    return int(a), int(b)


def world_onset_series(cy: pd.DataFrame, col: str, y0: int, y1: int) -> pd.DataFrame:
    """Per year: number of country-years with an onset (`col`) and of system members."""
    d = cy.loc[(cy["year"] >= y0) & (cy["year"] <= y1), ["year", col]]
    d = d.assign(_on=d[col].fillna(False).astype(bool).astype("int64"))
    g = d.groupby("year")
    out = pd.DataFrame({"onsets": g["_on"].sum().astype("int64"), "members": g.size().astype("int64")}).reset_index()
    return out.sort_values("year").reset_index(drop=True)


def lagged_active(cy: pd.DataFrame, col: str = "intra_active") -> pd.Series:
    """`col` in the same country's previous calendar year (False when no previous row)."""
    d = cy[["gwcode", "year", col]].sort_values(["gwcode", "year"])
    prev = d.groupby("gwcode")[col].shift(1)
    prev_year = d.groupby("gwcode")["year"].shift(1)
    lag = prev.where(prev_year == d["year"] - 1).fillna(False).astype(bool)
    return lag.reindex(cy.index)


def count_model_result(full: StatResult, model: str) -> StatResult:
    """The StatResult for `model` ("poisson"/"negbin") from a fit that reports all alternatives."""
    if full.reason is not None or full.extra.get("model_used") == model:
        return full
    alt = full.extra["alternatives"][model]
    method = full.method.replace(f": {full.extra['model_used']},", f": {model},")
    extra = dict(full.extra, model_used=model)
    if alt["rr"] is None:
        return StatResult(method=method, n=full.n, reason=f"{model} fit did not converge", extra=extra)
    warns = [f"negative binomial alpha at its lower bound: NB = Poisson ({alt['note']})"] if alt.get("note") else []
    return StatResult(
        method=method,
        estimate=alt["rr"],
        ci_low=alt["ci_low"],
        ci_high=alt["ci_high"],
        p_value=alt["p_value"],
        n=full.n,
        warnings=warns,
        extra=extra,
    )


def logit_or(ld: LogitData, term: str, alpha: float) -> StatResult:
    """Fit and report exp(coef) of `term` as the estimate (odds ratio) with its interval."""
    r = ld.fit(term, alpha=alpha)
    method = r.method + f"; odds ratio of {term!r}"
    if r.reason is not None:
        return StatResult(method=method, n=r.n, reason=r.reason, warnings=r.warnings, extra=r.extra)
    ex = lambda v: math.exp(v) if abs(v) < 700 else None  # noqa: E731
    extra = dict(
        r.extra, log_odds=r.estimate, log_odds_ci_low=r.ci_low, log_odds_ci_high=r.ci_high, n_events=int(ld.y.sum())
    )
    return StatResult(
        method=method,
        estimate=ex(r.estimate),
        ci_low=ex(r.ci_low),
        ci_high=ex(r.ci_high),
        p_value=r.p_value,
        n=r.n,
        warnings=r.warnings,
        extra=extra,
    )


# =========================================================================== MH3


def exposure_sets(cy: pd.DataFrame, cases: pd.DataFrame, window: int) -> tuple[np.ndarray, np.ndarray, pd.DataFrame]:
    """(exposed, excluded) boolean arrays aligned with `cy`, and a per-HMI exposure table.

    exposed: a country in the same region as an HMI target, not the target itself, in
    one of the years s+1 .. s+window after the start s. excluded: the target country's
    own years s .. s+window (dropped from the comparison); exclusion wins over exposure.
    """
    gw = cy["gwcode"].to_numpy()
    yr = cy["year"].to_numpy()
    reg = cy["region"].astype(object).to_numpy()
    exposed = np.zeros(len(cy), dtype=bool)
    excluded = np.zeros(len(cy), dtype=bool)
    rows = []
    for r in cases[["case_id", "gwcode", "region_gw", "start_year"]].itertuples(index=False):
        s = int(r.start_year)
        e = (reg == r.region_gw) & (gw != r.gwcode) & (yr > s) & (yr <= s + window)
        x = (gw == r.gwcode) & (yr >= s) & (yr <= s + window)
        exposed |= e
        excluded |= x
        rows.append(
            {
                "case_id": r.case_id,
                "gwcode": int(r.gwcode),
                "region": r.region_gw,
                "start_year": s,
                "exposed_country_years": int(e.sum()),
            }
        )
    return exposed & ~excluded, excluded, pd.DataFrame(rows)


def exposure_episodes(cy: pd.DataFrame, cases: pd.DataFrame, window: int) -> np.ndarray:
    """For each country-year, the index of the first HMI (in `cases` order) whose window
    exposes it (-1 where none does): the cluster of an exposed country-year."""
    gw = cy["gwcode"].to_numpy()
    yr = cy["year"].to_numpy()
    reg = cy["region"].astype(object).to_numpy()
    ep = np.full(len(cy), -1, dtype=np.int64)
    for i, r in enumerate(cases[["gwcode", "region_gw", "start_year"]].itertuples(index=False)):
        s = int(r.start_year)
        e = (reg == r.region_gw) & (gw != r.gwcode) & (yr > s) & (yr <= s + window) & (ep < 0)
        ep[e] = i
    return ep


def cluster_bootstrap_rr(
    y: np.ndarray,
    exposed: np.ndarray,
    cluster_exposed: np.ndarray,
    cluster_unexposed: np.ndarray,
    n_boot: int,
    seed: int,
    alpha: float,
) -> dict:
    """Percentile interval of the risk ratio (exposed vs unexposed) from a cluster bootstrap:
    exposed rows resampled by their exposure episode, unexposed rows by country, each
    stratum with replacement (so the interval reflects how few episodes carry the exposure)."""
    y = np.asarray(y, dtype=float)
    out = {"n_boot": n_boot, "seed": int(seed)}
    sums = []
    for mask, cl in ((exposed, cluster_exposed), (~exposed, cluster_unexposed)):
        codes, inv = np.unique(cl[mask], return_inverse=True)
        ev = np.bincount(inv, weights=y[mask], minlength=len(codes))
        nn = np.bincount(inv, minlength=len(codes)).astype(float)
        sums.append((ev, nn))
    (e1, n1), (e0, n0) = sums
    out.update(n_clusters_exposed=int(len(e1)), n_clusters_unexposed=int(len(e0)))
    rng = np.random.default_rng(int(seed))
    w1 = rng.multinomial(len(e1), np.full(len(e1), 1 / len(e1)), size=n_boot)
    w0 = rng.multinomial(len(e0), np.full(len(e0), 1 / len(e0)), size=n_boot)
    with np.errstate(divide="ignore", invalid="ignore"):
        r = ((w1 @ e1) / (w1 @ n1)) / ((w0 @ e0) / (w0 @ n0))
    r = r[np.isfinite(r) & (r > 0)]
    out["n_boot_used"] = int(len(r))
    if len(r) < 0.9 * n_boot:
        out.update(ci_low=None, ci_high=None, reason="too many resamples without events")
        return out
    lo, hi = np.quantile(r, [alpha / 2, 1 - alpha / 2])
    out.update(ci_low=float(lo), ci_high=float(hi))
    return out


def mh3_outcome(cy: pd.DataFrame, outcome: str) -> pd.Series:
    """0/1 outcome (float, NaN where not covered): onset or rebel one-sided violence (1989+)."""
    if outcome == "onset":
        return cy["intra_onset_new"].astype("Float64").astype(float)
    v = pd.to_numeric(cy["osv_nonstate_best"]).astype("Float64")
    return (v > 0).astype("Float64").where(v.notna()).astype(float)


MH3_N_BOOT = 1999


def mh3_demonstration(claim: Claim, data: Data) -> ClaimOutput:
    cy = data.table("country_year").sort_values(["gwcode", "year"]).reset_index(drop=True)
    mapper = make_mapper(data)
    hmi = hmi_with_gw(data.table("hmi_cases"), mapper)
    lag_active = lagged_active(cy).to_numpy()
    cache = DesignCache()
    target_of = {"hmi-against-government": 1, "hmi-against-rebels-placebo": 2}

    def cases(release, interventions):
        h = hmi[(hmi["release"] == release) & (hmi["target"] == target_of[interventions])]
        return h.reset_index(drop=True)

    def exposure(release, interventions, window):
        return cache.get(
            ("exp", release, interventions, window),
            lambda: exposure_sets(cy, cases(release, interventions), int(window)),
        )

    def outcome_y(outcome):
        return cache.get(("y", outcome), lambda: mh3_outcome(cy, outcome).to_numpy())

    def sample(window, outcome_measure, interventions, release, at_risk_only=False):
        exposed, excluded, _ = exposure(release, interventions, window)
        y = outcome_y(outcome_measure)
        last = int(hmi.loc[hmi["release"] == release, "start_year"].max()) + int(window)
        keep = ~np.isnan(y) & ~excluded & (cy["year"].to_numpy() <= last)
        if at_risk_only:
            keep &= ~lag_active
        return y, exposed, keep, last

    gwc = cy["gwcode"].to_numpy()

    def fn(window, outcome_measure, interventions, release, at_risk_only=False):
        y, exposed, keep, last = sample(window, outcome_measure, interventions, release, at_risk_only)
        e, u = keep & exposed, keep & ~exposed
        a, n1, c, n2 = int(y[e].sum()), int(e.sum()), int(y[u].sum()), int(u.sum())
        r = risk_ratio(a, n1, c, n2, alpha=claim.alpha)
        extra = dict(
            r.extra,
            n_total=n1 + n2,
            n_exposed=n1,
            sample_last_year=last,
            sample_first_year=int(cy["year"].to_numpy()[keep].min()) if keep.any() else None,
        )
        if n1 == 0:
            return StatResult(method=r.method, n=0, reason="no exposed country-years", extra=extra)
        ep = cache.get(
            ("episodes", release, interventions, int(window)),
            lambda: exposure_episodes(cy, cases(release, interventions), int(window)),
        )
        import hashlib

        skey = hashlib.sha256(
            b"|".join(
                [
                    outcome_measure.encode(),
                    np.packbits(keep).tobytes(),
                    np.packbits(exposed & keep).tobytes(),
                    ep[keep].tobytes(),
                ]
            )
        ).hexdigest()[:16]
        boot = cluster_bootstrap_rr(
            y[keep], exposed[keep], ep[keep], gwc[keep], MH3_N_BOOT, step_seed(claim.id, "cluster", skey), claim.alpha
        )
        extra.update(katz_ci_low=r.ci_low, katz_ci_high=r.ci_high, cluster_bootstrap=boot, sample_key=skey)
        method = (
            "risk ratio on country-year counts; 95% percentile interval from a cluster bootstrap (exposed "
            "country-years resampled by exposure episode, unexposed by country)"
        )
        return StatResult(
            method=method,
            estimate=r.estimate,
            ci_low=boot.get("ci_low"),
            ci_high=boot.get("ci_high"),
            p_value=r.p_value,
            n=n1,
            reason=r.reason or boot.get("reason"),
            warnings=r.warnings,
            extra=extra,
        )

    curve = run_curve(claim, fn, extra_cols=["sample_key"])
    p = claim.primary
    prim = fn(**p)
    risk_set = fn(**p, at_risk_only=True)
    y, exposed, keep, last = sample(**p)
    yy, ee = y[keep], exposed[keep].astype(float)
    yrs = cy["year"].to_numpy()[keep]
    X = pd.DataFrame({"exposed": ee, "trend_decades": (yrs - 2000) / 10.0})
    lg = logit_or(LogitData(yy, X, cy["gwcode"].to_numpy()[keep]), "exposed", claim.alpha)
    _, _, per_case = exposure(p["release"], p["interventions"], p["window"])
    placebo = fn(**dict(p, interventions="hmi-against-rebels-placebo"))
    checks = {
        "placebo": {
            "passed": None if placebo.ci_low is None else bool(placebo.ci_low <= 1.0 <= placebo.ci_high),
            "detail": (
                f"placebo risk ratio {placebo.estimate:.2f} (cluster-bootstrap 95% interval {placebo.ci_low:.2f} to "
                f"{placebo.ci_high:.2f}; with country-years treated as independent, Katz interval "
                f"{placebo.extra['katz_ci_low']:.2f} to {placebo.extra['katz_ci_high']:.2f}; primary "
                f"{prim.estimate:.2f})"
                if placebo.ci_low is not None
                else f"placebo not estimable: {placebo.reason}"
            ),
            "estimate": placebo.estimate,
            "ci_low": placebo.ci_low,
            "ci_high": placebo.ci_high,
        }
    }
    # The placebo beside the curve (registry revision of 2026-11-25): the same window,
    # outcome and release choices with interventions against rebels; not counted.
    placebo_dims = {d: list(o) for d, o in claim.dims.items()}
    placebo_dims["interventions"] = ["hmi-against-rebels-placebo"]
    placebo_curve = spec_curve(placebo_dims, fn, key=f"claims/{claim.id}/placebo")
    primary_detail = {
        "result": _dict(prim),
        "exposure_rule": f"exposed = country-years in years s+1 .. s+{p['window']} after the start s of an HMI against a "
        "government whose target is in the same region (GW-code regions), the target itself excluded; "
        "the target's own years s .. s+window are dropped from the sample",
        "sample": f"country-years with the outcome observed up to {last} (last HMI start in the release + window)",
        "estimator": (
            "risk ratio on country-year counts; percentile interval from a cluster bootstrap (exposed "
            "country-years by exposure episode, unexposed by country); the Katz interval, which treats "
            "country-years as independent, is kept in the extras"
        ),
        "risk_set_no_conflict_previous_year": _dict(risk_set),
        "clustered_logit_exposed_with_trend": _dict(lg),
        "placebo_against_rebels_same_choices": _dict(placebo),
        "placebo_curve": {
            "note": "Interventions against rebels (PRIF target = rebels) in place of those against governments, over "
            "the curve's other choices. A demonstration effect specific to interventions against governments "
            "predicts no comparable rise here. Not counted in the robustness share.",
            "specifications": [
                {
                    **{d: r[d] for d in placebo_dims},
                    "estimate": r["estimate"],
                    "ci_low": r["ci_low"],
                    "ci_high": r["ci_high"],
                    "n": r["n"],
                    "reason": r["reason"],
                }
                for r in curve_records(placebo_curve)
            ],
        },
    }
    details = {"exposure_per_intervention_primary": _records(per_case)}
    comparisons = published.comparisons(
        "demonstration",
        {
            "demonstration": f"risk ratio {prim.estimate:.2f} (95% CI {prim.ci_low:.2f}-{prim.ci_high:.2f}), {prim.n} exposed country-years"
            if prim.estimate is not None
            else f"not estimable: {prim.reason}",
        },
    )

    lim = [
        f"Exposure comes from {len(per_case)} HMIs against governments; the interval resamples exposure episodes, "
        "so it is wide: few episodes carry the comparison.",
        "Rebel one-sided violence is observed only from 1989 (UCDP).",
        "The placebo (interventions against rebels) is a declared design check: if its interval excludes 1, the "
        "design picks up regional or period confounding and the verdict is inconclusive.",
        releases_note(hmi, claim.id),
    ]
    return ClaimOutput(
        curve=curve,
        primary_detail=json_safe(primary_detail),
        details=details,
        comparisons=json_safe(comparisons),
        limitations=lim,
        checks=json_safe(checks),
    )


# =========================================================================== MH4


def event_windows(
    cases: pd.DataFrame, osv_cy: pd.DataFrame, k: int, col: str, first: int = UCDP_OSV_FIRST, last: int = 2024
) -> pd.DataFrame:
    """Per HMI with coverage (s >= first + 1, s - k >= first, s + 1 <= last): deaths and
    years in the k years before (s-k .. s-1) and after (s+1 .. min(s+k, last))."""
    rows = []
    for r in cases[CASE_COLUMNS].itertuples(index=False):
        s = int(r.start_year)
        if s < first + 1 or s - k < first or s + 1 > last:
            continue
        a1 = min(s + k, last)
        rows.append(
            {
                "case_id": r.case_id,
                "target": None if pd.isna(r.target) else int(r.target),
                "gwcode": int(r.gwcode),
                "start_year": s,
                "before": window_sum(osv_cy, int(r.gwcode), s - k, s - 1, col),
                "years_before": k,
                "after": window_sum(osv_cy, int(r.gwcode), s + 1, a1, col),
                "years_after": a1 - s,
            }
        )
    cols = ["case_id", "target", "gwcode", "start_year", "before", "years_before", "after", "years_after"]
    return pd.DataFrame(rows, columns=cols)


def before_after_ratio(before: np.ndarray, yb: np.ndarray, after: np.ndarray, ya: np.ndarray) -> float:
    """(sum before / years before) / (sum after / years after); inf if no deaths after, nan if none at all."""
    rb = before.sum() / yb.sum()
    ra = after.sum() / ya.sum()
    if ra == 0:
        return math.inf if rb > 0 else math.nan
    return float(rb / ra)


def bootstrap_ratio(
    before: np.ndarray, yb: np.ndarray, after: np.ndarray, ya: np.ndarray, n_boot: int, seed: int, alpha: float
) -> dict:
    """Intervention-level bootstrap of the before/after ratio: percentile interval and p.

    Resamples interventions with replacement (numpy default_rng(seed)). Resamples with
    no deaths at all (0/0) are dropped and counted; those with no deaths after give an
    infinite ratio (kept: they push the upper bound up). p = 2 * min((1 + #{r <= 1}),
    (1 + #{r >= 1})) / (m + 1), capped at 1, with m usable resamples (a percentile-
    bootstrap test of ratio = 1; never below 2 / (m + 1)).
    """
    before, yb, after, ya = (np.asarray(v, dtype=float) for v in (before, yb, after, ya))
    n = len(before)
    rng = np.random.default_rng(int(seed))
    idx = rng.integers(0, n, size=(n_boot, n))
    rb = before[idx].sum(axis=1) / yb[idx].sum(axis=1)
    ra = after[idx].sum(axis=1) / ya[idx].sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        r = np.where(ra > 0, rb / np.where(ra > 0, ra, 1.0), np.where(rb > 0, np.inf, np.nan))
    ok = ~np.isnan(r)
    rv = np.sort(r[ok])
    m = len(rv)
    out = {
        "n_boot": n_boot,
        "seed": int(seed),
        "n_dropped_zero_zero": int((~ok).sum()),
        "n_infinite": int(np.isinf(rv).sum()),
    }
    if m == 0:
        return dict(out, ci_low=None, ci_high=None, p_value=None)

    def q(prob: float) -> float:
        # linear-interpolation percentile that tolerates +inf in the upper tail
        h = (m - 1) * prob
        lo, hi = int(math.floor(h)), int(math.ceil(h))
        if math.isinf(rv[hi]):
            return math.inf
        return float(rv[lo] + (h - lo) * (rv[hi] - rv[lo]))

    p = min(1.0, 2 * min(1 + int((rv <= 1).sum()), 1 + int((rv >= 1).sum())) / (m + 1))
    return dict(out, ci_low=q(alpha / 2), ci_high=q(1 - alpha / 2), p_value=p)


def mh4_event_study(claim: Claim, data: Data) -> ClaimOutput:
    mapper = make_mapper(data)
    hmi = hmi_with_gw(data.table("hmi_cases"), mapper)
    raw = data.table("ucdp_onesided")
    osv = osv_country_year(raw, mapper)
    first, last = max(UCDP_OSV_FIRST, int(raw["year"].min())), int(raw["year"].max())
    cache = DesignCache()

    def windows(k, ucdp_estimate, release):
        return cache.get(
            ("w", k, ucdp_estimate, release),
            lambda: event_windows(
                cache.get(("cases", release), lambda: release_cases(hmi, release)),
                osv,
                int(k),
                f"ns_{ucdp_estimate}",
                first,
                last,
            ),
        )

    def select(w, targets):
        code = {"against-government": 1, "against-rebels": 2, "impartial": 0}.get(targets)
        if targets == "all":
            return w
        if code is None:
            raise ValueError(f"unknown targets option {targets!r}")
        return w[w["target"] == code]

    def rebel_windows(k, ucdp_estimate, release):
        """Event windows of the deaths caused by actors coded `rebel` for the case (the committed
        coding table config/coding/ucdp_osv_actor_sides.csv), instead of all non-state actors."""

        def build():
            from ..actor_sides import case_actor_years, case_table, load_actor_sides, with_sides

            sides = cache.get(
                "sides", lambda: load_actor_sides(ROOT / "config" / "coding" / "ucdp_osv_actor_sides.csv")
            )
            linked = cache.get(
                "linked",
                lambda: with_sides(
                    case_actor_years(case_table(data.table("hmi_cases"), mapper), {"25.1": raw}, mapper), sides
                ),
            )
            reb = linked[linked["side"] == "rebel"]
            per = reb.groupby(["case_id", "year"])[ucdp_estimate].sum()
            cases = cache.get(("cases", release), lambda: release_cases(hmi, release))
            rows = []
            for r in cases[CASE_COLUMNS].itertuples(index=False):
                s = int(r.start_year)
                if s < first + 1 or s - int(k) < first or s + 1 > last:
                    continue
                a1 = min(s + int(k), last)

                def tot(y0, y1, cid=r.case_id):
                    return float(sum(per.get((cid, y), 0.0) for y in range(y0, y1 + 1)))

                rows.append(
                    {
                        "case_id": r.case_id,
                        "target": None if pd.isna(r.target) else int(r.target),
                        "gwcode": int(r.gwcode),
                        "start_year": s,
                        "before": tot(s - int(k), s - 1),
                        "years_before": int(k),
                        "after": tot(s + 1, a1),
                        "years_after": a1 - s,
                    }
                )
            return pd.DataFrame(
                rows,
                columns=["case_id", "target", "gwcode", "start_year", "before", "years_before", "after", "years_after"],
            )

        return cache.get(("rw", k, ucdp_estimate, release), build)

    method = (
        f"ratio of yearly non-state one-sided death rates, k years before / after the start (start year "
        f"excluded), summed over interventions; percentile interval from {N_BOOT} intervention-level bootstrap "
        "resamples (seeded by the spec seed)"
    )

    def fn(k, ucdp_estimate, release, targets, seed, actors="non-state"):
        if actors == "rebel-coded":
            w = select(rebel_windows(k, ucdp_estimate, release), targets)
        elif actors == "non-state":
            w = select(windows(k, ucdp_estimate, release), targets)
        else:
            raise ValueError(f"unknown actors option {actors!r}")
        n = len(w)
        label = "rebel" if actors == "rebel-coded" else "non-state"
        extra = {
            "total_before": float(w["before"].sum()),
            "total_after": float(w["after"].sum()),
            "n_zero_before": int((w["before"] == 0).sum()),
            "n_zero_after": int((w["after"] == 0).sum()),
        }
        if n == 0:
            return _result(method, "no HMI with UCDP coverage", n=0, extra=extra)
        est = before_after_ratio(*(w[c].to_numpy(float) for c in ("before", "years_before", "after", "years_after")))
        if math.isnan(est):
            return _result(method, f"no {label} one-sided deaths before or after any start", n=n, extra=extra)
        if math.isinf(est):
            return _result(
                method, f"no {label} one-sided deaths after the starts: the ratio is infinite", n=n, extra=extra
            )
        if est == 0:
            return _result(
                method,
                f"no {label} one-sided deaths before the starts: the ratio is 0 and the bootstrap interval degenerate",
                n=n,
                estimate=0.0,
                extra=extra,
            )
        bs = bootstrap_ratio(w["before"], w["years_before"], w["after"], w["years_after"], N_BOOT, seed, claim.alpha)
        extra.update(bootstrap=bs)
        if bs["ci_high"] is None or math.isinf(bs["ci_high"]):
            return _result(
                method,
                "bootstrap upper bound infinite (resamples without deaths after the start)",
                n=n,
                estimate=est,
                ci_low=bs["ci_low"],
                extra=extra,
            )
        return _result(
            method,
            None,
            estimate=est,
            ci_low=bs["ci_low"],
            ci_high=bs["ci_high"],
            p_value=bs["p_value"],
            n=n,
            extra=extra,
        )

    curve = run_curve(claim, fn)
    p = claim.primary
    prow = primary_row(curve.assign(outcome=None), claim)
    prim = fn(**p, seed=int(prow["seed"]))
    k = int(p["k"])
    rebel = p.get("actors", "non-state") == "rebel-coded"
    wfun = rebel_windows if rebel else windows
    w = select(wfun(p["k"], p["ucdp_estimate"], p["release"]), p["targets"])
    # event-time profile (-k..+k, including the start year 0), of all non-state actors
    prof = []
    for t in range(-k, k + 1):
        vals = []
        for r in w.itertuples(index=False):
            yr = r.start_year + t
            if first <= yr <= last:
                vals.append(window_sum(osv, r.gwcode, yr, yr, f"ns_{p['ucdp_estimate']}"))
        prof.append(
            {
                "event_time": t,
                "n_interventions": len(vals),
                "mean_deaths": float(np.mean(vals)) if vals else None,
                "median_deaths": float(np.median(vals)) if vals else None,
                "total_deaths": float(np.sum(vals)),
            }
        )
    loo = []
    arr = {c: w[c].to_numpy(float) for c in ("before", "years_before", "after", "years_after")}
    for i, r in enumerate(w.itertuples(index=False)):
        keep = np.arange(len(w)) != i
        loo.append(
            {
                "left_out": r.case_id,
                "ratio": before_after_ratio(
                    *(arr[c][keep] for c in ("before", "years_before", "after", "years_after"))
                ),
            }
        )
    by_target = []
    wall = wfun(p["k"], p["ucdp_estimate"], p["release"])
    for tg in (0, 1, 2):
        sub = wall[wall["target"] == tg]
        by_target.append(
            {
                "target": tg,
                "target_label": TARGET_LABELS[tg],
                "n": len(sub),
                "before": float(sub["before"].sum()),
                "after": float(sub["after"].sum()),
                "ratio": before_after_ratio(
                    *(sub[c].to_numpy(float) for c in ("before", "years_before", "after", "years_after"))
                )
                if len(sub)
                else None,
            }
        )
    primary_detail = {
        "result": _dict(prim),
        "interval": "percentile bootstrap over interventions (2,000 resamples, seed = the spec seed)",
        "n_zero_before": int((w["before"] == 0).sum()),
        "n_zero_after": int((w["after"] == 0).sum()),
        "n_zero_both": int(((w["before"] == 0) & (w["after"] == 0)).sum()),
        "largest_share_of_before": float(w["before"].max() / w["before"].sum()) if w["before"].sum() else None,
        "largest_share_of_after": float(w["after"].max() / w["after"].sum()) if w["after"].sum() else None,
        "leave_one_out_ratios": json_safe(loo),
    }
    details = {
        "per_intervention_primary": _records(w),
        "event_time_profile_primary": json_safe(prof),
        "by_target_primary": json_safe(by_target),
    }
    bt = {b["target"]: b for b in by_target}

    def rt(b):
        v = b["ratio"]
        if v is None or (isinstance(v, float) and math.isnan(v)):
            return "undefined (no non-state one-sided deaths before or after)"
        return "infinite (no deaths after)" if math.isinf(v) else f"{v:.2f}"

    comparisons = published.comparisons(
        "rebel-violence",
        {
            "wkg-direction": f"before/after ratio of non-state one-sided deaths ({k} years): against governments (rebels backed) "
            f"{rt(bt[1])} (n = {bt[1]['n']}); against rebels (rebels opposed) {rt(bt[2])} (n = {bt[2]['n']}); "
            f"impartial {rt(bt[0])} (n = {bt[0]['n']})",
            "kuperman-incitement": f"before/after ratio {prim.estimate:.2f} (95% CI {prim.ci_low:.2f}-{prim.ci_high:.2f}), n = {prim.n}"
            if prim.ci_high is not None
            else f"ratio {prim.estimate}, {prim.reason}",
        },
    )

    lim = [
        f"{len(w)} interventions in the primary specification; "
        f"{int(((w['before'] == 0) & (w['after'] == 0)).sum())} had no non-state one-sided deaths either side of the start.",
        "The ratio of summed deaths is dominated by the largest campaigns (see the leave-one-out ratios); the "
        "bootstrap interval is wide and can be unbounded when few interventions carry deaths after the start.",
        releases_note(hmi, claim.id),
    ]
    return ClaimOutput(
        curve=curve,
        primary_detail=json_safe(primary_detail),
        details=details,
        comparisons=json_safe(comparisons),
        limitations=lim,
    )


# =========================================================================== MH1 (the order of events)


def mh1_order(claim: Claim, data: Data) -> ClaimOutput:
    """Did a rebel armed challenge precede the government's killing of civilians?

    For each HMI whose window lies within UCDP's one-sided coverage: the government side's
    one-sided violence (actors coded `government` or `pro_government` for the case in the
    committed side coding) in the k years before the start (and the start year with
    `start_year: include`). Where there is any, its first year f is compared with UCDP/PRIO
    armed-conflict activity in the target country (`intra_active`): active in f-1 ->
    a rebel armed challenge preceded the killing; inactive in f-1 and f -> the government
    killed without a prior armed challenge; inactive in f-1 but active in f -> yearly data
    cannot order the two (left out, counted). Estimate: the share of orderable cases where
    a challenge preceded the killing, exact interval."""
    from ..actor_sides import case_actor_years, case_table, load_actor_sides, with_sides

    alpha = claim.alpha
    mapper = make_mapper(data)
    hmi = hmi_with_gw(data.table("hmi_cases"), mapper)
    cy = data.table("country_year")
    active = {(int(g), int(y)): bool(a) for g, y, a in zip(cy["gwcode"], cy["year"], cy["intra_active"].fillna(False))}
    sides = load_actor_sides(ROOT / "config" / "coding" / "ucdp_osv_actor_sides.csv")
    osv = {v: data.table(t) for v, t in OSV_TABLES.items()}
    cache = DesignCache()

    def government_years() -> dict:
        """(UCDP version, case) -> the years with government-side one-sided killing (the design:
        shared on the fast path, rebuilt per specification in the plain loop)."""

        def build() -> dict:
            linked = with_sides(case_actor_years(case_table(data.table("hmi_cases"), mapper), osv, mapper), sides)
            gov = linked[linked["side"].isin(["government", "pro_government"])]
            return gov.groupby(["version", "case_id"])["year"].apply(lambda s: sorted(set(int(y) for y in s))).to_dict()

        return cache.get("government-years", build)

    def table(k: int, start_year: str, osv_version: str, release: str, targets: str) -> pd.DataFrame:
        def build() -> pd.DataFrame:
            rows = []
            gov_years = government_years()
            for r in release_cases(hmi, release).itertuples(index=False):
                s = int(r.start_year)
                if s - int(k) < UCDP_OSV_FIRST:
                    continue
                tgt = None if pd.isna(r.target) else int(r.target)
                if targets == "against-government" and tgt != 1:
                    continue
                hi = s if start_year == "include" else s - 1
                ys = [y for y in gov_years.get((osv_version, r.case_id), []) if s - int(k) <= y <= hi]
                row = {
                    "case_id": r.case_id,
                    "target": tgt,
                    "gwcode": int(r.gwcode),
                    "start_year": s,
                    "first_government_killing": ys[0] if ys else None,
                }
                if not ys:
                    row["order"] = "no government killing in the window"
                else:
                    f = ys[0]
                    prior, same = active.get((int(r.gwcode), f - 1), False), active.get((int(r.gwcode), f), False)
                    row["order"] = (
                        "armed challenge first"
                        if prior
                        else "same year: cannot be ordered"
                        if same
                        else "government killing without a prior armed challenge"
                    )
                rows.append(row)
            return pd.DataFrame(
                rows, columns=["case_id", "target", "gwcode", "start_year", "first_government_killing", "order"]
            )

        return cache.get((int(k), start_year, osv_version, release, targets), build)

    method = (
        "share of cases where an armed challenge (UCDP/PRIO conflict activity in the year before) preceded the "
        "government side's first one-sided killing in the window; exact Clopper-Pearson interval; p: exact "
        "binomial test vs 0.5 (H1: p < 0.5)"
    )

    def fn(k, start_year, osv_version, release, targets) -> StatResult:
        t = table(k, start_year, osv_version, release, targets)
        orderable = t[t["order"].isin(["armed challenge first", "government killing without a prior armed challenge"])]
        first = orderable["order"] == "armed challenge first"
        counts = t["order"].value_counts().to_dict()
        extra = {
            "k": int(first.sum()),
            "counts": {str(a): int(b) for a, b in counts.items()},
            "sample_key": "|".join(f"{c}:{o}" for c, o in zip(t["case_id"], t["order"])),
        }
        if len(orderable) == 0:
            return _result(
                method,
                "no case can be ordered: yearly data cannot order the government's first killing "
                "and the armed challenge (or there was no government killing)",
                n=0,
                extra=extra,
            )
        lo, hi = proportion_ci_many(int(first.sum()), len(orderable), alpha)
        p = binom_test_many(int(first.sum()), len(orderable), 0.5, alternative="less")
        return _result(
            method,
            None,
            estimate=float(first.mean()),
            ci_low=float(np.ravel(lo)[0]),
            ci_high=float(np.ravel(hi)[0]),
            p_value=float(np.ravel(p)[0]),
            n=len(orderable),
            extra=extra,
        )

    curve = run_curve(claim, fn, extra_cols=["sample_key"])
    p = claim.primary
    prim = fn(**p)
    t = table(**p)
    counts = t["order"].value_counts().to_dict()
    primary_detail = {
        "result": _dict(prim),
        "cases": _records(t),
        "order_counts": {str(a): int(b) for a, b in counts.items()},
        "what_each_outcome_favours": {
            "armed challenge first": "required by moral hazard (Kuperman 2008) but also what ordinary "
            "counter-insurgency produces: consistent with both readings",
            "government killing without a prior armed challenge": "against the moral-hazard mechanism in "
            "that case (no rebel provocation came first)",
            "same year: cannot be ordered": "yearly data cannot tell; the daily order (UCDP GED) can",
            "no government killing in the window": "nothing to order",
        },
    }
    n_same = int(counts.get("same year: cannot be ordered", 0))
    n_none = int(counts.get("no government killing in the window", 0))
    lim = [
        (
            f"Primary: {len(t)} interventions in the window's coverage; {n_none} had no government-side one-sided killing "
            f"in the window and {n_same} cannot be ordered with yearly data (the conflict and the killing began in the "
            "same year); only the rest enter n."
        ),
        (
            "UCDP/PRIO conflict activity records an armed challenge of at least 25 battle deaths a year; it does not say "
            "who initiated the fighting (and GED does not code initiation either)."
        ),
        releases_note(hmi, claim.id),
    ]
    comparisons = published.comparisons(
        "order-of-events",
        {
            "order": f"{int(counts.get('armed challenge first', 0))} challenge first, "
            f"{int(counts.get('government killing without a prior armed challenge', 0))} government first, "
            f"{n_same} same year, {n_none} without government killing (primary specification)",
        },
    )

    return ClaimOutput(
        curve=curve,
        primary_detail=json_safe(primary_detail),
        details={},
        comparisons=json_safe(comparisons),
        limitations=lim,
    )


# =========================================================================== onsets against the pre-period's projection

#: onset option -> (country_year column given the conflicts option, years the source covers)
PROJECTED_ONSETS = {
    "mk-onset": ("mk_onset", (1946, 2024)),  # Early Warning Project mass-killing onsets
    "genocide-onset": ("genocide_onset", (1955, 2014)),  # PITF genocide/politicide onsets
}


def onset_break_projected(claim: Claim, data: Data) -> ClaimOutput:
    """Onsets per year in the world (countries with an onset / system members) after a break
    year against the projection of the years before it (`analysis.stats.projected_break`):
    one claim per break year, declared in the registry; the model (Poisson or NB2) is chosen
    by the declared dispersion check, not by a specification."""
    from ..stats import projected_break

    cy = data.table("country_year").sort_values(["gwcode", "year"]).reset_index(drop=True)
    cache = DesignCache()

    def column(onset: str, conflicts: str) -> tuple[str, tuple[int, int]]:
        if onset in PROJECTED_ONSETS:
            return PROJECTED_ONSETS[onset]
        return ONSET_COLS[(conflicts, onset)], (1946, 2024)

    def fn(break_year, onset, conflicts, trend, years):
        col, (c0, c1) = column(onset, conflicts)
        y0, y1 = parse_years(years)
        y0, y1 = max(y0, c0), min(y1, c1)
        s = cache.get(("series", col, y0, y1), lambda: world_onset_series(cy, col, y0, y1))
        r = projected_break(
            s["onsets"].to_numpy(),
            s["year"].to_numpy(),
            int(break_year),
            exposure=s["members"].to_numpy(),
            trend=trend == "pre-period-linear",
            alpha=claim.alpha,
        )
        r.extra.update(onset_column=col, sample_years=f"{y0}-{y1}", sample_key=f"{col}|{y0}-{y1}|{break_year}|{trend}")
        return r

    curve = run_curve(claim, fn, extra_cols=["sample_key"])
    p = claim.primary
    prim = fn(**p)
    col, (c0, c1) = column(p["onset"], p["conflicts"])
    y0, y1 = parse_years(p["years"])
    s = world_onset_series(cy, col, max(y0, c0), min(y1, c1))
    primary_detail = {
        "result": _dict(prim),
        "world_series": _records(s),
        "dispersion_check": {
            "threshold": 1.5,
            "dispersion": prim.extra.get("dispersion"),
            "model_used": prim.extra.get("model_used"),
            "nb_lr_p": prim.extra.get("nb_lr_p"),
        },
    }
    lim = [
        "A world-level break cannot separate R2P from other changes around the same time; the comparison is with the "
        "pre-period's own projection, so a change of trend that began earlier is not a break.",
        f"Onset column {col}, covered {c0}-{c1}.",
    ]
    comparisons = published.comparisons(
        "onset-break",
        {
            "onset-break": f"observed / projected {prim.estimate:.2f} (95% interval {prim.ci_low:.2f} to {prim.ci_high:.2f})"
            if prim.ci_low is not None
            else f"not estimable: {prim.reason}",
        },
        {"kind": "mass-killing" if "mk" in col or "genocide" in col else "rebellion", "break_year": p["break_year"]},
    )

    return ClaimOutput(
        curve=curve,
        primary_detail=json_safe(primary_detail),
        details={},
        comparisons=json_safe(comparisons),
        limitations=lim,
    )

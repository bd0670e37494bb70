"""Independent recomputation of primary estimates, for reviewers (`r2p trace <claim> --recompute`).

Each function below recomputes one claim's primary estimate from the RAW files in
`data/raw/` (RC1, RC2, MH1, LB1), read with plain pandas (and pyreadr for R data files),
with the statistics from scipy. Nothing here imports `analysis.claims`, `analysis.clean`,
`analysis.stats`, `analysis.panel` or the crosswalk: the raw layout is read as the mirror's
SOURCES.md describes it, and the rule that defines the sample is written out again from
the claim's registry entry (config/claims.yaml). Agreement with `results/claims/<id>.json`
therefore checks the cleaning, the joins and the statistics at once.

The one input shared with the workflow is committed coding, not code: MH1's side of each
one-sided-violence actor (`config/coding/ucdp_osv_actor_sides.csv`), a judgement the
claim declares as data.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from .errors import DataError

#: Relative tolerance for "equal": the statistics are the same exact formulas, computed by scipy here.
RTOL = 1e-9


@dataclass
class Recomputed:
    claim: str
    estimate: float | None
    ci_low: float | None
    ci_high: float | None
    p_value: float | None
    n: int
    sample: list[str] = field(default_factory=list)
    steps: list[str] = field(default_factory=list)
    raw_files: list[str] = field(default_factory=list)

    def compare(self, result: dict) -> list[tuple[str, object, object, bool]]:
        """(field, recomputed, result, equal) for estimate, interval, p and n."""
        p = result["primary"]
        out = []
        for f in ("estimate", "ci_low", "ci_high", "p_value", "n"):
            ours, theirs = getattr(self, f), p.get(f)
            if ours is None or theirs is None:
                ok = ours is None and theirs is None
            elif f == "n":
                ok = int(ours) == int(theirs)
            else:
                ok = bool(np.isclose(float(ours), float(theirs), rtol=RTOL, atol=1e-12))
            out.append((f, ours, theirs, ok))
        return out

    def report(self, result: dict) -> list[str]:
        lines = ["read: " + "; ".join(self.raw_files)]
        lines += [f"step: {s}" for s in self.steps]
        if self.sample:
            lines.append(f"sample ({len(self.sample)}): " + "; ".join(self.sample))
        cmp = self.compare(result)
        for f, ours, theirs, ok in cmp:
            lines.append(f"{f:9s} recomputed {ours!r:24}  result {theirs!r:24}  {'equal' if ok else 'DIFFERENT'}")
        lines.append(
            "all equal" if all(c[3] for c in cmp) else "DIFFERENCES FOUND: the result does not match the raw files"
        )
        return lines


def _raw(root: Path, rel: str) -> Path:
    p = root / "data" / "raw" / rel
    if not p.is_file():
        src, _, name = rel.partition("/")
        raise DataError("raw file missing (run `snakemake -c2 raw`)", source=src, file=name)
    return p


def _share(k: int, n: int) -> tuple[float, float, float, float]:
    """Share, exact (Clopper-Pearson) 95% interval, one-sided exact binomial p vs 0.5 (H1: p < 0.5)."""
    bt = stats.binomtest(k, n, 0.5, alternative="less")
    ci = stats.binomtest(k, n).proportion_ci(0.95, method="exact")
    return k / n, float(ci.low), float(ci.high), float(bt.pvalue)


def _read_rds(path: Path) -> pd.DataFrame:
    import pyreadr

    return next(iter(pyreadr.read_r(str(path)).values()))


def _codes(cell) -> list[int]:
    """'651, 666' -> [651, 666] (UCDP's comma-separated code lists)."""
    if cell is None or (isinstance(cell, float) and np.isnan(cell)):
        return []
    return [int(float(x)) for x in str(cell).split(",") if x.strip()]


# --------------------------------------------------------------------------- RC1


def rc1(root: Path) -> Recomputed:
    rel = "prif-hmi-0.3/prif_hmi_v0-3_interventions.xlsx"
    h = pd.read_excel(_raw(root, rel))
    h["id"] = h["HMIID"].astype(str).str.strip()
    if h["REGIME"].isin([-99, -88, -999]).any():
        raise DataError("REGIME has sentinel codes: the share's denominator would need a rule", file=rel)
    k, n = int((h["REGIME"] == 1).sum()), len(h)
    est, lo, hi, p = _share(k, n)
    return Recomputed(
        "RC1",
        est,
        lo,
        hi,
        p,
        n,
        sample=sorted(h.loc[h["REGIME"] == 1, "id"]),
        steps=[
            f"{n} interventions (rows), REGIME == 1 in {k}",
            "share k/n, Clopper-Pearson 95% interval, exact binomial p (H1: share < 0.5), scipy.stats.binomtest",
        ],
        raw_files=[rel],
    )


# --------------------------------------------------------------------------- RC2


def rc2(root: Path) -> Recomputed:
    """Humanitarian-motive IMI interventions, neutral ones (direction 0) and uncoded direction
    (9) left out; an operation (same target, same start) is against the government when any of
    its intervener-target rows has direction 3 (oppose government) or 4 (support rebels); rows
    with direction 5 or 6 (support *or* oppose) cannot be classified."""
    rel = "imi/interventions_IMI_1946-2005.csv"
    d = pd.read_csv(_raw(root, rel), dtype=str, keep_default_na=False, encoding="utf-8-sig")
    d.columns = [c.strip() for c in d.columns]
    d = d[[c for c in d.columns if not c.startswith("Unnamed")]]
    hum = d["humanitarian"].str.strip() == "1"
    direction = pd.to_numeric(d["direction"].str.strip(), errors="coerce")
    base = d[hum & direction.notna() & ~direction.isin([0, 9])].copy()
    base["direction"] = direction[base.index].astype(int)
    base["op"] = base["target"].str.strip() + "@" + base["start"].str.strip()
    obs = base[base["direction"].isin([1, 2, 3, 4])]
    against = obs.groupby("op")["direction"].apply(lambda s: bool(s.isin([3, 4]).any()))
    k, n = int(against.sum()), len(against)
    est, lo, hi, p = _share(k, n)
    rows = obs[obs["op"].isin(against[against].index) & obs["direction"].isin([3, 4])]
    return Recomputed(
        "RC2",
        est,
        lo,
        hi,
        p,
        n,
        sample=[f"row {i + 1} (target {r.target.strip()}, start {r.start.strip()})" for i, r in rows.iterrows()],
        steps=[
            f"{int(hum.sum())} rows with humanitarian == 1; {len(base)} with direction coded and not "
            f"neutral (0) or not ascertained (9); {base['op'].nunique()} operations (target, start); "
            f"{n} with a row of direction 1-4; against the government (3 or 4) in {k}",
            "share k/n, Clopper-Pearson 95% interval, exact binomial p (H1: share < 0.5)",
        ],
        raw_files=[rel],
    )


# --------------------------------------------------------------------------- MH1

#: COW codes that differ from Gleditsch-Ward codes (Gleditsch & Ward 1999, table 1), for the
#: targets PRIF codes; a target outside this and the identity is an error, not a guess.
COW_NOT_GW = {255: 260, 679: 678, 817: 816}
UCDP_OSV_FIRST = 1989


def mh1(root: Path) -> Recomputed:
    """MH1 primary: PRIF v0.3 interventions against a government (TARGET 1) whose two years
    before the start lie in UCDP one-sided coverage (1989-); the government side's killing
    (actors coded government or pro_government for the case) in those two years, located in
    the target (a government actor's own state when it is among the locations, else every
    location listed); its first year f; UCDP/PRIO intrastate conflict (type 3 or 4) located in
    the target in f-1 -> a challenge came first; in neither f-1 nor f -> killing first; only in
    f -> cannot be ordered."""
    k_years = 2
    rel_h = "prif-hmi-0.3/prif_hmi_v0-3_interventions.xlsx"
    rel_o = "ucdp-onesided-25.1/OneSided_v25_1.rds"
    rel_a = "ucdp-acd-25.1/UcdpPrioConflict_v25_1.csv"
    coding = root / "config" / "coding" / "ucdp_osv_actor_sides.csv"
    h = pd.read_excel(_raw(root, rel_h))
    h["case_id"] = h["HMIID"].astype(str).str.strip()
    h["start_year"] = h["case_id"].str.extract(r"(\d{4})", expand=False).astype(int)
    cases = h[(h["TARGET"] == 1) & (h["start_year"] - k_years >= UCDP_OSV_FIRST)]
    osv = _read_rds(_raw(root, rel_o))
    acd = pd.read_csv(_raw(root, rel_a))
    sides = pd.read_csv(coding, dtype=str, keep_default_na=False)
    gov_side = {
        (int(r.actor_id), c.strip())
        for r in sides.itertuples()
        if r.side in ("government", "pro_government")
        for c in r.case_ids.split(";")
        if c.strip()
    }
    intra = acd[acd["type_of_conflict"].isin([3, 4])]
    active = {(g, int(y)) for locs, y in zip(intra["gwno_loc"], intra["year"]) for g in _codes(locs)}
    orders = {}
    for r in cases.itertuples():
        cow = int(r.COWCC)
        gw = COW_NOT_GW.get(cow, cow)
        years = []
        for o in osv[(osv["year"] >= r.start_year - k_years) & (osv["year"] <= r.start_year - 1)].itertuples():
            if (int(o.actor_id), r.case_id) not in gov_side:
                continue
            locs, own = _codes(o.gwno_location), _codes(o.gwnoa)
            where = [own[0]] if o.is_government_actor == 1 and len(own) == 1 and own[0] in locs else locs
            if gw in where:
                years.append(int(o.year))
        if not years:
            orders[r.case_id] = "no government killing in the window"
            continue
        f = min(years)
        orders[r.case_id] = (
            "armed challenge first"
            if (gw, f - 1) in active
            else "same year: cannot be ordered"
            if (gw, f) in active
            else "government killing without a prior armed challenge"
        )
    orderable = {
        c: o
        for c, o in orders.items()
        if o in ("armed challenge first", "government killing without a prior armed challenge")
    }
    k = sum(o == "armed challenge first" for o in orderable.values())
    n = len(orderable)
    est, lo, hi, p = _share(k, n) if n else (None, None, None, None)
    return Recomputed(
        "MH1",
        est,
        lo,
        hi,
        p,
        n,
        sample=[f"{c}: {o}" for c, o in orders.items()],
        steps=[
            f"{len(cases)} interventions against a government starting {UCDP_OSV_FIRST + k_years} or "
            f"later; {n} orderable; a challenge first in {k}",
            "share k/n, Clopper-Pearson 95% interval, exact binomial p (H1: share < 0.5)",
        ],
        raw_files=[rel_h, rel_o, rel_a, str(coding.relative_to(root))],
    )


# --------------------------------------------------------------------------- LB1


def lb1(root: Path) -> Recomputed:
    """Vetoed drafts (one row each) with a Russian/Soviet or Chinese veto, 2011-2021 against
    1992-2010; Poisson rate ratio per year, exact conditional test and interval."""
    rel = "unsc-vetoes/unsc_vetoes_1946_sept2022.csv"
    v = pd.read_csv(_raw(root, rel))
    rc = (v["Russia"] == 1) | (v["USSR"] == 1) | (v["China"] == 1)
    after, before = rc & v["year"].between(2011, 2021), rc & v["year"].between(1992, 2010)
    k1, k2 = int(after.sum()), int(before.sum())
    t1, t2 = 2021 - 2011 + 1, 2010 - 1992 + 1
    bt = stats.binomtest(k1, k1 + k2, t1 / (t1 + t2))
    ci = bt.proportion_ci(0.95, method="exact")
    est = (k1 / t1) / (k2 / t2)
    lo, hi = ci.low / (1 - ci.low) * t2 / t1, ci.high / (1 - ci.high) * t2 / t1
    return Recomputed(
        "LB1",
        est,
        float(lo),
        float(hi),
        float(bt.pvalue),
        k1 + k2,
        sample=list(v.loc[before | after, "draft"]),
        steps=[
            f"{k2} drafts vetoed by Russia/USSR or China in 1992-2010 ({t2} years), {k1} in 2011-2021 ({t1} years)",
            "rate ratio (k1/t1)/(k2/t2); exact conditional binomial test of k1 | k1+k2 with "
            "p0 = t1/(t1+t2) (scipy.stats.binomtest, two-sided) and its Clopper-Pearson interval "
            "mapped to the ratio",
        ],
        raw_files=[rel],
    )


# --------------------------------------------------------------------------- from processed tables


def _two_by_two(
    root: Path, claim: str, group_col: str, group_value, outcome_col: str, support: str, labels: tuple[str, str]
) -> Recomputed:
    """PRIF v0.3 (processed `hmi_cases`): risk difference of `outcome_col` between the group
    where `group_col` == `group_value` and the rest; Newcombe's hybrid score interval (Wilson
    intervals of each share, scipy); Fisher's exact test one-sided in the claim's direction."""
    rel = "data/processed/hmi_cases.parquet"
    path = root / rel
    if not path.is_file():
        raise DataError("processed table missing (run `snakemake -c2 data`)", file=rel)
    h = pd.read_parquet(path)
    h = h[h["release"] == "0.3"]
    h = h[h[outcome_col].notna()]
    g = (h[group_col] == group_value).to_numpy(dtype=bool)
    y = h[outcome_col].astype(bool).to_numpy()
    a, n1, c, n2 = int(y[g].sum()), int(g.sum()), int(y[~g].sum()), int((~g).sum())
    p1, p2 = a / n1, c / n2
    w1 = stats.binomtest(a, n1).proportion_ci(0.95, method="wilson")
    w2 = stats.binomtest(c, n2).proportion_ci(0.95, method="wilson")
    d = p1 - p2
    lo = d - np.sqrt((p1 - w1.low) ** 2 + (w2.high - p2) ** 2)
    hi = d + np.sqrt((w1.high - p1) ** 2 + (p2 - w2.low) ** 2)
    p = stats.fisher_exact([[a, n1 - a], [c, n2 - c]], alternative=support).pvalue
    return Recomputed(
        claim,
        d,
        float(lo),
        float(hi),
        float(p),
        n1 + n2,
        sample=sorted(h.loc[g & y, "case_id"]) + sorted(h.loc[~g & y, "case_id"]),
        steps=[
            f"{labels[0]}: {a} of {n1}; {labels[1]}: {c} of {n2} ({outcome_col})",
            f"risk difference, Newcombe (1998) method 10 from Wilson intervals, Fisher's exact test ({support}), scipy",
        ],
        raw_files=[rel],
    )


def rc5(root: Path) -> Recomputed:
    return _two_by_two(root, "RC5", "regime_change", True, "endviol", "greater", ("with regime change", "without"))


def rc6(root: Path) -> Recomputed:
    return _two_by_two(root, "RC6", "unsc", 2, "regime_change", "less", ("with a mandate or approval", "without"))


#: Claims with an independent recomputation (RC1, RC2, MH1, LB1 from the raw files; RC5, RC6
#: from the processed PRIF table).
RECOMPUTE: dict[str, Callable[[Path], Recomputed]] = {
    "RC1": rc1,
    "RC2": rc2,
    "MH1": mh1,
    "LB1": lb1,
    "RC5": rc5,
    "RC6": rc6,
}
FROM_RAW = ("RC1", "RC2", "MH1", "LB1")


def recompute_claim(claim_id: str, root: Path) -> Recomputed:
    if claim_id not in RECOMPUTE:
        raise DataError(f"no independent recomputation for claim {claim_id}; available: {', '.join(RECOMPUTE)}")
    return RECOMPUTE[claim_id](Path(root))

"""CC1: two camps of R2P critics in General Assembly votes.

Groups (ISO 3166 alpha-2 codes as in `unga_votes.country_code`; checked against
the country names when the claim runs):

- A, principled rejectionists: China CN, Russia RU, Cuba CU, Nicaragua NI, Venezuela VE;
- B, procedural critics (IBSA): Brazil BR, India IN, South Africa ZA;
- C, Western permanent members: France FR, United Kingdom GB, United States US.

Measures (specification `measure`):

- `hr-country-votes`: roll calls with `country_specific_hr` True (the cleaner's rule,
  see analysis/clean/unga.py) dated in the period (calendar year of `date`);
- `syria-votes`: roll calls on the Syrian crisis: `short` or `descr` matches
  SYRIA_RE and does not match SYRIA_EXCLUDE_RE (which removes the Golan / Israeli-
  occupation resolutions and procedural texts naming the Syrian representative);
  GA 66/253 (rcid 5180) is among them;
- `ideal-points`: Bailey-Strezhnev-Voeten ideal points (`unga_idealpoints`,
  by Correlates-of-War code), one value per session whose `year` is in the period.

Coding (`coding`): `yes-abstain-no` = yes 1, abstain 0.5, no 0; `yes-share` = yes 1,
abstain or no 0 (absent = missing). Ideal points have no vote coding: the
ideal-points x yes-share specification is returned with a `reason` (it would
duplicate the ideal-points x yes-abstain-no row).

Distance between two countries: mean absolute difference of their positions over
the roll calls (sessions) both have a position in. Separation statistic

    S = mean distance over the 15 A-B pairs
        - mean distance over the 13 within-group pairs (10 within A, 3 within B, pooled).

95% interval: percentile bootstrap over roll calls (sessions), seeded with the
specification's seed. p-value: exact permutation over all C(8, 5) = 56 ways of
labelling five of the eight A+B countries as A; p = share of relabellings with
S >= observed (the observed labelling included, so p >= 1/56). n = number of
roll calls (sessions) on which at least two of the eight A+B countries have a position.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..stats import DesignCache, StatResult, json_safe, plain_loop_active
from . import Claim, ClaimOutput, Data, published, run_curve

GROUPS: dict[str, tuple[str, ...]] = {
    "A": ("CN", "RU", "CU", "NI", "VE"),
    "B": ("BR", "IN", "ZA"),
    "C": ("FR", "GB", "US"),
}
GROUP_NAMES = {"A": "rejectionists", "B": "IBSA", "C": "Western P3"}
COUNTRY_NAMES: dict[str, str] = {
    "CN": "China",
    "RU": "Russia",
    "CU": "Cuba",
    "NI": "Nicaragua",
    "VE": "Venezuela",
    "BR": "Brazil",
    "IN": "India",
    "ZA": "South Africa",
    "FR": "France",
    "GB": "United Kingdom",
    "US": "United States",
}
#: ISO2 -> Correlates-of-War code (unga_idealpoints.cowcode); iso3 checked at run time.
COWCODES: dict[str, tuple[int, str]] = {
    "CN": (710, "CHN"),
    "RU": (365, "RUS"),
    "CU": (40, "CUB"),
    "NI": (93, "NIC"),
    "VE": (101, "VEN"),
    "BR": (140, "BRA"),
    "IN": (750, "IND"),
    "ZA": (560, "ZAF"),
    "FR": (220, "FRA"),
    "GB": (200, "GBR"),
    "US": (2, "USA"),
}
AB = GROUPS["A"] + GROUPS["B"]
ALL = AB + GROUPS["C"]

#: a roll call on the Syrian crisis names Syria or the Syrian Arab Republic ...
SYRIA_RE = re.compile(r"\bsyria\b|\bsyrian\s+arab\s+republic\b", re.IGNORECASE)
#: ... and is not about the Israeli-occupied Golan / territories, nor a procedural
#: text that names the Syrian delegate.
SYRIA_EXCLUDE_RE = re.compile(r"golan|occupied|israel|palestin|representative\s+of\s+the\s+syrian", re.IGNORECASE)
GA_66_253_RCID = 5180

CODINGS: dict[str, dict[str, float]] = {
    "yes-abstain-no": {"yes": 1.0, "abstain": 0.5, "no": 0.0},
    "yes-share": {"yes": 1.0, "abstain": 0.0, "no": 0.0},
}
N_BOOT = 2000


def parse_period(text: str) -> tuple[int, int]:
    a, b = (int(x) for x in str(text).split("-"))
    return a, b


# --------------------------------------------------------------------------- selection


def syria_mask(roll_calls: pd.DataFrame) -> pd.Series:
    """True for roll calls on the Syrian crisis (see SYRIA_RE / SYRIA_EXCLUDE_RE)."""
    text = roll_calls["short"].fillna("").astype(str) + " || " + roll_calls["descr"].fillna("").astype(str)
    return text.map(lambda t: bool(SYRIA_RE.search(t)) and not SYRIA_EXCLUDE_RE.search(t)).astype(bool)


def select_roll_calls(roll_calls: pd.DataFrame, measure: str, period: str) -> pd.DataFrame:
    """Roll calls of the measure dated in the period (calendar year of `date`).

    A precomputed `_syria` column (from `syria_mask`) is used when present."""
    a, b = parse_period(period)
    yr = roll_calls["_year"] if "_year" in roll_calls else pd.to_datetime(roll_calls["date"]).dt.year
    inper = yr.between(a, b)
    if measure == "hr-country-votes":
        m = roll_calls["country_specific_hr"].astype(bool)
    elif measure == "syria-votes":
        m = roll_calls["_syria"] if "_syria" in roll_calls else syria_mask(roll_calls)
    else:
        raise ValueError(f"not a roll-call measure: {measure!r}")
    return roll_calls.loc[m & inper].sort_values("rcid")


def position_matrix(votes: pd.DataFrame, rcids: Sequence[int], countries: Sequence[str], coding: str) -> pd.DataFrame:
    """countries x roll calls of coded positions (NaN = no recorded vote)."""
    code = CODINGS[coding]
    v = votes[votes["rcid"].isin(list(rcids)) & votes["country_code"].isin(list(countries))]
    v = v.assign(pos=v["vote"].astype(str).map(code).astype(float))
    if v["pos"].isna().any():
        raise ValueError(f"unknown vote values: {sorted(v.loc[v['pos'].isna(), 'vote'].unique())}")
    X = v.pivot_table(index="country_code", columns="rcid", values="pos", aggfunc="first")
    return X.reindex(index=list(countries), columns=sorted(rcids)).astype(float)


def recode(X: pd.DataFrame, coding: str) -> pd.DataFrame:
    """A yes-abstain-no position matrix (1 / 0.5 / 0) in another coding."""
    base = CODINGS["yes-abstain-no"]
    m = {base[k]: v for k, v in CODINGS[coding].items()}
    arr = X.to_numpy(dtype=float)
    out = np.full(arr.shape, np.nan)
    for old, new in m.items():
        out[arr == old] = new
    return pd.DataFrame(out, index=X.index, columns=X.columns)


def idealpoint_matrix(ideal: pd.DataFrame, period: str, countries: Sequence[str]) -> pd.DataFrame:
    """countries x sessions of ideal points (sessions whose `year` is in the period)."""
    a, b = parse_period(period)
    cow = {COWCODES[c][0]: c for c in countries}
    d = ideal[ideal["cowcode"].isin(list(cow)) & ideal["year"].between(a, b)]
    d = d.assign(country_code=d["cowcode"].map(cow))
    X = d.pivot_table(index="country_code", columns="session", values="ideal_point", aggfunc="first")
    sessions = sorted(ideal.loc[ideal["year"].between(a, b), "session"].unique())
    return X.reindex(index=list(countries), columns=sessions).astype(float)


# --------------------------------------------------------------------------- distances


def _pairs(k: int) -> list[tuple[int, int]]:
    return list(itertools.combinations(range(k), 2))


def pair_arrays(X: np.ndarray) -> tuple[np.ndarray, np.ndarray, list[tuple[int, int]]]:
    """Per pair of rows: |x_i - x_j| per column (0 where not both observed), and the both-observed mask."""
    pairs = _pairs(X.shape[0])
    obs = ~np.isnan(X)
    Xf = np.nan_to_num(X)
    ad = np.empty((len(pairs), X.shape[1]))
    bm = np.empty((len(pairs), X.shape[1]))
    for p, (i, j) in enumerate(pairs):
        both = obs[i] & obs[j]
        bm[p] = both
        ad[p] = np.where(both, np.abs(Xf[i] - Xf[j]), 0.0)
    return ad, bm, pairs


def distance_matrix(X: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
    """k x k mean absolute difference over jointly observed columns (NaN if none); optional column weights."""
    ad, bm, pairs = pair_arrays(X)
    w = np.ones(X.shape[1]) if weights is None else np.asarray(weights, dtype=float)
    num, den = ad @ w, bm @ w
    with np.errstate(invalid="ignore", divide="ignore"):
        dist = np.where(den > 0, num / den, np.nan)
    k = X.shape[0]
    D = np.zeros((k, k))
    for p, (i, j) in enumerate(pairs):
        D[i, j] = D[j, i] = dist[p]
    return D


def separation(D: np.ndarray, is_a: np.ndarray) -> float:
    """S = mean between-group distance - mean pooled within-group distance (two groups)."""
    is_a = np.asarray(is_a, dtype=bool)
    iu = np.triu_indices(len(is_a), 1)
    d = D[iu]
    same = is_a[iu[0]] == is_a[iu[1]]
    return float(np.mean(d[~same]) - np.mean(d[same]))


def separation_multi(D: np.ndarray, labels: Sequence[int] | np.ndarray) -> float:
    """S for any number of groups: mean distance over between-group pairs - over within-group pairs."""
    lab = np.asarray(labels)
    iu = np.triu_indices(len(lab), 1)
    d = D[iu]
    same = lab[iu[0]] == lab[iu[1]]
    return float(np.mean(d[~same]) - np.mean(d[same]))


def _sample_key(measure: str, coding: str, columns: Any) -> str:
    """The sample of a specification: the measure, the coding and the roll calls (or sessions)
    it uses, so that periods holding the same roll calls are one specification."""
    import hashlib

    body = f"{measure}|{coding}|" + ",".join(map(str, sorted(columns)))
    return hashlib.sha256(body.encode()).hexdigest()[:16]


def exact_permutation(D: np.ndarray, n_a: int, observed: float) -> dict:
    """All C(k, n_a) labellings of the k countries in D: share with S >= observed."""
    k = D.shape[0]
    combos = list(itertools.combinations(range(k), n_a))
    if plain_loop_active():  # the reference: one relabelling at a time
        stats_ = []
        for combo in combos:
            lab = np.zeros(k, dtype=bool)
            lab[list(combo)] = True
            stats_.append(separation(D, lab))
        s = np.array(stats_)
    else:  # all relabellings at once
        L = np.zeros((len(combos), k), dtype=bool)
        for i, combo in enumerate(combos):
            L[i, list(combo)] = True
        iu = np.triu_indices(k, 1)
        d = D[iu]
        same = (L[:, iu[0]] == L[:, iu[1]]).astype(float)
        s = (((1.0 - same) @ d) / (1.0 - same).sum(axis=1)) - ((same @ d) / same.sum(axis=1))
    tol = 1e-12 * max(1.0, abs(observed))
    n_ext = int(np.sum(s >= observed - tol))
    n_low = int(np.sum(s <= observed + tol))
    return {
        "p_value": n_ext / len(s),
        "p_value_lower": n_low / len(s),
        "n_relabellings": len(s),
        "n_at_least_observed": n_ext,
        "perm_mean": float(np.mean(s)),
        "perm_max": float(np.max(s)),
    }


def exact_permutation_three(D: np.ndarray, sizes: tuple[int, ...], observed: float) -> dict:
    """All labellings of k countries into groups of the given sizes (order of the groups
    matters as in the data): share with three-group S >= observed."""
    k = D.shape[0]
    iu = np.triu_indices(k, 1)
    d = D[iu]
    vals = []
    idx = list(range(k))
    for a in itertools.combinations(idx, sizes[0]):
        rest = [i for i in idx if i not in a]
        for b in itertools.combinations(rest, sizes[1]):
            lab = np.full(k, 2)
            lab[list(a)] = 0
            lab[list(b)] = 1
            same = lab[iu[0]] == lab[iu[1]]
            vals.append(np.mean(d[~same]) - np.mean(d[same]))
    v = np.array(vals)
    tol = 1e-12 * max(1.0, abs(observed))
    n_ext = int(np.sum(v >= observed - tol))
    return {"p_value": n_ext / len(v), "n_relabellings": len(v), "n_at_least_observed": n_ext}


def bootstrap_separation(X: np.ndarray, is_a: np.ndarray, n_boot: int, seed: int, alpha: float = 0.05) -> dict:
    """Percentile bootstrap of S over columns (roll calls / sessions)."""
    ad, bm, pairs = pair_arrays(X)
    R = X.shape[1]
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, R, size=(n_boot, R))
    is_a = np.asarray(is_a, dtype=bool)
    if plain_loop_active():  # the benchmark's reference: one resample at a time
        s = np.array([separation(distance_matrix(X[:, row]), is_a) for row in idx])
        ok = ~np.isnan(s)
        s = s[ok]
        lo, hi = np.quantile(s, [alpha / 2, 1 - alpha / 2]) if len(s) else (np.nan, np.nan)
        return {
            "ci_low": float(lo),
            "ci_high": float(hi),
            "n_boot": int(n_boot),
            "n_boot_used": int(ok.sum()),
            "seed": int(seed),
            "boot_sd": float(np.std(s)) if len(s) else None,
        }
    # W[b, r]: how often resample b drew column r (counts per row, as one bincount over all rows)
    W = np.bincount((idx + np.arange(n_boot)[:, None] * R).ravel(), minlength=n_boot * R).reshape(n_boot, R)
    W = W.astype(float)
    num, den = W @ ad.T, W @ bm.T
    with np.errstate(invalid="ignore", divide="ignore"):
        dist = np.where(den > 0, num / den, np.nan)
    is_a = np.asarray(is_a, dtype=bool)
    same = np.array([is_a[i] == is_a[j] for i, j in pairs])
    s = np.nanmean(dist[:, ~same], axis=1) - np.nanmean(dist[:, same], axis=1)
    ok = ~np.isnan(dist).any(axis=1)
    s = s[ok]
    lo, hi = np.quantile(s, [alpha / 2, 1 - alpha / 2]) if len(s) else (np.nan, np.nan)
    return {
        "ci_low": float(lo),
        "ci_high": float(hi),
        "n_boot": int(n_boot),
        "n_boot_used": int(ok.sum()),
        "seed": int(seed),
        "boot_sd": float(np.std(s)) if len(s) else None,
    }


# --------------------------------------------------------------------------- three groups


def three_group_picture(X: pd.DataFrame) -> dict:
    """Mean positions of A, B, C and group distances from a countries x items matrix (ALL order)."""
    Xa = X.reindex(list(ALL)).to_numpy(dtype=float)
    D = distance_matrix(Xa)
    means = {c: float(np.nanmean(Xa[i])) if (~np.isnan(Xa[i])).any() else None for i, c in enumerate(ALL)}
    gidx = {g: [ALL.index(c) for c in cs] for g, cs in GROUPS.items()}

    def between(g, h):
        return float(np.nanmean([D[i, j] for i in gidx[g] for j in gidx[h]]))

    def within(g):
        return float(np.nanmean([D[i, j] for i, j in itertools.combinations(gidx[g], 2)]))

    gm = {g: float(np.mean([means[c] for c in cs if means[c] is not None])) for g, cs in GROUPS.items()}
    span = gm["C"] - gm["A"]
    rel = (gm["B"] - gm["A"]) / span if span != 0 else None
    dist = {
        "A-B": between("A", "B"),
        "A-C": between("A", "C"),
        "B-C": between("B", "C"),
        "within A": within("A"),
        "within B": within("B"),
        "within C": within("C"),
    }
    lab = [g for g in GROUPS for _ in GROUPS[g]]
    s3 = separation_multi(D, lab)
    return {
        "group_mean_position": gm,
        "country_mean_position": means,
        "distances": dist,
        "B_relative_position_on_A_to_C": rel,
        "B_between_A_and_C_by_position": bool(rel is not None and 0 < rel < 1),
        "B_between_A_and_C_by_distance": bool(dist["A-C"] > dist["A-B"] and dist["A-C"] > dist["B-C"]),
        "B_closer_to": "A" if dist["A-B"] < dist["B-C"] else "C",
        "separation_three_groups": s3,
        "distance_matrix": {ALL[i]: {ALL[j]: float(D[i, j]) for j in range(len(ALL))} for i in range(len(ALL))},
        "_D": D,
    }


def _strip(pic: dict) -> dict:
    return {k: v for k, v in pic.items() if not k.startswith("_")}


# --------------------------------------------------------------------------- the claim


def _check_codes(votes: pd.DataFrame, ideal: pd.DataFrame) -> list[str]:
    """Every group code names the expected country (ISO2 in votes, CoW/iso3 in ideal points)."""
    problems = []
    sub = votes.loc[votes["country_code"].isin(list(ALL)), ["country_code", "country"]].astype(str).drop_duplicates()
    for c in ALL:
        names = sorted(set(sub.loc[sub["country_code"] == c, "country"]))
        if names != [COUNTRY_NAMES[c]]:
            problems.append(f"ISO2 {c}: expected {COUNTRY_NAMES[c]!r}, data have {names}")
        cow, iso3 = COWCODES[c]
        got = sorted(set(ideal.loc[ideal["cowcode"] == cow, "iso3"].astype(str)))
        if got != [iso3]:
            problems.append(f"cowcode {cow}: expected {iso3}, data have {got}")
    return problems


def _vote_inputs(data: Data) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The votes of the eleven countries, the roll calls (with their Syria flag and year) and
    the ideal points, after checking that every code names the expected country."""
    votes = data.table("unga_votes")
    rc = data.table("unga_roll_calls")
    rc = rc.assign(_syria=syria_mask(rc), _year=pd.to_datetime(rc["date"]).dt.year)
    ideal = data.table("unga_idealpoints")
    problems = _check_codes(votes, ideal)
    if problems:
        raise ValueError("country codes do not match: " + "; ".join(problems))
    votes = votes[votes["country_code"].isin(list(ALL))][["rcid", "country_code", "country", "vote"]]
    return votes, rc, ideal


def _matrix_maker(votes: pd.DataFrame, rc: pd.DataFrame, ideal: pd.DataFrame, cache: DesignCache):
    """`matrix(measure, coding, period)`: the countries x roll calls (or sessions) positions of a
    specification, all eleven countries in ALL order."""

    def matrix(measure: str, coding: str, period: str) -> pd.DataFrame:
        if measure == "ideal-points":
            return cache.get(("ideal", period), lambda: idealpoint_matrix(ideal, period, ALL))
        sel = select_roll_calls(rc, measure, period)["rcid"].tolist()
        if plain_loop_active():  # the reference loop: each specification's matrix from the votes
            return position_matrix(votes, sel, ALL, coding)
        # shared: one countries x roll calls matrix per coding, columns picked per specification
        wide = cache.get(
            ("wide", coding),
            lambda: recode(
                cache.get(
                    "wide-yes-abstain-no", lambda: position_matrix(votes, sorted(rc["rcid"]), ALL, "yes-abstain-no")
                ),
                coding,
            ),
        )
        return wide.reindex(columns=sel)

    return matrix


def cc1_two_camps(claim: Claim, data: Data) -> ClaimOutput:
    votes, rc, ideal = _vote_inputs(data)
    alpha = claim.alpha
    is_a = np.array([c in GROUPS["A"] for c in AB])
    matrix = _matrix_maker(votes, rc, ideal, DesignCache())

    pictures: dict[tuple, dict] = {}

    def spec(measure: str, coding: str, period: str, seed: int) -> StatResult:
        method = (
            "separation S (mean A-B distance minus mean within-group distance); percentile bootstrap "
            f"over {'sessions' if measure == 'ideal-points' else 'roll calls'}; exact permutation p over "
            "the 56 relabellings of the 8 A+B countries"
        )
        if measure == "ideal-points":
            coding = "yes-abstain-no"  # ideal points carry no vote coding: the row duplicates the other
        X = matrix(measure, coding, period)
        Xab = X.reindex(list(AB)).to_numpy(dtype=float)
        n = int(((~np.isnan(Xab)).sum(axis=0) >= 2).sum())
        missing = [c for c, row in zip(AB, Xab) if np.isnan(row).all()]
        if missing:
            return StatResult(method=method, n=n, reason=f"no positions for {missing} in {period}")
        Xab = Xab[:, (~np.isnan(Xab)).sum(axis=0) >= 2]
        D = distance_matrix(Xab)
        if np.isnan(D[np.triu_indices(len(AB), 1)]).any():
            return StatResult(method=method, n=n, reason="a pair of countries shares no roll call")
        s = separation(D, is_a)
        perm = exact_permutation(D, int(is_a.sum()), s)
        boot = bootstrap_separation(Xab, is_a, N_BOOT, seed, alpha)
        pictures[(measure, coding, period)] = three_group_picture(X)
        return StatResult(
            method=method,
            estimate=s,
            ci_low=boot["ci_low"],
            ci_high=boot["ci_high"],
            p_value=perm["p_value"],
            n=n,
            extra={
                "permutation": perm,
                "bootstrap": boot,
                "p_value_contradict": perm["p_value_lower"],
                "sample_key": _sample_key(measure, coding, X.columns),
            },
        )

    curve = run_curve(claim, spec, extra_cols=["p_value_contradict", "sample_key"])

    # ---------------------------------------------------------------- primary detail
    p = claim.primary
    prow = curve
    for k, v in p.items():
        prow = prow[prow[k] == v]
    pseed = int(prow["seed"].iloc[0])
    pres = spec(**p, seed=pseed)
    Xp = matrix(p["measure"], p["coding"], p["period"])
    pic = three_group_picture(Xp)
    sizes = tuple(len(GROUPS[g]) for g in GROUPS)
    perm3 = exact_permutation_three(pic["_D"], sizes, pic["separation_three_groups"])
    ipX = idealpoint_matrix(ideal, p["period"], ALL)
    ip_pic = three_group_picture(ipX)
    ip_key = ("ideal-points", "yes-abstain-no", p["period"])
    ip_row = curve[(curve["measure"] == ip_key[0]) & (curve["coding"] == ip_key[1]) & (curve["period"] == ip_key[2])]

    def describe(pc: dict) -> str:
        return (
            f"B at {pc['B_relative_position_on_A_to_C']:.2f} of the way from A to C "
            f"({'between' if pc['B_between_A_and_C_by_position'] else 'not between'} A and C by mean position), "
            f"closer to {pc['B_closer_to']} by distance (A-B {pc['distances']['A-B']:.3f}, "
            f"B-C {pc['distances']['B-C']:.3f}, A-C {pc['distances']['A-C']:.3f})"
        )

    agree = (
        pic["B_between_A_and_C_by_position"] == ip_pic["B_between_A_and_C_by_position"]
        and pic["B_closer_to"] == ip_pic["B_closer_to"]
    )
    ip_res = spec(*ip_key, seed=int(ip_row["seed"].iloc[0])) if not ip_row.empty else None
    sep_v = pres.p_value is not None and pres.p_value <= alpha
    sep_i = ip_res is not None and ip_res.p_value is not None and ip_res.p_value <= alpha

    def sep_text(name: str, r: StatResult | None) -> str:
        if r is None or r.estimate is None:
            return f"{name}: not estimable"
        return (
            f"{name}: S = {r.estimate:.3f} (bootstrap 95% CI {r.ci_low:.3f} to {r.ci_high:.3f}, "
            f"exact permutation p = {r.p_value:.3f})"
        )

    contrast_text = (
        f"Votes ({p['measure']}, {p['coding']}, {p['period']}): {describe(pic)}. "
        f"Ideal points ({p['period']}): {describe(ip_pic)}. "
        + (
            "The two measures agree on where IBSA sits relative to A and C. "
            if agree
            else "The measures disagree on where IBSA sits relative to A and C. "
        )
        + f"A-B separation -- {sep_text('votes', pres)}; {sep_text('ideal points', ip_res)}: "
        + (
            "both measures separate the two camps (permutation p <= alpha)."
            if sep_v and sep_i
            else "only the votes separate the two camps (permutation p <= alpha); in ideal points the mean "
            f"distance within A is {ip_pic['distances']['within A']:.3f} and between A and B "
            f"{ip_pic['distances']['A-B']:.3f}."
            if sep_v and not sep_i
            else "only the ideal points separate the two camps (permutation p <= alpha)."
            if sep_i
            else "neither measure separates the two camps at permutation p <= alpha."
        )
        + " Ideal points measure alignment with the US-led order across all votes, not positions on "
        "intervention (Bailey, Strezhnev & Voeten 2017)."
    )
    rel_v, rel_i = pic["B_relative_position_on_A_to_C"], ip_pic["B_relative_position_on_A_to_C"]
    primary_detail = json_safe(
        {
            "result": pres.to_dict(),
            "groups": {
                g: {"name": GROUP_NAMES[g], "members": {c: COUNTRY_NAMES[c] for c in cs}} for g, cs in GROUPS.items()
            },
            "definition": {
                "distance": "mean absolute difference of coded positions over roll calls both countries voted in",
                "S": "mean over the 15 A-B pairs minus mean over the 13 within-group pairs (10 in A, 3 in B, pooled)",
                "within_group_means": {"A": pic["distances"]["within A"], "B": pic["distances"]["within B"]},
            },
            "three_groups": _strip(pic),
            "three_group_permutation": {
                **perm3,
                "statistic": "mean between-group minus mean within-group distance over all 11 countries",
                "observed": pic["separation_three_groups"],
                "note": "exact enumeration of all assignments of the 11 countries to groups of sizes 5, 3, 3",
            },
            "ideal_points_contrast": {
                "three_groups": _strip(ip_pic),
                "separation_A_B": None if ip_row.empty else float(ip_row["estimate"].iloc[0]),
                "B_relative_position_votes": rel_v,
                "B_relative_position_ideal_points": rel_i,
                "measures_agree_on_IBSA_placement": agree,
                "separation_permutation_p_votes": pres.p_value,
                "separation_permutation_p_ideal_points": None if ip_res is None else ip_res.p_value,
                "measures_agree_on_separation": bool(sep_v == sep_i),
                "text": contrast_text,
            },
            "roll_calls": [
                {
                    "rcid": int(r.rcid),
                    "date": str(pd.Timestamp(r.date).date()),
                    "unres": None if pd.isna(r.unres) else str(r.unres),
                    "title": str(r.descr if isinstance(r.descr, str) else r.short)[:160],
                }
                for r in (
                    select_roll_calls(rc, p["measure"], p["period"]).itertuples()
                    if p["measure"] != "ideal-points"
                    else []
                )
            ],
        }
    )

    # ---------------------------------------------------------------- details
    syr = rc[rc["_syria"]].sort_values("rcid")
    details = json_safe(
        {
            "syria_regex": {
                "include": SYRIA_RE.pattern,
                "exclude": SYRIA_EXCLUDE_RE.pattern,
                "searched": "short and descr (case-insensitive)",
            },
            "syria_roll_calls": [
                {
                    "rcid": int(r.rcid),
                    "date": str(pd.Timestamp(r.date).date()),
                    "unres": None if pd.isna(r.unres) else str(r.unres),
                    "country_specific_hr": bool(r.country_specific_hr),
                    "title": str(r.descr if isinstance(r.descr, str) else r.short)[:160],
                }
                for r in syr.itertuples()
            ],
            "three_groups_by_spec": [
                {
                    "measure": k[0],
                    "coding": k[1],
                    "period": k[2],
                    **{kk: v for kk, v in _strip(pc).items() if kk != "distance_matrix"},
                }
                for k, pc in sorted(pictures.items())
            ],
            "country_codes": {
                c: {
                    "name": COUNTRY_NAMES[c],
                    "cowcode": COWCODES[c][0],
                    "iso3": COWCODES[c][1],
                    "group": next(g for g, cs in GROUPS.items() if c in cs),
                }
                for c in ALL
            },
        }
    )

    # ---------------------------------------------------------------- comparisons
    all253 = data.table("unga_votes")
    all253 = all253[all253["rcid"] == GA_66_253_RCID]
    tally = all253["vote"].astype(str).value_counts()
    five = all253[all253["country_code"].isin(list(GROUPS["A"]))].sort_values("country_code")
    comparisons = published.comparisons(
        "general-assembly-syria",
        {
            "ga-66-253-tally": f"{int(tally.get('yes', 0))}-{int(tally.get('no', 0))}-{int(tally.get('abstain', 0))}",
            "ga-66-253-rejectionists": {str(r.country_code): str(r.vote) for r in five.itertuples()},
            "ga-66-253-ibsa": {
                str(r.country_code): str(r.vote)
                for r in all253[all253["country_code"].isin(list(GROUPS["B"]))].sort_values("country_code").itertuples()
            },
            "ideal-points": contrast_text,
        },
        {"rcid": GA_66_253_RCID},
    )

    n_syr = int(len(select_roll_calls(rc, "syria-votes", "2000-2019")))
    last = pd.to_datetime(rc["date"]).max()
    limitations = [
        f"The last roll call in the data is dated {last.date()}.",
        "Group membership is fixed from the claim (five rejectionists, three IBSA states); with 8 "
        "countries the exact permutation p cannot fall below 1/56 = 0.018.",
        f"Syria votes: {n_syr} roll calls 2000-2019 match the Syria rule, all from 2011 on, so the three "
        "periods select nearly the same roll calls. Some Syria resolutions (e.g. 66/253 B of August 2012, "
        "67/262 of May 2013) are not in the roll-call data.",
        "Countries are compared only on roll calls both voted in; absences are dropped by the data's packager.",
        "The bootstrap resamples roll calls as independent; the yearly resolutions on the same country "
        "are correlated, so the interval may be too narrow.",
        "The ideal-points x yes-share specification is not applicable (ideal points carry no vote coding) "
        "and is reported as not estimable.",
    ]
    return ClaimOutput(
        curve=curve,
        primary_detail=primary_detail,
        details=details,
        comparisons=json_safe(comparisons),
        limitations=limitations,
    )


# --------------------------------------------------------------------------- CC2: is IBSA a camp?


def camp_coherence(D: np.ndarray, in_b: np.ndarray) -> float:
    """T = mean distance between the B group and the others minus mean distance within B."""
    in_b = np.asarray(in_b, dtype=bool)
    iu = np.triu_indices(D.shape[0], 1)
    d = D[iu]
    bb = in_b[iu[0]] & in_b[iu[1]]
    between = in_b[iu[0]] ^ in_b[iu[1]]
    return float(np.mean(d[between]) - np.mean(d[bb]))


def cc2_ibsa_coherence(claim: Claim, data: Data) -> ClaimOutput:
    """Brazil, India and South Africa as a camp of their own among the eight critics: T (mean
    IBSA-rejectionist distance minus mean within-IBSA distance) against all 56 ways of picking
    three of the eight countries as 'IBSA' (exact permutation, upper and lower tails)."""
    votes, rc, ideal = _vote_inputs(data)
    in_b = np.array([c in GROUPS["B"] for c in AB])
    matrix = _matrix_maker(votes, rc, ideal, DesignCache())

    method = (
        "T = mean IBSA-rejectionist distance minus mean within-IBSA distance; exact permutation p over the 56 "
        "ways of labelling three of the eight countries as IBSA"
    )

    def spec(measure: str, coding: str, period: str) -> StatResult:
        if measure == "ideal-points":
            coding = "yes-abstain-no"
        X = matrix(measure, coding, period)
        Xab = X.reindex(list(AB)).to_numpy(dtype=float)
        keep = (~np.isnan(Xab)).sum(axis=0) >= 2
        n = int(keep.sum())
        D = distance_matrix(Xab[:, keep])
        if np.isnan(D[np.triu_indices(len(AB), 1)]).any():
            return StatResult(method=method, n=n, reason="a pair of countries shares no roll call")
        T = camp_coherence(D, in_b)
        vals = np.array(
            [
                camp_coherence(D, np.isin(np.arange(len(AB)), combo))
                for combo in itertools.combinations(range(len(AB)), 3)
            ]
        )
        tol = 1e-12 * max(1.0, abs(T))
        p_hi, p_lo = float(np.mean(vals >= T - tol)), float(np.mean(vals <= T + tol))
        iu = np.triu_indices(len(AB), 1)
        d = D[iu]
        bb = in_b[iu[0]] & in_b[iu[1]]
        between = in_b[iu[0]] ^ in_b[iu[1]]
        return StatResult(
            method=method,
            estimate=T,
            p_value=p_hi,
            n=n,
            extra={
                "p_value_contradict": p_lo,
                "mean_within_ibsa": float(np.mean(d[bb])),
                "mean_ibsa_rejectionists": float(np.mean(d[between])),
                "sample_key": _sample_key(measure, coding, X.columns),
            },
        )

    curve = run_curve(claim, spec, extra_cols=["p_value_contradict", "sample_key"])
    p = claim.primary
    prim = spec(**p)
    primary_detail = json_safe({"result": prim.to_dict()})
    return ClaimOutput(
        curve=curve,
        primary_detail=primary_detail,
        details={},
        limitations=[
            "Eight countries: the exact permutation distribution has 56 labellings, so the "
            "smallest possible p is 1/56 (0.018).",
            "Distances in votes on country-specific human-rights resolutions measure how "
            "states vote, not their reasons.",
        ],
    )


# --------------------------------------------------------------------------- CC4: one country left out


def cc4_leave_one_out(claim: Claim, data: Data) -> ClaimOutput:
    """CC1's separation S and its exact permutation p with one of the eight critics left out
    (`left_out`), on the remaining seven: 35 relabellings without a rejectionist, 21 without
    an IBSA state (the smallest possible p is 1/35 or 1/21). The percentile bootstrap over
    roll calls gives the interval reported beside it, as in CC1."""
    votes, rc, ideal = _vote_inputs(data)
    matrix = _matrix_maker(votes, rc, ideal, DesignCache())

    def spec(measure: str, coding: str, period: str, left_out: str, seed: int) -> StatResult:
        countries = [c for c in AB if c != left_out]
        is_a = np.array([c in GROUPS["A"] for c in countries])
        k_rel = math.comb(len(countries), int(is_a.sum()))
        method = (
            f"separation S on {len(countries)} countries; percentile bootstrap over roll calls; exact "
            f"permutation p over the {k_rel} relabellings"
        )
        if measure == "ideal-points":
            coding = "yes-abstain-no"
        X = matrix(measure, coding, period)
        Xs = X.reindex(countries).to_numpy(dtype=float)
        keep = (~np.isnan(Xs)).sum(axis=0) >= 2
        n = int(keep.sum())
        missing = [c for c, row in zip(countries, Xs) if np.isnan(row).all()]
        if missing:
            return StatResult(method=method, n=n, reason=f"no positions for {missing} in {period}")
        Xs = Xs[:, keep]
        D = distance_matrix(Xs)
        if np.isnan(D[np.triu_indices(len(countries), 1)]).any():
            return StatResult(method=method, n=n, reason="a pair of countries shares no roll call")
        s = separation(D, is_a)
        perm = exact_permutation(D, int(is_a.sum()), s)
        boot = bootstrap_separation(Xs, is_a, N_BOOT, seed, claim.alpha)
        return StatResult(
            method=method,
            estimate=s,
            ci_low=boot["ci_low"],
            ci_high=boot["ci_high"],
            p_value=perm["p_value"],
            n=n,
            extra={
                "permutation": perm,
                "p_value_contradict": perm["p_value_lower"],
                "sample_key": _sample_key(f"{measure}|without:{left_out}", coding, X.columns),
            },
        )

    curve = run_curve(claim, spec, extra_cols=["p_value_contradict", "sample_key"])
    prow = curve
    for k, v in claim.primary.items():
        prow = prow[prow[k] == v]
    prim = spec(**claim.primary, seed=int(prow["seed"].iloc[0]))
    rows = []
    for r in curve.itertuples():
        rows.append(
            {
                "left_out": r.left_out,
                "country": COUNTRY_NAMES.get(r.left_out, "none"),
                "separation": r.estimate,
                "p_value": r.p_value,
                "n_relabellings": math.comb(
                    len(AB) - (r.left_out != "none"), len(GROUPS["A"]) - (r.left_out in GROUPS["A"])
                ),
            }
        )
    primary_detail = json_safe({"result": prim.to_dict(), "by_country_left_out": rows})
    return ClaimOutput(
        curve=curve,
        primary_detail=primary_detail,
        details={},
        limitations=[
            "With seven countries the exact permutation distribution has 35 relabellings (a rejectionist "
            "left out) or 21 (an IBSA state left out): p can be no smaller than 0.029 or 0.048, so a "
            "specification decides only when Brozus's grouping separates best or second best (of 35) or "
            "best (of 21).",
        ],
    )


# --------------------------------------------------------------------------- CC3: double standards

#: COW codes of the rejectionists (the USSR and Russia share 365)
REJECTIONIST_COW = {"China": 710, "Soviet Union / Russia": 365, "Cuba": 40, "Nicaragua": 93, "Venezuela": 101}


def cc3_double_standards(claim: Claim, data: Data) -> ClaimOutput:
    """Share of the rejectionists' military interventions (IMI) that opposed the target's
    government or backed its armed opposition (direction 3 or 4), exact interval."""
    from .regime_change import sample_key, share_vs_majority

    imi = data.table("imi_interventions")
    alpha = claim.alpha
    method = "share, Clopper-Pearson exact two-sided interval"

    def spec(interveners: str, period: str, unit: str, direction: str) -> StatResult:
        codes = list(REJECTIONIST_COW.values()) if interveners == "all-five" else [710, 365]
        a, b = parse_period(period)
        d = imi[
            imi["intervener_cowcode"].isin(codes)
            & imi["start_year"].between(a, b)
            & imi["direction"].notna()
            & ~imi["target_is_io"].astype(bool)
        ]
        against = {"oppose-government-or-support-rebels": (3, 4), "oppose-government": (3,)}[direction]
        y = d["direction"].isin(against)
        if unit == "operation":
            g = d.assign(_y=y).groupby(["target_cowcode", "start_date"])["_y"].any()
            k, n, ids = int(g.sum()), len(g), [f"{t}|{s}" for t, s in g.index]
        else:
            k, n, ids = int(y.sum()), len(d), d["intervention_id"].astype(str).tolist()
        r = share_vs_majority(k, n, alpha, sample_key=sample_key(ids, [k]))
        r.method = method
        r.p_value = None  # the interval decides; no test against one half is meant here
        return r

    curve = run_curve(claim, spec, extra_cols=["sample_key"])
    p = claim.primary
    prim = spec(**p)
    d = imi[imi["intervener_cowcode"].isin(list(REJECTIONIST_COW.values())) & imi["direction"].isin([3, 4])]
    name = {v: k for k, v in REJECTIONIST_COW.items()}
    cases = [
        {
            "intervener": name[int(r.intervener_cowcode)],
            "target_cowcode": int(r.target_cowcode),
            "start_date": str(pd.Timestamp(r.start_date).date()) if pd.notna(r.start_date) else None,
            "direction": int(r.direction),
        }
        for r in d.sort_values(["start_date", "intervention_id"]).itertuples()
    ]
    hmi = data.table("hmi_cases")
    prif = [
        {"case_id": str(r.case_id), "interveners": list(r.interveners), "target": str(r.target_label)}
        for r in hmi[hmi["release"] == "0.3"].itertuples()
        if any(("Russia" in str(x)) or ("China" in str(x)) or ("Cuba" in str(x)) for x in r.interveners)
    ]
    by = {}
    for c, code in REJECTIONIST_COW.items():
        dd = imi[(imi["intervener_cowcode"] == code) & imi["direction"].notna()]
        by[c] = {"interventions": int(len(dd)), "against_government": int(dd["direction"].isin([3, 4]).sum())}
    primary_detail = json_safe(
        {
            "result": prim.to_dict(),
            "by_intervener": by,
            "against_government_cases": cases,
            "prif_cases_with_a_rejectionist_among_interveners": prif,
        }
    )
    return ClaimOutput(
        curve=curve,
        primary_detail=primary_detail,
        details={},
        limitations=[
            f"{len(cases)} IMI interventions by the five states opposed a government or backed "
            "its armed opposition (listed in the primary detail)."
        ],
    )

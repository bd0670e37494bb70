"""The decision rule: the one place where results become verdicts.

The rule is written out at the top of `config/claims.yaml`; this module applies it.

1. Each specification is classified by the claim's declared statistic (`decided_by`):
   - `interval`: SUPPORTS when its whole 95% interval lies on the support side of the
     support bound, CONTRADICTS when it lies wholly on the contradict side of the
     contradict bound, NEITHER otherwise (an interval that straddles: imprecise); for a
     claim of no effect the bounds are an equivalence band: SUPPORTS when the whole
     interval lies inside `between` [lo, hi], CONTRADICTS when it lies wholly beyond
     `outside` [lo, hi] on one side (the band contains the support band);
   - `p_value`: SUPPORTS when the declared test's p-value (column `p_value`) is at most
     alpha and the estimate lies on the support side of the support bound; CONTRADICTS
     when the opposite test's p-value (`p_value_contradict`) is at most alpha and the
     estimate lies on the contradict side of the contradict bound; NEITHER otherwise.
   A specification that has no estimate, an error, a reason, or n below `min_n` is NOT
   ESTIMABLE.
2. Only distinct specifications count: a specification whose sample and estimate equal an
   earlier one's is a duplicate (`duplicate_of` names the first). Where the test names the
   sample (`sample_key`), the same sample key, estimate and n; otherwise the same estimate,
   interval, p and n (and the same reason where none can be estimated).
3. Robustness: among the distinct specifications, the shares that support, contradict,
   are neither and are not estimable (they add up to 1). Robust in the primary's direction
   means both: (a) at least `robust_share` of the distinct specifications that decide
   (support or contradict) go that way, and (b) more than half of the distinct estimable
   specifications go that way. A contradicting specification counts against (a) and (b);
   an imprecise one (neither) only against (b): imprecision is not evidence against a
   claim, but a verdict needs most reasonable analyses to point the same way.
4. Verdict, in this order:
   - the primary specification cannot be estimated, or its n is below min_n -> inconclusive;
   - a declared design check failed -> inconclusive with that reason (unless the registry
     declared beforehand, in `on_fail`, what else a failure means);
   - the primary SUPPORTS and the curve is robust in that direction (3) -> supported;
   - the primary CONTRADICTS and the curve is robust in that direction -> contradicted;
   - otherwise inconclusive, with the reason.
5. Claims that test the same sentence (`findings`) combine into one finding: supported
   when a majority of the pre-declared member claims are supported and none contradicted;
   contradicted likewise; mixed when some are supported and some contradicted; inconclusive
   otherwise. Claims declared after their results were seen are exploratory and never count.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from .registry import Claim

OUTCOMES = ("supports", "contradicts", "neither")


def _nan(v: Any) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA


def _side(value: float, bound: dict) -> bool:
    if "below" in bound:
        return value < bound["below"]
    return value > bound["above"]


def classify(ci_low: float | None, ci_high: float | None, decision: dict) -> str | None:
    """'supports' / 'contradicts' / 'neither' for one interval; None if not estimable."""
    if _nan(ci_low) or _nan(ci_high):
        return None

    def inside(bound: dict) -> bool:
        if "below" in bound:
            return ci_high < bound["below"]
        if "between" in bound:  # equivalence: the whole interval inside the band
            lo, hi = bound["between"]
            return ci_low > lo and ci_high < hi
        if "outside" in bound:  # the whole interval beyond the band on one side
            lo, hi = bound["outside"]
            return ci_high < lo or ci_low > hi
        return ci_low > bound["above"]

    if inside(decision["support"]):
        return "supports"
    if inside(decision["contradict"]):
        return "contradicts"
    return "neither"


def classify_p(
    estimate: float | None, p_support: float | None, p_contradict: float | None, decision: dict, alpha: float
) -> str | None:
    """Classification by a declared test's p-values (see the module docstring)."""
    if _nan(estimate) or (_nan(p_support) and _nan(p_contradict)):
        return None
    if not _nan(p_support) and p_support <= alpha and _side(estimate, decision["support"]):
        return "supports"
    if not _nan(p_contradict) and p_contradict <= alpha and _side(estimate, decision["contradict"]):
        return "contradicts"
    return "neither"


def _key(row: dict) -> tuple:
    def r(v: Any) -> Any:
        if _nan(v):
            return None
        if isinstance(v, (float, np.floating)):
            return float(f"{float(v):.10g}")
        return v

    sk = row.get("sample_key")
    if isinstance(sk, str) and sk:
        # the test names the sample: the same sample and estimate are one specification, even where a
        # resampled interval differs by its seed
        return (sk, r(row.get("estimate")), r(row.get("n")), row.get("reason") or None, row.get("error") or None)
    return (
        None,
        *(r(row.get(c)) for c in ("estimate", "ci_low", "ci_high", "p_value", "n")),
        row.get("reason") or None,
        row.get("error") or None,
    )


def mark_duplicates(curve: pd.DataFrame) -> pd.Series:
    """`duplicate_of`: the spec_id of the first specification with the same sample and numbers."""
    cols = [c for c in ("sample_key", "estimate", "ci_low", "ci_high", "p_value", "n", "reason", "error") if c in curve]
    seen: dict[tuple, str] = {}
    out: list[str | None] = []
    order = curve.sort_values("spec_index", kind="mergesort") if "spec_index" in curve else curve
    dup_by_id: dict[str, str | None] = {}
    for rec in order[["spec_id", *cols]].to_dict("records"):
        k = _key(rec)
        if k in seen:
            dup_by_id[rec["spec_id"]] = seen[k]
        else:
            seen[k] = rec["spec_id"]
            dup_by_id[rec["spec_id"]] = None
    out = [dup_by_id[s] for s in curve["spec_id"]]
    return pd.Series(pd.array(out, dtype="string"), index=curve.index)


def classify_curve(curve: pd.DataFrame, claim: Claim) -> pd.DataFrame:
    """Adds `outcome` (supports / contradicts / neither / <NA> = not estimable), `supports`
    and `duplicate_of` to a specification curve."""
    curve = curve.copy()
    stat = claim.decided_by.get("statistic", "interval")
    pc = curve["p_value_contradict"] if "p_value_contradict" in curve else pd.Series(np.nan, index=curve.index)
    out = []
    for lo, hi, est, p, p2, reason, err, n in zip(
        curve["ci_low"],
        curve["ci_high"],
        curve["estimate"],
        curve["p_value"],
        pc,
        curve["reason"],
        curve["error"],
        curve["n"],
    ):
        if (isinstance(err, str) and err) or (isinstance(reason, str) and reason):
            out.append(None)
        elif pd.isna(n) or int(n) < claim.min_n:
            out.append(None)
        elif stat == "p_value":
            out.append(
                classify_p(
                    None if pd.isna(est) else float(est),
                    None if pd.isna(p) else float(p),
                    None if pd.isna(p2) else float(p2),
                    claim.decision,
                    claim.alpha,
                )
            )
        else:
            out.append(classify(None if pd.isna(lo) else float(lo), None if pd.isna(hi) else float(hi), claim.decision))
    curve["outcome"] = pd.array(out, dtype="string")
    curve["supports"] = pd.array([None if o is None else o == "supports" for o in out], dtype="boolean")
    curve["duplicate_of"] = mark_duplicates(curve)
    return curve


def primary_row(curve: pd.DataFrame, claim: Claim) -> pd.Series:
    mask = np.ones(len(curve), dtype=bool)
    for k, v in claim.primary.items():
        mask &= curve[k].astype(str).to_numpy() == str(v)
    if mask.sum() != 1:
        raise RuntimeError(f"claim {claim.id}: primary specification matched {mask.sum()} rows")
    return curve.loc[mask].iloc[0]


def robustness(curve: pd.DataFrame, claim: Claim) -> dict:
    """Counts and shares over distinct specifications (see the module docstring)."""
    distinct = curve[curve["duplicate_of"].isna()]
    nd = len(distinct)
    o = distinct["outcome"]
    counts = {k: int((o == k).sum()) for k in OUTCOMES}
    n_not = int(o.isna().sum())
    n_est = nd - n_not
    deciding = counts["supports"] + counts["contradicts"]
    est = distinct["estimate"].dropna()

    def share(k: int, d: int) -> float | None:
        return k / d if d else None

    return {
        "n_specs": int(len(curve)),
        "n_distinct": nd,
        "n_estimable": n_est,
        "n_supporting": counts["supports"],
        "n_contradicting": counts["contradicts"],
        "n_neither": counts["neither"],
        "n_not_estimable": n_not,
        "share_supporting": share(counts["supports"], nd),
        "share_contradicting": share(counts["contradicts"], nd),
        "share_neither": share(counts["neither"], nd),
        "share_not_estimable": share(n_not, nd),
        "n_deciding": deciding,
        "agreement_supporting": share(counts["supports"], deciding),
        "agreement_contradicting": share(counts["contradicts"], deciding),
        "robust_share_required": claim.robust_share,
        "median_estimate": float(est.median()) if len(est) else None,
        "max_n": None if curve["n"].dropna().empty else int(curve["n"].dropna().max()),
    }


def failed_checks(checks: dict, claim: Claim) -> list[tuple[dict, dict]]:
    """Declared design checks that failed: (declaration, result) pairs."""
    out = []
    for decl in claim.design_checks:
        res = checks.get(decl["id"])
        if res is None:
            raise RuntimeError(f"claim {claim.id}: the test did not report its declared design check {decl['id']!r}")
        if res.get("passed") is False:
            out.append((decl, res))
    return out


def verdict(primary: pd.Series, curve: pd.DataFrame, claim: Claim, checks: dict | None = None) -> tuple[str, str, dict]:
    """The declared rule (see the module docstring). Returns (verdict, reason, robustness)."""
    rob = robustness(curve, claim)
    n = primary["n"]
    for col in ("error", "reason"):
        v = primary.get(col)
        if isinstance(v, str) and v:
            return "inconclusive", f"the primary specification could not be estimated: {v}", rob
    if pd.isna(n) or int(n) < claim.min_n:
        return (
            "inconclusive",
            (f"data too thin: n = {0 if pd.isna(n) else int(n)} is below the declared minimum of {claim.min_n}"),
            rob,
        )
    for decl, res in failed_checks(checks or {}, claim):
        on_fail = decl.get("on_fail")
        if on_fail is None:
            return (
                "inconclusive",
                (
                    f"the declared design check '{decl['id']}' failed ({res.get('detail', 'no detail')}): "
                    f"{decl['description']}"
                ),
                rob,
            )
    outcome = primary["outcome"]
    nd, k, ne = rob["n_deciding"], claim.robust_share, rob["n_estimable"]
    tail = (
        f" ({rob['n_supporting']} of {rob['n_distinct']} distinct specifications support, "
        f"{rob['n_contradicting']} contradict, {rob['n_neither']} are too imprecise to decide, "
        f"{rob['n_not_estimable']} cannot be estimated or fall below the minimum n)"
    )
    for side, word, verdict_word, n_side in (
        ("supports", "supporting", "supported", rob["n_supporting"]),
        ("contradicts", "contradicting", "contradicted", rob["n_contradicting"]),
    ):
        if outcome != side:
            continue
        agree = rob[f"agreement_{word}"]
        if agree is not None and agree >= k and 2 * n_side > ne:
            return (
                verdict_word,
                (
                    f"the primary specification {side} the claim under the declared rule; "
                    f"{agree:.0%} of the {nd} distinct specifications that decide agree, and they are "
                    f"{n_side} of the {ne} distinct estimable specifications" + tail
                ),
                rob,
            )
        why = (
            f"only {agree:.0%} of the {nd} distinct specifications that decide agree (at least {k:.0%} required)"
            if agree is None or agree < k
            else f"only {n_side} of the {ne} distinct estimable specifications agree (more than half required)"
        )
        return "inconclusive", f"not robust: the primary specification {side} the claim but {why}" + tail, rob
    stat = claim.decided_by.get("statistic", "interval")
    if stat == "p_value":
        return (
            "inconclusive",
            (
                "the declared test of the primary specification is not significant at "
                f"alpha = {claim.alpha}: the data cannot decide" + tail
            ),
            rob,
        )
    return "inconclusive", "the primary interval straddles the declared bounds: the data cannot decide" + tail, rob


def _bound_text(b: dict) -> str:
    if "between" in b:
        return f"inside the band ({b['between'][0]}, {b['between'][1]})"
    if "outside" in b:
        return f"outside the band [{b['outside'][0]}, {b['outside'][1]}] on one side"
    return f"below {b['below']}" if "below" in b else f"above {b['above']}"


def decision_rule_text(claim: Claim) -> str:
    d = claim.decision
    k = f"{claim.robust_share:.0%}"
    stat = claim.decided_by.get("statistic", "interval")
    test = claim.decided_by.get("test")
    if stat == "p_value":
        how_s = (
            f"the declared test ({test}) is significant at alpha = {claim.alpha} with the estimate "
            f"{_bound_text(d['support'])}"
        )
        how_c = f"the opposite test is significant with the estimate {_bound_text(d['contradict'])}"
    else:
        how_s = f"entire 95% interval is {_bound_text(d['support'])}" + (f" ({test})" if test else "")
        how_c = f"entire 95% interval is {_bound_text(d['contradict'])}"
    checks = "".join(
        f"; inconclusive if the design check '{c['id']}' fails" for c in claim.design_checks if c.get("on_fail") is None
    )
    return (
        f"supported if the primary specification's {how_s} and at least {k} of the distinct specifications "
        f"that decide agree; contradicted if its {how_c} and at least {k} of them agree; inconclusive "
        f"otherwise, or when n < {claim.min_n}{checks}."
    )


def combine_finding(
    finding: dict, verdicts: dict[str, str], exploratory: set[str], revised: set[str] = frozenset()
) -> dict:
    """One finding for a sentence from the verdicts of the claims that test it (rule 5)."""
    members = [c for c in finding["claims"] if c not in exploratory]
    vs = [verdicts[c] for c in members]
    n_sup, n_con = vs.count("supported"), vs.count("contradicted")
    if n_sup and n_con:
        v, why = "mixed", f"{n_sup} of {len(vs)} tests support the sentence and {n_con} contradict it"
    elif n_sup * 2 > len(vs):
        v, why = "supported", f"{n_sup} of {len(vs)} tests support the sentence and none contradicts it"
    elif n_con * 2 > len(vs):
        v, why = "contradicted", f"{n_con} of {len(vs)} tests contradict the sentence and none supports it"
    else:
        v, why = (
            "inconclusive",
            (f"{n_sup} of {len(vs)} tests support, {n_con} contradict, {vs.count('inconclusive')} are inconclusive"),
        )
    return {
        "id": finding["id"],
        "sentence": finding["sentence"],
        "source": finding.get("source"),
        "claims": members,
        "exploratory_claims": [c for c in finding["claims"] if c in exploratory],
        "verdicts": {c: verdicts[c] for c in finding["claims"]},
        "finding": v,
        "reason": why,
        "revised_after_results": [c for c in members if c in revised],
    }

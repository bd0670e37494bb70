"""The appendix's replication table: PRIF's 2013 findings beside the project's results (RP1-RP3).

Every number comes from the claims' results: the primary specification from
`results/claims/<id>.json`, the row of the universe closest to the 2013 report (the
specification that differs from the primary only in `period: 1947-2005`) from
`results/claims/spec_curve.parquet`, classified there by the one decision rule
(`analysis.claims.decision`). Nothing here decides or computes an estimate.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd

#: the replication claims, in the order of the report's three findings
CLAIMS = ("RP1", "RP2", "RP3")
SUBSET = {"period": "1947-2005"}
UNIVERSES = {
    "primary": "PRIF v0.3, all 41 interventions (1960-2014)",
    "subset": "PRIF v0.3, interventions starting 1947-2005 (closest to the 2013 report's 31)",
}
OUTCOME_WORDS = {"supports": "supports", "contradicts": "contradicts", "neither": "neither (too imprecise)"}

#: why the project's numbers may differ from the report's, whatever the numbers are: data versions and
#: case definitions (the per-claim facts below are read from the results)
COMMON_REASONS = (
    "The 2013 report used PRIF's own earlier data (31 interventions 1947-2005); the project uses PRIF HMI "
    "v0.3 (41 interventions 1960-2014), whose case list, start and end dates may differ from the report's; "
    "the report's case list and methods were not at hand (its findings are known here only from a summary of "
    "its conclusions, the project's list of published figures), so the comparison is with its conclusions, "
    "not its numbers."
)


#: short labels of the estimands (the full wording is in each claim's section); the value of "no effect"
LABELS = {
    "RP1": ("odds ratio of a war episode ending, years with vs without an intervention", 1.0),
    "RP2": ("geometric mean ratio of killing after / before", 1.0),
    "RP3": ("risk difference of relapse within {years} years, with minus without an intervention", 0.0),
}


def _fmt(x: float | None, signed: bool = False) -> str:
    if x is None or pd.isna(x):
        return "n/a"
    return f"{x:+.3f}" if signed else f"{x:.2f}"


def excludes_no_effect(lo: Any, hi: Any, null: float) -> str:
    """Whether the 95% interval excludes no effect (descriptive; it decides nothing)."""
    if lo is None or hi is None or pd.isna(lo) or pd.isna(hi):
        return "n/a"
    if lo > null:
        return "yes (above)"
    if hi < null:
        return "yes (below)"
    return "no"


def estimate_text(est: Any, lo: Any, hi: Any, signed: bool = False) -> str:
    if est is None or pd.isna(est):
        return "not estimable"
    return f"{_fmt(est, signed)} [{_fmt(lo, signed)}, {_fmt(hi, signed)}]"


def subset_row(curve: pd.DataFrame, r: dict) -> dict | None:
    """The curve row that differs from the primary only in the subset's choices."""
    want = {**r["primary_specification"], **SUBSET}
    c = curve[curve["claim_id"] == r["id"]]
    for rec in c.to_dict("records"):
        ch = json.loads(rec["choices"])
        if all(str(ch.get(k)) == str(v) for k, v in want.items()):
            return rec
    return None


def reasons(r: dict) -> str:
    """Claim-specific reasons for a difference, from the result's own details."""
    d = r.get("primary_detail") or {}
    cid = r["id"]
    if cid == "RP1":
        nl = d.get("interventions_not_linked") or []
        return (
            f"War = UCDP ACD 25.1 intrastate episode; {d.get('interventions_linked', 'n/a')} interventions link to an "
            f"episode through PRIF's UCDP ids, {len(nl)} do not ({', '.join(nl) or 'none'}); "
            "the report's war data and comparison are not known here."
        )
    if cid == "RP2":
        cases = d.get("cases") or []
        measured = sum(1 for c in cases if c.get("why_not") is None)
        zero = sum(1 for c in cases if c.get("why_not") is None and c.get("after") == 0)
        text = (
            f"Killing = UCDP one-sided deaths, which start in 1989: {measured} of {len(cases)} interventions measured, "
            f"{zero} of them with no recorded one-sided deaths afterwards (UCDP records an actor's killing only from 25 "
            "deaths a year); a before/after comparison without a comparison group, biased towards a fall."
        )
        b = d.get("benchmark")
        if b:
            rel, comp = b["relative"], b["comparison_only"]
            text += (
                " Beside the verdict (deciding nothing): conflict countries without an intervention over the same "
                f"years (PC1's comparison rule) changed by {estimate_text(comp['estimate'], comp['ci_low'], comp['ci_high'])}; "
                f"the interventions' ratio relative to theirs is {estimate_text(rel['estimate'], rel['ci_low'], rel['ci_high'])} "
                f"(n = {rel['n']})."
            )
        return text
    if cid == "RP3":
        return (
            f"Relapse = renewed UCDP armed conflict within the declared years after an ACD episode ended; "
            f"{_count(d, 'episodes_with')} ended episodes with an intervention against "
            f"{_count(d, 'episodes_without')} without; the report's definition and follow-up are not known here."
        )
    return ""


def _count(d: dict, k: str) -> str:
    v = d.get(k)
    return "n/a" if v is None else str(v)


def replication_rows(results_dir: str | Path) -> list[dict]:
    """One row per claim and universe: published finding, universe, estimand, estimate [95% interval],
    whether the interval excludes no effect (descriptive), the rule's classification, verdict, n, reasons
    for a difference."""
    base = Path(results_dir)
    curve = pd.read_parquet(base / "claims" / "spec_curve.parquet")
    rows = []
    for cid in CLAIMS:
        p = base / "claims" / f"{cid}.json"
        if not p.exists():
            continue
        r = json.loads(p.read_text(encoding="utf-8"))
        published = (r.get("comparisons") or [{}])[0].get("published", r["claim"])
        signed = cid == "RP3"
        pr = r["primary"]
        label, null = LABELS[cid]
        label = label.format(**r["primary_specification"])
        rows.append(
            {
                "claim": cid,
                "published": published,
                "universe": UNIVERSES["primary"],
                "estimand": label,
                "estimate": estimate_text(pr["estimate"], pr["ci_low"], pr["ci_high"], signed),
                "excludes_no_effect": excludes_no_effect(pr["ci_low"], pr["ci_high"], null),
                "classification": OUTCOME_WORDS.get(pr.get("outcome") or "", "not estimable"),
                "verdict": r["verdict"],
                "n": pr["n"],
                "reasons": reasons(r),
            }
        )
        s = subset_row(curve, r)
        if s is not None:
            rows.append(
                {
                    "claim": cid,
                    "published": published,
                    "universe": UNIVERSES["subset"],
                    "estimand": "as above",
                    "estimate": estimate_text(s["estimate"], s["ci_low"], s["ci_high"], signed),
                    "excludes_no_effect": excludes_no_effect(s["ci_low"], s["ci_high"], null),
                    "classification": OUTCOME_WORDS.get(
                        s["outcome"] if isinstance(s["outcome"], str) else "", "not estimable"
                    ),
                    "verdict": "(a specification: counts in the claim's robustness, has no verdict of its own)",
                    "n": None if pd.isna(s["n"]) else int(s["n"]),
                    "reasons": "as above; fewer cases",
                }
            )
    return rows


def declarations(results_dir: str | Path) -> list[str]:
    """'RP1, declared 2026-12-06: <what had been seen>' for each replication claim (from its result)."""
    out = []
    for cid in CLAIMS:
        p = Path(results_dir) / "claims" / f"{cid}.json"
        if p.exists():
            r = json.loads(p.read_text(encoding="utf-8"))
            d = r.get("declared") or r.get("declared_after_results") or {}
            out.append(f"{cid}, declared {d.get('date', 'n/a')}: {d.get('note', 'no note')}")
    return out

"""Per-intervention brief data and the five-conditions checklist.

For each humanitarian military intervention (both PRIF releases, one brief per case
id) this writes `results/briefs/<slug>.json`: the case's facts, a timeline, fatalities
before / during / after (UCDP, 1989 onwards), the perpetrators of one-sided violence
in the target country around the intervention, and a checklist of Brozus's five
conditions as far as the data can code them. `results/conditions.json` aggregates the
checklist over all interventions for the policy paper.

Brozus's conditions and what the data can say (PRIF HMI codebook v1.13):

1. UNSC authorisation            coded: UNSC = 2 (mandate or approval)
2. goal: behaviour, not regime   circular: REGIME = 0 is the outcome the condition should
                                 help explain, so it is shown, never counted as evidence
3. justified only by protection  by construction: SAVING = 1 for every case PRIF selects
                                 (it selects humanitarian cases), so it is shown, never
                                 counted as evidence
4. force used only to protect    not coded
5. post-conflict assistance      not coded per intervention; net ODA in aggregate: claim PC1

Each condition carries `evidence`: whether its coding can count as evidence about the
interventions (False for a circular or by-construction coding).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from .io import atomic_dir, read_parquet, write_json
from .stats import json_safe

CONDITIONS = [
    {"n": 1, "short": "UNSC authorisation", "condition": "UN Security Council authorisation", "status": "coded",
     "measure": "PRIF UNSC = 2 (mandate or approval)"},
    {"n": 2, "short": "Goal: behaviour, not regime", "condition": "Stated goal is a change of regime behaviour, not of regime composition", "status": "circular",
     "evidence": False,
     "measure": "PRIF REGIME = 0 (no regime change): coded from the outcome the condition should explain, not from a "
                "stated goal; shown, not counted as evidence"},
    {"n": 3, "short": "Justified only by protection", "condition": "Intervention justified only in terms of protecting a population", "status": "by construction",
     "evidence": False,
     "measure": "PRIF SAVING = 1: met by every intervention because PRIF selects humanitarian cases; shown, not counted "
                "as evidence (sole justification is not coded)"},
    {"n": 4, "short": "Force only to protect", "condition": "Force used only for the purpose of protecting", "status": "not coded",
     "evidence": False, "measure": "no variable in the data codes the purpose of each use of force"},
    {"n": 5, "short": "Post-conflict assistance", "condition": "Comprehensive assistance offered for post-conflict reconstruction", "status": "not coded",
     "evidence": False, "measure": "not coded per intervention (no variable codes what the interveners offered); in "
                                   "aid terms, claim PC1 compares net ODA after each intervention with comparable "
                                   "conflict countries"},
]
CONDITIONS[0]["evidence"] = True


def checklist(case: pd.Series) -> list[dict]:
    def val(v):
        return None if pd.isna(v) else bool(v)

    met = {
        1: val(case["mandate"]),
        2: None if pd.isna(case["regime_change"]) else not bool(case["regime_change"]),
        3: val(case["saving"]),
        4: None,
        5: None,
    }
    return [dict(c, met=met[c["n"]]) for c in CONDITIONS]


def conditions_summary(hmi: pd.DataFrame) -> dict:
    out = {"conditions": CONDITIONS, "releases": {}}
    for rel, h in hmi.groupby("release", sort=True):
        rows = [checklist(r) for _, r in h.iterrows()]
        per = []
        for i, c in enumerate(CONDITIONS):
            vals = [r[i]["met"] for r in rows]
            coded = [v for v in vals if v is not None]
            per.append({"n": c["n"], "met": int(sum(coded)), "coded": len(coded), "total": len(vals)})
        all3 = [all(r[i]["met"] is True for i in range(3)) for r in rows]
        evid = [i for i, c in enumerate(CONDITIONS) if c["evidence"]]
        out["releases"][rel] = {
            "n_interventions": len(h),
            "first_start_year": int(h["start_year"].min()),
            "last_start_year": int(h["start_year"].max()),
            "per_condition": per,
            "meet_coded_1_to_3": int(sum(all3)),
            "cases_meeting_1_to_3": sorted(h.loc[np.array(all3), "case_id"].tolist()),
            "regime_change_cases": sorted(h.loc[h["regime_change"].fillna(False).astype(bool), "case_id"].tolist()),
            "conditions_counted_as_evidence": [CONDITIONS[i]["n"] for i in evid],
            "regime_change_with_mandate": sorted(
                h.loc[h["regime_change"].fillna(False).astype(bool) & h["mandate"].fillna(False).astype(bool),
                      "case_id"].tolist()),
            "regional_org_involved": int((h["regional_org"].fillna(0) > 0).sum()),
            "regional_org_coded": int(h["regional_org"].notna().sum()),
        }
    return json_safe(out)


def _window_sum(cy: pd.DataFrame, col: str, y0: int, y1: int) -> float | None:
    s = cy.loc[cy.year.between(y0, y1), col]
    if len(s) == 0 or s.isna().all() or s.isna().any():
        return None  # partly outside UCDP coverage: not a number we can state
    return float(s.sum())


def case_brief(case: pd.Series, cy_case: pd.DataFrame, osv: pd.DataFrame, releases: list[str], last_year: int) -> dict:
    start = int(case["start_year"])
    end = last_year if pd.isna(case["end_year"]) else int(case["end_year"])
    fat = []
    for label, (y0, y1) in {"3 years before": (start - 3, start - 1), "during": (start, end), "3 years after": (end + 1, end + 3)}.items():
        y1 = min(y1, last_year)
        row = {"period": label, "years": f"{y0}-{y1}" if y0 <= y1 else "none"}
        for col in ("battle_deaths_best", "osv_gov_best", "osv_nonstate_best"):
            row[col] = _window_sum(cy_case, col, y0, y1) if y0 <= y1 else None
        fat.append(row)
    g = str(int(case["gwcode"])) if not pd.isna(case["gwcode"]) else None
    perps = []
    if g is not None:
        w = osv[osv.year.between(start - 3, min(end + 3, last_year))]
        here = w["gwno_location_list"].map(lambda l: g in [str(x) for x in (l if l is not None else [])]).astype(bool)
        w = w.loc[here]
        agg = w.groupby(["actor_name", "is_government_actor"], dropna=False).agg(
            deaths_best=("best", "sum"), first_year=("year", "min"), last_year=("year", "max")).reset_index()
        agg = agg.sort_values(["deaths_best", "actor_name"], ascending=[False, True])
        perps = [
            {"actor": r.actor_name, "government": bool(r.is_government_actor), "deaths_best": float(r.deaths_best),
             "years": f"{int(r.first_year)}-{int(r.last_year)}"}
            for r in agg.itertuples(index=False)
        ]
    timeline = [{"date": case["start_date"], "event": "intervention starts"}]
    if not pd.isna(case["end_date"]):
        timeline.append({"date": case["end_date"], "event": "intervention ends"})
    return json_safe({
        "case_id": case["case_id"], "slug": case["slug"], "releases": releases,
        "title": f"Intervention brief: {case['case_id']}",
        "target_country": case["target_country"], "target_area": case["target_area"], "gwcode": case["gwcode"],
        "start_date": str(case["start_date"].date()) if not pd.isna(case["start_date"]) else None,
        "end_date": str(case["end_date"].date()) if not pd.isna(case["end_date"]) else None,
        "ongoing": case["ongoing"], "start_year": start, "end_year": None if pd.isna(case["end_year"]) else int(case["end_year"]),
        "duration_days": case["duration_days"], "interveners": list(case["interveners"]), "p5": case["p5"],
        "p5_members": list(case["p5_members"]), "mandate": case["mandate"], "unsc_label": case["unsc_label"],
        "target_label": case["target_label"], "regime_change": case["regime_change"], "status_label": case["status_label"],
        "regional_org_label": case["regional_org_label"], "saving": case["saving"],
        "timeline": [{"date": str(pd.Timestamp(t["date"]).date()), "event": t["event"]} for t in timeline if not pd.isna(t["date"])],
        "fatalities": fat, "ucdp_coverage_note": "UCDP fatality data cover 1989 onwards; periods outside coverage are not stated.",
        "perpetrators": perps, "checklist": checklist(case),
        "source": {"file": case["source_file"], "row": case["source_row"]},
    })


#: The manifest of the briefs' data files, beside `briefs/` (written last).
SLUGS_FILE = "brief-slugs.json"


def write_all(processed: Path, out: Path, last_year: int | None = None) -> list[str]:
    """Every brief's data and the conditions summary; `last_year` (of open-ended interventions'
    windows) defaults to the panel's last year, as the data say it."""
    from .figures import brief_cases
    from .panel import hmi_gwcodes, mapper_from_processed

    hmi = read_parquet(processed / "hmi_cases.parquet")
    cy = read_parquet(processed / "country_year.parquet")
    osv = read_parquet(processed / "ucdp_onesided.parquet")
    if last_year is None:
        last_year = int(cy["year"].max())
    mapper = mapper_from_processed(processed)
    rel_of = hmi.groupby("case_id")["release"].apply(lambda s: sorted(s)).to_dict()
    cases = brief_cases(hmi)
    cases = cases.assign(gwcode=hmi_gwcodes(cases, mapper))
    slugs = []
    with atomic_dir(out / "briefs") as tmp:  # the whole set replaces the old one: no stale or partial set
        for _, case in cases.iterrows():
            cy_case = cy[cy.gwcode == case["gwcode"]] if not pd.isna(case["gwcode"]) else cy.iloc[0:0]
            write_json(case_brief(case, cy_case, osv, rel_of[case["case_id"]], last_year), tmp / f"{case['slug']}.json")
            slugs.append(case["slug"])
    write_json(conditions_summary(hmi), out / "conditions.json")
    # the manifest of the set (the workflow reads the slugs from it, and a brief's data
    # file that went missing is noticed and rebuilt rather than its brief dropped)
    write_json({"slugs": sorted(slugs)}, out / SLUGS_FILE)
    return slugs

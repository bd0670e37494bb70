"""Per-intervention brief data and the five-conditions checklist.

For each humanitarian military intervention (both PRIF releases, one brief per case
id) this writes `results/briefs/<slug>.json`: the case's facts, a timeline, fatalities
before / during / after (UCDP, from the first year its data cover), the perpetrators of one-sided violence
in the target country around the intervention, and a checklist of Brozus's five
conditions as far as the data can code them. `results/conditions.json` aggregates the
checklist over all interventions for the policy paper.

The checklist itself is coded in `analysis/checklist.py` (rules and notes in
`config/coding/conditions.yaml`) and stored as `data/processed/conditions_checklist.parquet`:
each cell is met / not met / cannot be coded from these data, with its source and a coding
note; a cell met by construction of the case selection (condition 3) or read off the outcome
is shown as such and never counted as evidence. This module only reads it.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from . import checklist as CL
from .io import atomic_dir, read_parquet, write_json
from .stats import json_safe


def checklist(case_id: str, table: pd.DataFrame) -> list[dict]:
    """The intervention's five cells from the checklist table (empty if it is not in PRIF v0.3)."""
    rows = table[table["case_id"] == case_id].sort_values("condition")
    return [
        {
            "n": int(r.condition),
            "short": str(r.short),
            "value": str(r.value),
            "basis": str(r.basis),
            "evidence": bool(r.counts_as_evidence),
            "source": str(r.source),
            "rule": str(r.rule),
            "resolution": None if pd.isna(r.resolution) else int(r.resolution),
            "note": str(r.note),
            "timing": str(r.timing),
        }
        for r in rows.itertuples(index=False)
    ]


def conditions_summary(hmi: pd.DataFrame, table: pd.DataFrame, rules: dict) -> dict:
    """The checklist over all interventions (PRIF v0.3) for the paper: per condition the counts
    of each value and of cells that count as evidence, and the regime-change cases beside it."""
    h = hmi[hmi["release"] == "0.3"]
    w = CL.wide(table)
    rc = sorted(h.loc[h["regime_change"].fillna(False).astype(bool), "case_id"])
    mandate = set(h.loc[h["mandate"].fillna(False).astype(bool), "case_id"])
    return json_safe(
        {
            "conditions": CL.rules_summary(rules),
            "per_condition": CL.summary(table),
            "n_interventions": int(table["case_id"].nunique()),
            "first_start_year": int(h["start_year"].min()),
            "last_start_year": int(h["start_year"].max()),
            "regime_change_cases": rc,
            "regime_change_with_mandate": sorted(set(rc) & mandate),
            "regime_change_rows": {c: {k: str(v) for k, v in w.loc[c].items()} for c in rc if c in w.index},
            "linked_resolutions": int(table.loc[table["condition"] == 1, "resolution"].notna().sum()),
            "regional_org_involved": int((h["regional_org"].fillna(0) > 0).sum()),
            "regional_org_coded": int(h["regional_org"].notna().sum()),
        }
    )


def _window_sum(cy: pd.DataFrame, col: str, y0: int, y1: int) -> float | None:
    s = cy.loc[cy.year.between(y0, y1), col]
    if len(s) == 0 or s.isna().all() or s.isna().any():
        return None  # partly outside UCDP coverage: not a number we can state
    return float(s.sum())


FATALITY_COLUMNS = ("battle_deaths_best", "osv_gov_best", "osv_nonstate_best")


def ucdp_first_year(cy: pd.DataFrame) -> int:
    """The first year for which the panel holds every UCDP fatality column (the data say it)."""
    return max(int(cy.loc[cy[c].notna(), "year"].min()) for c in FATALITY_COLUMNS)


def case_brief(
    case: pd.Series,
    cy_case: pd.DataFrame,
    osv: pd.DataFrame,
    releases: list[str],
    last_year: int,
    table: pd.DataFrame,
    ucdp_first: int = 1989,
) -> dict:
    """One brief's data; `ucdp_first`: the first year the UCDP fatality data cover (write_all
    reads it from the panel)."""
    start = int(case["start_year"])
    end = last_year if pd.isna(case["end_year"]) else int(case["end_year"])
    fat = []
    for label, (y0, y1) in {
        "3 years before": (start - 3, start - 1),
        "during": (start, end),
        "3 years after": (end + 1, end + 3),
    }.items():
        y1 = min(y1, last_year)
        row = {"period": label, "years": f"{y0}-{y1}" if y0 <= y1 else "none"}
        for col in FATALITY_COLUMNS:
            row[col] = _window_sum(cy_case, col, y0, y1) if y0 <= y1 else None
        fat.append(row)
    g = str(int(case["gwcode"])) if not pd.isna(case["gwcode"]) else None
    perps = []
    if g is not None:
        w = osv[osv.year.between(start - 3, min(end + 3, last_year))]
        here = (
            w["gwno_location_list"]
            .map(lambda locs: g in [str(x) for x in (locs if locs is not None else [])])
            .astype(bool)
        )
        w = w.loc[here]
        agg = (
            w.groupby(["actor_name", "is_government_actor"], dropna=False)
            .agg(deaths_best=("best", "sum"), first_year=("year", "min"), last_year=("year", "max"))
            .reset_index()
        )
        agg = agg.sort_values(["deaths_best", "actor_name"], ascending=[False, True])
        perps = [
            {
                "actor": r.actor_name,
                "government": bool(r.is_government_actor),
                "deaths_best": float(r.deaths_best),
                "years": f"{int(r.first_year)}-{int(r.last_year)}",
            }
            for r in agg.itertuples(index=False)
        ]
    timeline = [{"date": case["start_date"], "event": "intervention starts"}]
    if not pd.isna(case["end_date"]):
        timeline.append({"date": case["end_date"], "event": "intervention ends"})
    return json_safe(
        {
            "case_id": case["case_id"],
            "slug": case["slug"],
            "releases": releases,
            "title": f"Intervention brief: {case['case_id']}",
            "target_country": case["target_country"],
            "target_area": case["target_area"],
            "gwcode": case["gwcode"],
            "start_date": str(case["start_date"].date()) if not pd.isna(case["start_date"]) else None,
            "end_date": str(case["end_date"].date()) if not pd.isna(case["end_date"]) else None,
            "ongoing": case["ongoing"],
            "start_year": start,
            "end_year": None if pd.isna(case["end_year"]) else int(case["end_year"]),
            "duration_days": case["duration_days"],
            "interveners": list(case["interveners"]),
            "p5": case["p5"],
            "p5_members": list(case["p5_members"]),
            "mandate": case["mandate"],
            "unsc_label": case["unsc_label"],
            "target_label": case["target_label"],
            "regime_change": case["regime_change"],
            "status_label": case["status_label"],
            "regional_org_label": case["regional_org_label"],
            "saving": case["saving"],
            "timeline": [
                {"date": str(pd.Timestamp(t["date"]).date()), "event": t["event"]}
                for t in timeline
                if not pd.isna(t["date"])
            ],
            "fatalities": fat,
            "ucdp_coverage_note": f"UCDP fatality data cover {ucdp_first} onwards; periods outside coverage are not stated.",
            "perpetrators": perps,
            "checklist": checklist(case["case_id"], table),
            "source": {"file": case["source_file"], "row": case["source_row"]},
        }
    )


#: The manifest of the briefs' data files, beside `briefs/` (written last).
SLUGS_FILE = "brief-slugs.json"


def write_all(
    processed: Path, out: Path, last_year: int | None = None, rules_path: str | Path = CL.RULES_PATH
) -> list[str]:
    """Every brief's data and the conditions summary; `last_year` (of open-ended interventions'
    windows) defaults to the panel's last year, as the data say it."""
    from .figures import brief_cases
    from .panel import hmi_gwcodes, mapper_from_processed

    hmi = read_parquet(processed / "hmi_cases.parquet")
    cy = read_parquet(processed / "country_year.parquet")
    osv = read_parquet(processed / "ucdp_onesided.parquet")
    table = read_parquet(processed / CL.OUTPUT)
    if last_year is None:
        last_year = int(cy["year"].max())
    ucdp_first = ucdp_first_year(cy)
    mapper = mapper_from_processed(processed)
    rel_of = hmi.groupby("case_id")["release"].apply(lambda s: sorted(s)).to_dict()
    cases = brief_cases(hmi)
    cases = cases.assign(gwcode=hmi_gwcodes(cases, mapper))
    slugs = []
    with atomic_dir(out / "briefs") as tmp:  # the whole set replaces the old one: no stale or partial set
        for _, case in cases.iterrows():
            cy_case = cy[cy.gwcode == case["gwcode"]] if not pd.isna(case["gwcode"]) else cy.iloc[0:0]
            write_json(
                case_brief(case, cy_case, osv, rel_of[case["case_id"]], last_year, table, ucdp_first),
                tmp / f"{case['slug']}.json",
            )
            slugs.append(case["slug"])
    write_json(conditions_summary(hmi, table, CL.load_rules(rules_path)), out / "conditions.json")
    # the manifest of the set (the workflow reads the slugs from it, and a brief's data
    # file that went missing is noticed and rebuilt rather than its brief dropped)
    write_json({"slugs": sorted(slugs)}, out / SLUGS_FILE)
    return slugs

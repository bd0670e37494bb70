"""Build every report figure once, in one process (altair and vl-convert load once).

Writes `results/figures/<name>.vl.json` and `.svg` for each figure, per-case figures
under `results/figures/briefs/`, and `results/figures/index.json` listing each figure
with the function that made it, its inputs and its alt text (provenance for reviewers).
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from .io import write_json

STATIC = ("hmi_timeline", "onset_series", "veto_series")


def figure_names(claim_ids: list[str]) -> list[str]:
    return [*STATIC, *(f"spec_curve_{c}" for c in claim_ids), "rc1_breakdown", "cc1_positions"]


def brief_cases(hmi: pd.DataFrame) -> pd.DataFrame:
    """One row per intervention across both releases (0.3 preferred; 2019-only cases kept)."""
    h = hmi.sort_values(["case_id", "release"]).drop_duplicates("case_id", keep="first")
    return h.sort_values("slug").reset_index(drop=True)


def _rc1_rows(rc1: dict) -> list[dict]:
    """Shares by group from RC1's breakdowns (whatever groups the claim module reports)."""
    rows = []
    for b in rc1.get("details", {}).get("breakdowns", []):
        for g in b.get("groups", []):
            if g.get("n"):
                rows.append({"group": f"{b.get('by', '')}: {g.get('group')}", "share": g.get("share"),
                             "ci_low": g.get("ci_low"), "ci_high": g.get("ci_high"), "k": g.get("k"), "n": g.get("n")})
    return rows


def _cc1_rows(cc1: dict) -> list[dict]:
    return [
        {"country": r["country"], "group": r["group"], "position": r["position"]}
        for r in cc1.get("primary_detail", {}).get("positions", [])
        if r.get("position") is not None
    ]


def build_all(processed: Path, claims_dir: Path, out: Path, claim_ids: list[str]) -> dict:
    from . import charts
    from .panel import hmi_gwcodes, mapper_from_processed

    index: dict[str, dict] = {}

    def save(chart, name: str, sub: str = "") -> None:
        spec_path, svg_path = charts.save_chart(chart, out / sub if sub else out, name)
        spec = chart.to_dict()
        index[f"{sub}/{name}" if sub else name] = {
            "spec": str(spec_path), "svg": str(svg_path), "alt": spec.get("description", ""),
            "title": (spec.get("title") or {}).get("text", "") if isinstance(spec.get("title"), dict) else spec.get("title", ""),
            **spec.get("usermeta", {}).get("r2p", {}),
        }

    hmi = pd.read_parquet(processed / "hmi_cases.parquet")
    cy = pd.read_parquet(processed / "country_year.parquet")
    save(charts.hmi_timeline(hmi), "hmi_timeline")
    save(charts.onset_series(cy), "onset_series")
    save(charts.veto_series(pd.read_parquet(processed / "unsc_vetoes_by_member.parquet")), "veto_series")

    curves = pd.read_parquet(claims_dir / "spec_curve.parquet")
    results = {c: json.loads((claims_dir / f"{c}.json").read_text(encoding="utf-8")) for c in claim_ids}
    for c in claim_ids:
        save(charts.spec_curve_chart(curves[curves.claim_id == c], results[c]), f"spec_curve_{c}")
    rows = _rc1_rows(results.get("RC1", {}))
    save(charts.share_breakdown(rows or [{"group": "no breakdown reported", "share": None, "ci_low": None, "ci_high": None, "k": 0, "n": 0}],
                                "Regime-change activity by group", "PRIF 0.3; 95% exact intervals",
                                ["results/claims/RC1.json"]), "rc1_breakdown")
    rows = _cc1_rows(results.get("CC1", {}))
    save(charts.group_positions(rows or [{"country": "n/a", "group": "n/a", "position": 0.0}],
                                "Votes on country-specific human-rights resolutions",
                                "Mean position, General Assembly roll calls", ["results/claims/CC1.json"]), "cc1_positions")

    # one fatalities chart per intervention brief
    mapper = mapper_from_processed(processed)
    cases = brief_cases(hmi)
    cases = cases.assign(gwcode=hmi_gwcodes(cases, mapper))
    for r in cases.itertuples(index=False):
        sub = cy[(cy.gwcode == r.gwcode) & cy.year.between(int(r.start_year) - 3, int(r.start_year) + 3)]
        sub = sub[["year", "osv_gov_best", "osv_nonstate_best", "battle_deaths_best"]].astype({"osv_gov_best": float, "osv_nonstate_best": float, "battle_deaths_best": float})
        save(charts.case_fatalities(sub, {"case_id": r.case_id, "start_year": r.start_year}), r.slug, "briefs")
    write_json(index, out / "index.json")
    return index

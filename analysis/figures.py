"""Build every report figure once, in one process (altair and vl-convert load once).

Writes `results/figures/<name>.vl.json` and `.svg` for each figure, per-case figures
under `results/figures/briefs/`, and two indexes, `index-data.json` (figures from the
processed tables, made while the claims run) and `index-claims.json` (figures from the
claims' results), listing each figure with the function that made it, its inputs and
its alt text (provenance for reviewers).

How it differs from `charts.py`: this module decides which figures exist, reads their
inputs and writes the files; `charts.py` holds the chart builders it calls (how each chart
looks) and the shared theme.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from .io import atomic_dir, read_json, read_parquet, write_json

#: The charts of each index besides the per-intervention charts (`briefs/<slug>`) and the per-claim
#: specification curves (`spec_curve_<claim>`): the workflow declares each chart's SVG as an output
#: and marks it for `snakemake --report` (rules/reports.smk), so a chart added here is declared there.
DATA_FIGURES = ("hmi_timeline", "onset_series", "veto_series", "lb2_consensus")
CLAIM_FIGURES = ("rc1_breakdown", "ac1_reporting", "ro1_regional_orgs", "pc1_oda", "cc1_positions")


def _check_declared(index: dict, declared: tuple[str, ...]) -> None:
    """The named charts made are exactly those declared (a chart left undeclared would be missing
    from the report; a declared one not made would fail the job after it ran)."""
    made = {k for k in index if "/" not in k and not k.startswith("spec_curve_")}
    if made != set(declared):
        raise RuntimeError(
            f"charts made {sorted(made)} differ from those declared {sorted(declared)} "
            "(analysis/figures.py DATA_FIGURES / CLAIM_FIGURES)"
        )


def brief_cases(hmi: pd.DataFrame) -> pd.DataFrame:
    """One row per intervention across both releases (0.3 preferred; 2019-only cases kept)."""
    h = hmi.sort_values(["case_id", "release"]).drop_duplicates("case_id", keep="first")
    return h.sort_values("slug").reset_index(drop=True)


def _rc1_rows(rc1: dict, release: str = "0.3") -> list[dict]:
    """Shares by group from RC1's breakdowns (details.breakdowns: one row per variable x group)."""
    short = {
        "against government": "against government",
        "against rebels": "against rebels",
        "impartial": "impartial",
        "mandate or approval": "UNSC mandate",
        "no mandate": "no UNSC mandate",
        "P5 member among interveners": "P5 intervener",
        "no P5 member": "no P5 intervener",
        "start before 1990 (Cold War)": "started before 1990",
        "start 1990 or later": "started 1990 or later",
    }
    return [
        {
            "group": short.get(b["group"], b["group"]),
            "share": b["share"],
            "ci_low": b["ci_low"],
            "ci_high": b["ci_high"],
            "k": b["k"],
            "n": b["n"],
        }
        for b in rc1["details"]["breakdowns"]
        if b.get("release") == release and b.get("n")
    ]


def _cc1_rows(cc1: dict) -> list[dict]:
    """Each country's mean position in the primary measure (primary_detail.three_groups)."""
    pd_ = cc1["primary_detail"]
    pos = pd_["three_groups"]["country_mean_position"]
    rows = []
    for g in ("A", "B", "C"):
        grp = pd_["groups"][g]
        for code, name in sorted(grp["members"].items()):
            rows.append({"country": name, "group": grp["name"], "position": pos[code]})
    return rows


def council_tallies(processed: Path) -> pd.DataFrame:
    """Coded resolutions with their meeting tallies, joined exactly as claim LB2 joins them
    (`analysis.claims.council.with_tallies`), so the chart counts what the claim counts."""
    from .claims.council import with_tallies
    from .claims.run import Data

    data = Data(processed, {"tables": {"unsc_resolutions_coded": [], "unsc_outcomes": []}})
    return with_tallies(data)[["resolution", "adoption_date", "chapter7", "has_tally", "non_unanimous"]]


def _period(text: str) -> tuple[int, int]:
    a, b = (int(x) for x in str(text).split("-"))
    return a, b


class _Saver:
    """Saves charts and records each in an index (provenance and alt text)."""

    def __init__(self, out: Path, staging: dict[str, Path] | None = None):
        self.out = out
        self.staging = staging or {}  # sub-directory -> where its files are written until moved into place
        self.index: dict[str, dict] = {}

    def __call__(self, chart, name: str, sub: str = "") -> None:
        from . import charts

        final = self.out / sub if sub else self.out
        spec_path, svg_path = charts.save_chart(chart, self.staging.get(sub, final), name)
        spec = json.loads(spec_path.read_text(encoding="utf-8"))  # as saved (validated once, by save_chart)
        title = spec.get("title")
        self.index[f"{sub}/{name}" if sub else name] = {
            "spec": str(final / spec_path.name),
            "svg": str(final / svg_path.name),
            "alt": spec.get("description", ""),
            "title": title.get("text", "") if isinstance(title, dict) else (title or ""),
            **spec.get("usermeta", {}).get("r2p", {}),
        }


def build_data_figures(processed: Path, out: Path) -> dict:
    """Figures that need only the processed tables (they can be made while claims run)."""
    from . import charts
    from .panel import hmi_gwcodes, mapper_from_processed

    hmi = read_parquet(processed / "hmi_cases.parquet")
    cy = read_parquet(processed / "country_year.parquet")
    # one fatalities chart per intervention brief, in `briefs/`: written as a whole set that
    # replaces the old one (a brief that no longer exists leaves no chart behind)
    with atomic_dir(out / "briefs") as staging:
        save = _Saver(out, {"briefs": staging})
        save(charts.hmi_timeline(hmi, last_year=int(cy["year"].max())), "hmi_timeline")
        save(charts.onset_series(cy), "onset_series")
        save(charts.veto_series(read_parquet(processed / "unsc_vetoes_by_member.parquet")), "veto_series")
        save(charts.consensus_series(council_tallies(processed), first_year=1990), "lb2_consensus")
        mapper = mapper_from_processed(processed)
        cases = brief_cases(hmi)
        cases = cases.assign(gwcode=hmi_gwcodes(cases, mapper))
        cols = ["osv_gov_best", "osv_nonstate_best", "battle_deaths_best"]
        for r in cases.itertuples(index=False):
            sub = cy[(cy.gwcode == r.gwcode) & cy.year.between(int(r.start_year) - 3, int(r.start_year) + 3)]
            sub = sub[["year", *cols]].astype({c: float for c in cols})
            save(charts.case_fatalities(sub, {"case_id": r.case_id, "start_year": r.start_year}), r.slug, "briefs")
    _check_declared(save.index, DATA_FIGURES)
    write_json(save.index, out / "index-data.json")
    return save.index


def build_claim_figures(claims_dir: Path, out: Path, claim_ids: list[str]) -> dict:
    """Figures made from the claims' results."""
    from . import charts

    save = _Saver(out)
    curves = read_parquet(claims_dir / "spec_curve.parquet")
    results = {c: read_json(claims_dir / f"{c}.json") for c in claim_ids}
    for c in claim_ids:
        save(charts.spec_curve_chart(curves[curves.claim_id == c], results[c]), f"spec_curve_{c}")
    save(
        charts.share_breakdown(
            _rc1_rows(results["RC1"]),
            "Regime-change activity by group",
            "PRIF 0.3; exact 95% intervals; dashed line at one half",
            ["results/claims/RC1.json"],
        ),
        "rc1_breakdown",
    )
    ac = results["AC1"]
    first, last = _period(ac["primary_specification"]["before"])[0], _period(ac["primary_specification"]["after"])[1]
    save(charts.reporting_duties(ac["details"]["per_year"], first, last), "ac1_reporting")
    save(charts.regional_orgs_named(results["RO1"]), "ro1_regional_orgs")
    save(charts.oda_comparison(results["PC1"]), "pc1_oda")
    cc = results["CC1"]
    spec = ", ".join(f"{k} {v}" for k, v in cc["primary_specification"].items())
    save(
        charts.group_positions(
            _cc1_rows(cc),
            "Votes on country-specific human-rights resolutions",
            f"Mean position ({spec})",
            ["results/claims/CC1.json"],
        ),
        "cc1_positions",
    )
    _check_declared(save.index, CLAIM_FIGURES)
    write_json(save.index, out / "index-claims.json")
    return save.index

"""Tables for the technical appendix's section on the Security Council texts (issue 17): the
hand-coded samples, the validation of the automatic coding against them, and what joins between
the meetings tables, the resolution texts and the veto list.

Everything is read from committed or built files (the samples under `config/coding/`,
`data/processed/unsc_coding_validation.csv`, `unsc_outcomes.parquet`,
`unsc_meetings_join_report.parquet`); nothing is typed. Rows are plain strings for
`analysis.reporting.pipe_table`. pandas is imported only by the join functions.
"""

from __future__ import annotations

import csv
import math
from collections import Counter
from pathlib import Path

#: the features of the coding guide in its order, with a reader's label (the column name follows)
FEATURES = {
    "chapter7": "Chapter VII invoked",
    "force_auth": "force authorised",
    "report_req": "reporting duty on the mandate-taker",
    "r2p_doctrine": "responsibility to protect as a principle",
    "r2p_any": "any authority's responsibility to protect",
    "poc": "protection of civilians",
    "any regional org": "any regional organisation named",
    "regional_orgs (pooled)": "organisations named, pooled over codes",
}
CATEGORIES = {
    "force_to": "to whom force is authorised",
    "report_to": "to whom the mandate-taker reports",
    "report_freq": "how often",
    "report_specificity": "how specific (0-3)",
}
SUBSETS = ("all", "random", "holdout")
SUBSET_LABELS = {"all": "Sample", "random": "of which random", "holdout": "Hold-out"}


def _int(x: str) -> int | None:
    return None if x in ("", None) else int(float(x))


def _float(x: str) -> float | None:
    if x in ("", None):
        return None
    v = float(x)
    return None if math.isnan(v) else v


def read_validation(path: str | Path) -> list[dict]:
    """The validation table as dicts (counts as int, rates as float, missing as None)."""
    with open(path, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    for r in rows:
        for c in ("n", "n_hand_positive", "tp", "fp", "fn", "tn"):
            r[c] = _int(r[c])
        for c in ("precision", "recall", "f1", "agreement"):
            r[c] = _float(r[c])
    return rows


def subset_sizes(rows: list[dict]) -> dict[str, int]:
    """Resolutions in each subset (the n of a binary feature, the same for all of them)."""
    return {r["subset"]: r["n"] for r in rows if r["feature"] == "chapter7"}


def _rate(x: float | None) -> str:
    return "-" if x is None else f"{x:.2f}"


def binary_cell(r: dict | None) -> str:
    """'1.00 / 0.97 (39 of 40, 0 false)': precision / recall (found of those coded yes by hand,
    false positives); '-' when the subset has no case either way."""
    if r is None or (not r["n_hand_positive"] and not r["fp"]):
        return "-"
    return f"{_rate(r['precision'])} / {_rate(r['recall'])} ({r['tp']} of {r['n_hand_positive']}, {r['fp']} false)"


def _label(feature: str) -> str:
    if feature.startswith("org:"):
        return f"named: {feature[4:]}"
    label = FEATURES.get(feature) or CATEGORIES.get(feature, feature)
    return label if " " in feature else f"{label} ({feature})"


def validation_binary_rows(rows: list[dict]) -> list[list[str]]:
    """One row per yes/no feature (the guide's features, then each organisation code found in any
    subset): label, then one cell per subset (`binary_cell`)."""
    by = {(r["subset"], r["feature"]): r for r in rows}
    feats = [f for f in FEATURES if any((s, f) in by for s in SUBSETS)]
    orgs = list(dict.fromkeys(r["feature"] for r in rows if r["feature"].startswith("org:")))
    return [[_label(f)] + [binary_cell(by.get((s, f))) for s in SUBSETS] for f in feats + orgs]


def validation_category_rows(rows: list[dict]) -> list[list[str]]:
    """Agreement on the categorical codes where hand and rules both found the feature:
    '0.87 (34 of 39)'."""
    by = {(r["subset"], r["feature"]): r for r in rows}
    out = []
    for f in CATEGORIES:
        cells = []
        for s in SUBSETS:
            r = by.get((s, f))
            if r is None or not r["n"]:
                cells.append("-")
            else:
                cells.append(f"{_rate(r['agreement'])} ({round(r['agreement'] * r['n'])} of {r['n']})")
        out.append([_label(f)] + cells)
    return out


def sample_parts(sample: str | Path, holdout: str | Path) -> dict[str, int]:
    """Resolutions in the hand-coded samples: drawn at random, chosen as force authorisations
    (a resolution can be both), and the hold-out."""
    with open(sample, encoding="utf-8", newline="") as f:
        parts = Counter(r["sample"] for r in csv.DictReader(f))
    with open(holdout, encoding="utf-8", newline="") as f:
        n_hold = sum(1 for _ in csv.DictReader(f))
    return {
        "total": sum(parts.values()),
        "random": parts["random"] + parts["random+force"],
        "force": parts["force"] + parts["random+force"],
        "both": parts["random+force"],
        "holdout": n_hold,
    }


def join_summary(outcomes_path: str | Path, report_path: str | Path) -> dict:
    """What joins: adopted resolutions to their texts, vetoed drafts to the veto list, from the
    meetings outcomes and the join report (`analysis.clean.unsc_meetings`)."""
    import pandas as pd

    o = pd.read_parquet(
        outcomes_path,
        columns=["outcome_type", "in_texts", "duplicate_listing", "veto_draft", "veto_members_agree", "year"],
    )
    rep = pd.read_parquet(report_path, columns=["kind", "detail"])
    kinds = rep["kind"].value_counts()
    adopted = o[o["outcome_type"] == "resolution_adopted"]
    vetoed = o[o["outcome_type"] == "draft_vetoed"]
    not_in = rep[rep["kind"] == "adopted resolution not in the texts"]
    after = int(not_in["detail"].str.startswith("after").sum())
    missing_list = rep[rep["kind"] == "veto-list draft not found as vetoed in the meetings table"]
    return {
        "first_year": int(o["year"].min()),
        "last_year": int(o["year"].max()),
        "adopted": int(len(adopted)),
        "adopted_joined": int(adopted["in_texts"].sum()),
        "adopted_after_texts": after,
        "adopted_not_in_archive": int(len(not_in)) - after,
        "listed_twice": int(adopted["duplicate_listing"].sum()),
        "texts": int(adopted["in_texts"].sum())
        + int(kinds.get("resolution text not listed as adopted in the meetings", 0)),
        "texts_without_meeting": int(kinds.get("resolution text not listed as adopted in the meetings", 0)),
        "vetoed": int(len(vetoed)),
        "vetoed_joined": int(vetoed["veto_draft"].notna().sum()),
        "vetoed_members_agree": int(vetoed["veto_members_agree"].eq(True).sum()),
        "vetoed_not_in_list": int(kinds.get("vetoed draft not in the veto list", 0)),
        "list_not_in_meetings": int(len(missing_list)),
        "list_not_in_meetings_after": int(missing_list["detail"].str.contains("after 2019").sum()),
    }


def join_report_rows(report_path: str | Path) -> list[list[str]]:
    """The join report by kind: kind, rows, years, one example (symbol: detail)."""
    import pandas as pd

    rep = pd.read_parquet(report_path)
    out = []
    for kind, g in rep.groupby("kind", sort=True):
        y = g["year"].dropna()
        years = "-" if y.empty else (f"{int(y.min())}" if y.min() == y.max() else f"{int(y.min())}-{int(y.max())}")
        ex = g.iloc[0]
        example = (f"{ex['symbol']}: " if pd.notna(ex["symbol"]) else "") + str(ex["detail"])
        out.append([str(kind), str(len(g)), years, example])
    return out

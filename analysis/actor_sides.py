"""Sides of UCDP one-sided-violence actors around humanitarian military interventions.

UCDP's one-sided violence data separate only government actors from "non-state" ones
(`is_government_actor`). Around an intervention that lumps pro-government militias
(the Janjaweed), the intervention's own targets (Bosnian Serb forces) and actors of
other conflicts (the LRA in Sudan) together with the rebels whom the moral-hazard
argument is about. The committed coding table `config/coding/ucdp_osv_actor_sides.csv`
(rules and sources in `config/coding/ucdp_osv_actor_sides.md`) codes every actor that
the moral-hazard claims can attribute to an intervention; this module loads and
validates it and links actor-years to interventions the way the claims do.

Attribution (the panel's, `analysis.panel.osv_locations`): a government actor whose own
state is among the listed locations has all its deaths counted there; any other
actor-year is split equally among its listed locations. An actor-year is linked to an
intervention when one of its locations is the intervention's target state and its year
lies within `before` years before to `after` years after the start (start year
included), the start is in `first_start` or later and the year in 1989 or later. With
the defaults (3, 3, 1990) this covers every window of MH1 (k = 1..3 years before the
start, with or without the start year) and MH4 (k = 1..3 years before and after) in
both UCDP versions; it is a superset (MH1/MH4 also require the whole window to be
covered, so e.g. year s+3 of a 1990 start is never used by them).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

import pandas as pd

from .crosswalk import Mapper
from .errors import DataError
from .panel import hmi_gwcodes, osv_locations

SOURCE = "actor-side coding"
DEFAULT_PATH = Path("config/coding/ucdp_osv_actor_sides.csv")

SIDES = ("government", "pro_government", "rebel", "foreign_or_other_conflict", "other")
VS_INTERVENTION = ("opposed_by_intervention", "supported_by_intervention", "neither")
CONFIDENCE = ("low", "medium", "high")
# The side groups a moral-hazard comparison needs: the government side, the rebels, the rest.
SIDE_GROUPS = {
    "government": "government_side",
    "pro_government": "government_side",
    "rebel": "rebel",
    "foreign_or_other_conflict": "other",
    "other": "other",
}

COLUMNS = [
    "actor_id",
    "actor_name",
    "case_ids",
    "side",
    "side_vs_intervention",
    "confidence",
    "side_alt",
    "years",
    "deaths_best_25_1",
    "deaths_best_21_1",
    "sources",
    "note",
]
REQUIRED_TEXT = ["actor_name", "case_ids", "side", "side_vs_intervention", "confidence", "years", "sources", "note"]

UCDP_OSV_FIRST = 1989
WINDOW_BEFORE = 3
WINDOW_AFTER = 3
FIRST_START = 1990
OSV_VERSIONS = {"25.1": "ucdp_onesided", "21.1": "ucdp_onesided_21"}
DEATH_COLUMNS = {"25.1": "deaths_best_25_1", "21.1": "deaths_best_21_1"}


# =========================================================================== the coding table


def _schema():
    """Pandera schema of the table as read (all columns as text, then typed checks)."""
    import pandera.pandas as pa

    def text(*checks):
        return pa.Column(str, list(checks), nullable=False)

    nonempty = pa.Check(lambda s: s.str.strip().str.len() > 0, element_wise=False, name="not_empty")
    return pa.DataFrameSchema(
        {
            "actor_id": text(pa.Check.str_matches(r"^[1-9][0-9]*$", name="positive_integer")),
            "actor_name": text(nonempty),
            "case_ids": text(nonempty, pa.Check(lambda s: ~s.str.contains(r";\s*;|^\s*;|;\s*$"), name="case_list")),
            "side": text(pa.Check.isin(SIDES)),
            "side_vs_intervention": text(pa.Check.isin(VS_INTERVENTION)),
            "confidence": text(pa.Check.isin(CONFIDENCE)),
            "side_alt": text(pa.Check.isin(("",) + SIDES)),
            "years": text(pa.Check.str_matches(r"^\d{4}(-\d{4})?(,\d{4}(-\d{4})?)*$", name="year_list")),
            "deaths_best_25_1": text(pa.Check.str_matches(r"^\d+(\.\d)?$", name="non_negative_number")),
            "deaths_best_21_1": text(pa.Check.str_matches(r"^\d+(\.\d)?$", name="non_negative_number")),
            "sources": text(nonempty),
            "note": text(nonempty),
        },
        checks=[pa.Check(lambda d: (d["side_alt"] == "") | (d["side_alt"] != d["side"]), name="side_alt_differs")],
        strict=True,
        ordered=True,
    )


def split_cases(value: str) -> list[str]:
    """The case ids of a `case_ids` cell ("A; B" -> ["A", "B"])."""
    return [c.strip() for c in str(value).split(";") if c.strip()]


def load_actor_sides(path: str | Path = DEFAULT_PATH) -> pd.DataFrame:
    """Read and validate the coding table; one row per (actor, group of cases).

    Raises `DataError` naming the file, the column and the 1-based data row (header
    not counted) for a missing or extra column, a bad value, an empty required cell
    or a duplicate (actor_id, case_id). `actor_id` is returned as int64, the death
    columns as float; the rest as text ("" where `side_alt` is empty).
    """
    import pandera.errors as pa_errors

    path = Path(path)
    try:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    except FileNotFoundError:
        raise DataError("coding table not found", source=SOURCE, file=str(path)) from None
    except (UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise DataError(f"cannot read the coding table as UTF-8 CSV: {exc}", source=SOURCE, file=str(path)) from None
    missing = [c for c in COLUMNS if c not in raw.columns]
    extra = [c for c in raw.columns if c not in COLUMNS]
    if missing or extra:
        col = (missing or extra)[0]
        what = f"missing column(s) {missing}" if missing else f"unexpected column(s) {extra}"
        raise DataError(f"{what}; expected exactly {COLUMNS}", source=SOURCE, file=str(path), column=col)
    raw = raw[COLUMNS] if list(raw.columns) != COLUMNS else raw
    for c in REQUIRED_TEXT:  # an empty cell is reported before any value check
        empty = raw.index[raw[c].str.strip() == ""]
        if len(empty):
            raise DataError("empty value", source=SOURCE, file=str(path), column=c, row=int(empty[0]) + 1)
    try:
        _schema().validate(raw, lazy=True)
    except pa_errors.SchemaErrors as exc:
        fc = exc.failure_cases
        fc = fc.assign(_i=pd.to_numeric(fc["index"], errors="coerce")).sort_values("_i", kind="mergesort")
        first = fc.iloc[0]
        col = None if pd.isna(first.get("column")) else str(first["column"])
        row = None if pd.isna(first["_i"]) else int(first["_i"]) + 1
        if first.get("schema_context") == "DataFrameSchema" and row is not None:
            col = "side_alt"
        allowed = {
            "side": SIDES,
            "side_vs_intervention": VS_INTERVENTION,
            "confidence": CONFIDENCE,
            "side_alt": ("",) + SIDES,
        }.get(col)
        hint = f"; allowed: {', '.join(repr(a) for a in allowed)}" if allowed else ""
        raise DataError(
            f"bad value {first.get('failure_case')!r} (check {first.get('check')!r}){hint}",
            source=SOURCE,
            file=str(path),
            column=col,
            row=row,
        ) from None
    seen: dict[tuple[int, str], int] = {}
    for i, (aid, cases) in enumerate(zip(raw["actor_id"], raw["case_ids"]), start=1):
        for c in split_cases(cases):
            key = (int(aid), c)
            if key in seen:
                raise DataError(
                    f"duplicate key (actor_id {aid}, case {c!r}); first in row {seen[key]}",
                    source=SOURCE,
                    file=str(path),
                    column="case_ids",
                    row=i,
                )
            seen[key] = i
    out = raw.copy()
    out["actor_id"] = out["actor_id"].astype("int64")
    for c in DEATH_COLUMNS.values():
        out[c] = out[c].astype(float)
    return out


def expand(sides: pd.DataFrame) -> pd.DataFrame:
    """One row per (actor_id, case_id), the other columns repeated."""
    d = sides.assign(case_id=sides["case_ids"].map(split_cases)).explode("case_id")
    return d.drop(columns="case_ids").reset_index(drop=True)


# =========================================================================== linking actor-years to cases


def case_table(hmi: pd.DataFrame, mapper: Mapper) -> pd.DataFrame:
    """Distinct (case_id, gwcode, start_year, target) over the PRIF releases, as the claims map them."""
    h = hmi.assign(gwcode=hmi_gwcodes(hmi, mapper)).dropna(subset=["gwcode", "start_year"])
    h = h.assign(gwcode=h["gwcode"].astype("int64"), start_year=h["start_year"].astype("int64"))
    cols = ["case_id", "gwcode", "start_year", "target"]
    return h[cols].drop_duplicates().sort_values(["start_year", "case_id"], kind="mergesort").reset_index(drop=True)


def actor_years(osv: pd.DataFrame, mapper: Mapper, version: str) -> pd.DataFrame:
    """One row per (actor-year, attributed location): version, actor_id, actor_name,
    is_government_actor, year, gwcode, best, high (deaths split as in the panel)."""
    locs = osv_locations(osv)
    d = osv[["actor_id", "actor_name", "is_government_actor", "year", "best", "high"]].assign(_loc=locs)
    d = d.assign(_n=d["_loc"].map(len))
    d = d[d["_n"] > 0].explode("_loc")
    for c in ("best", "high"):
        d[c] = d[c].astype(float) / d["_n"]
    d["gwcode"] = mapper.to_gw(
        d["_loc"].astype(int), "gw", d["year"], source=OSV_VERSIONS.get(version, version), column="gwno_location"
    )
    d = d.dropna(subset=["gwcode"]).assign(gwcode=lambda x: x["gwcode"].astype("int64"), version=version)
    d["actor_name"] = d["actor_name"].astype(str)
    return d[
        ["version", "actor_id", "actor_name", "is_government_actor", "year", "gwcode", "best", "high"]
    ].reset_index(drop=True)


def case_actor_years(
    cases: pd.DataFrame,
    osv: Mapping[str, pd.DataFrame],
    mapper: Mapper,
    before: int = WINDOW_BEFORE,
    after: int = WINDOW_AFTER,
    first_start: int = FIRST_START,
) -> pd.DataFrame:
    """Actor-years linked to each intervention: `cases` from `case_table`, `osv` maps a UCDP
    version ("25.1", "21.1") to its one-sided table. Adds case_id, target, start_year and
    rel_year (year - start) to the `actor_years` columns; sorted."""
    parts = [actor_years(t, mapper, v) for v, t in osv.items()]
    ay = pd.concat(parts, ignore_index=True)
    c = cases[cases["start_year"] >= first_start]
    m = ay.merge(c, on="gwcode", how="inner")
    m = m[
        (m["year"] >= m["start_year"] - before) & (m["year"] <= m["start_year"] + after) & (m["year"] >= UCDP_OSV_FIRST)
    ].copy()
    m["rel_year"] = m["year"] - m["start_year"]
    keys = ["version", "case_id", "actor_id", "year", "gwcode"]
    return m.sort_values(keys, kind="mergesort").reset_index(drop=True)


def year_ranges(years: Iterable[int]) -> str:
    """Sorted distinct years as compact ranges: [1992, 1993, 1994, 1996] -> "1992-1994,1996"."""
    ys = sorted({int(y) for y in years})
    out, i = [], 0
    while i < len(ys):
        j = i
        while j + 1 < len(ys) and ys[j + 1] == ys[j] + 1:
            j += 1
        out.append(str(ys[i]) if i == j else f"{ys[i]}-{ys[j]}")
        i = j + 1
    return ",".join(out)


def attribution_summary(linked: pd.DataFrame, sides: pd.DataFrame) -> pd.DataFrame:
    """For each row of the coding table: the years and best deaths (per UCDP version) of the
    actor's actor-years linked to its cases, each (country, year) counted once."""
    rows = []
    for r in sides.itertuples(index=False):
        d = linked[(linked["actor_id"] == r.actor_id) & linked["case_id"].isin(split_cases(r.case_ids))]
        d = d.drop_duplicates(["version", "actor_id", "year", "gwcode"])
        rec = {"actor_id": r.actor_id, "case_ids": r.case_ids, "years": year_ranges(d["year"])}
        for v, col in DEATH_COLUMNS.items():
            rec[col] = round(float(d.loc[d["version"] == v, "best"].sum()), 1)
        rows.append(rec)
    return pd.DataFrame(rows, columns=["actor_id", "case_ids", "years", *DEATH_COLUMNS.values()])


def uncoded(linked: pd.DataFrame, sides: pd.DataFrame) -> pd.DataFrame:
    """Linked (case_id, actor_id) pairs that the coding table does not code."""
    have = set(zip(expand(sides)["actor_id"].astype(int), expand(sides)["case_id"]))
    pairs = linked[["case_id", "actor_id", "actor_name"]].drop_duplicates(["case_id", "actor_id"])
    miss = [(int(a), c) not in have for a, c in zip(pairs["actor_id"], pairs["case_id"])]
    return pairs[miss].reset_index(drop=True)


def with_sides(linked: pd.DataFrame, sides: pd.DataFrame, path: str | Path = DEFAULT_PATH) -> pd.DataFrame:
    """`linked` with each actor-year's side, side_alt, side_group and side_vs_intervention.

    Raises DataError when a linked actor has no coding for its case (the coding table
    must be extended when new data add an actor)."""
    miss = uncoded(linked, sides)
    if len(miss):
        shown = "; ".join(f"{r.actor_id} {r.actor_name} in {r.case_id}" for r in miss.head(5).itertuples())
        more = f" (+{len(miss) - 5} more)" if len(miss) > 5 else ""
        raise DataError(
            f"{len(miss)} actor(s) linked to an intervention have no side coding: {shown}{more}",
            source=SOURCE,
            file=str(path),
            column="actor_id",
        )
    e = expand(sides)[["actor_id", "case_id", "side", "side_alt", "side_vs_intervention", "confidence"]]
    out = linked.merge(e, on=["actor_id", "case_id"], how="left", validate="many_to_one")
    out["side_group"] = out["side"].map(SIDE_GROUPS)
    return out


def deaths_by_side(linked_sides: pd.DataFrame, value: str = "best", by: str = "side") -> pd.DataFrame:
    """Deaths per (version, case_id, year) and side (or side_group), wide, zeros where none."""
    g = linked_sides.groupby(["version", "case_id", "start_year", "year", by])[value].sum().unstack(by, fill_value=0.0)
    return g.reset_index()


def case_window_by_side(
    linked_sides: pd.DataFrame,
    rel_from: int,
    rel_to: int,
    version: str = "25.1",
    value: str = "best",
    by: str = "side_group",
) -> pd.DataFrame:
    """Deaths per intervention in years start+rel_from .. start+rel_to (e.g. -2, -1: the two
    years before the start) by `by` ("side", "side_group" or "side_alt_group"), one UCDP version.

    `side_alt_group` groups `side_alt` where it is set, else `side`. Cases without any
    linked actor-year in the window do not appear (their deaths are zero)."""
    d = linked_sides[(linked_sides["version"] == version) & linked_sides["rel_year"].between(rel_from, rel_to)]
    if by == "side_alt_group":
        alt = d["side_alt"].where(d["side_alt"] != "", d["side"])
        d = d.assign(side_alt_group=alt.map(SIDE_GROUPS))
    out = d.groupby(["case_id", "start_year", by])[value].sum().unstack(by, fill_value=0.0)
    return out.reset_index().sort_values(["start_year", "case_id"], kind="mergesort").reset_index(drop=True)

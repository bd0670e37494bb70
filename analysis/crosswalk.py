"""Country-code crosswalk: Gleditsch-Ward <-> Correlates of War <-> ISO 3166 <-> names.

The crosswalk table
-------------------
`build_crosswalk(raw)` returns one row per (gwcode, cowcode, period): for every
spell of a state in the Gleditsch-Ward list (`gw_states`), the Correlates of War
code that names the same state, split into periods where the COW code changes.

=========== ================================================================
column      meaning
=========== ================================================================
gwcode      Gleditsch-Ward code (the spine: every row is part of a GW spell)
cowcode     COW code naming the same state in the period; missing when COW
            has no counterpart (e.g. GW 99 Great Colombia, GW 711 Tibet)
valid_from  first year of the period (the GW spell's start year for the
            first period)
valid_to    last year of the period; missing = still valid when the GW list
            ends (it is right-censored on 2017-12-31)
stateabb    GW three-letter abbreviation (not ISO)
name        GW state name
iso3, iso2  ISO 3166 codes of the state (ISO 3166-3 codes CSK, DDR, YUG, YMD
            for dissolved states); missing for states that never had one
method      how gwcode was linked to cowcode: ``identical-code`` (same
            number; confirmed by data where `evidence` is set), ``data``
            (a different number or no COW state, as recorded by the data in
            `evidence`) or ``exception`` (the small documented table
            `GW_COW_EXCEPTIONS`, for what the data do not cover)
evidence    data files recording the link: ``polity5``, ``gwf_all`` or both
            (democracyData's ``GWn``/``cown`` columns, year by year)
iso_method  ``name-match`` (country_converter's regular expressions on the GW
            name) or ``exception`` (`GW_ISO_EXCEPTIONS`)
note        why an exception applies (COW link and/or ISO code)
=========== ================================================================

Periods are whole years. Per gwcode they never overlap, so each (gwcode, year)
has at most one COW code: in a year where the COW code changes mid-year
(Germany and Yemen in 1990) the year belongs to the code in force at year end
(255 and 679), as in the GWF data. A COW code is still accepted for the GW state
in that last, partial year when mapping COW -> GW (see `Mapper`).

Empirical links come from democracyData's Polity5 and GWF files, which carry a
GW code (``GWn``) and a COW code (``cown``) for every country-year; where they
record a COW code for a (gwcode, year), it is used, and the years of a spell
they do not cover take the nearest recorded code of the same spell. Spells the
data never cover use the same number (``identical-code``) unless
`GW_COW_EXCEPTIONS` says COW has no such state. COW membership dates are not
modelled (the mirror holds no COW state list): ``identical-code`` asserts only
that where both lists have that number in a year, it names the same state.

Mapping codes and recording failures
------------------------------------
`Mapper.to_gw(values, scheme, year=None, source=..., column=...)` maps a column
of codes or names to GW codes (nullable Int64, same index) and records every
value it could not map cleanly. Schemes:

- ``"gw"``: checks GW codes (e.g. UCDP ``gwno``) against the list and year;
- ``"cow"``: COW codes (PRIF ``COWCC``, IMI, EWP ``ccode``, ideal points
  ``ccode``); codes of 1000 and above are international organisations;
- ``"polity"``: Polity5's own country codes (``polity_annual_ccode``), which
  differ from COW for a few states (e.g. 342 Serbia, 341 Kosovo, 626 Sudan
  after 2011), mapped with the ``GWn`` column of the same file;
- ``"iso3"``, ``"iso2"``: ISO 3166 codes; dissolved-state and World Bank
  codes (SUN, YUG, ZAR, KSV, YU, CS, ...) are resolved through `ISO3_ALIASES`
  / `ISO2_ALIASES` and reported as ``mapped-by-exception``;
- ``"name"``: English names: exact GW name, then `NAME_ALIASES` (reported),
  then country_converter's regular expressions via ISO3.

`year` (scalar or one per value; ints, floats with NaN, or dates) selects the
state valid in that year; without a year a value maps only if it names one GW
state in all periods. `Mapper.report()` lists every value that was not mapped
cleanly, with columns source, column, scheme, value, year_range, n_rows,
outcome, action, mapped_gwcode. Outcomes:

- ``unmatched``: unknown value, or a microstate outside the GW list (left missing);
- ``mapped-by-exception``: mapped through an explicit alias table;
- ``ambiguous``: names several GW states (left missing), or two in a
  transition year (mapped to the state in force at year end; says so);
- ``international-organisation``: COW-style code >= 1000 (left missing), or
  a code a caller declares through ``special`` (`IMI_SPECIAL_CODES` holds
  IMI's/PRIF's codes below 1000 for the UN, OAS, OAU, Arab League, MFO and
  for territories, with the raw-file evidence);
- ``non-state/other``: a known code or name that names no GW state in that
  year (colony, occupied or not-yet-independent territory), or a territory
  that never was a GW state (left missing);
- ``inconsistent``: only from `Mapper.compare`, two code columns of the same
  rows that map to different states;
- ``aggregate``: a regional, income or lending group (e.g. the World Bank's
  ``1A`` Arab World, ``XD`` High income), declared by the caller through
  ``special``: not a country, left missing.

Missing input values stay missing and are counted in `Mapper.summary()`, which
gives per (source, column) the number of rows, missing inputs and mapped rows.
`report_all(inputs, mapper)` maps a list of ``(source, column, scheme, values[,
years[, special]])`` and returns the report (the content of
``data/processed/crosswalk_report.csv``). `Mapper.from_gw` maps GW codes to
cowcode / iso3 / iso2 / name / stateabb.

The crosswalk is exposed as `TABLE` (name ``crosswalk``, key (gwcode, cowcode,
valid_from)) for the cleaner registry.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from . import ROOT
from .clean.base import LazySchema, RawFiles, Table, require_columns
from .errors import DataError

GW_SOURCE = "gw-states"
POLITY = ("polity5", "polity5.rda", "polity5")
GWF = ("gwf", "gwf_all.rda", "gwf_all")

SCHEMES = ("gw", "cow", "polity", "iso3", "iso2", "name")
OUTCOMES = (
    "unmatched",
    "mapped-by-exception",
    "ambiguous",
    "international-organisation",
    "non-state/other",
    "inconsistent",
    "aggregate",
)
METHODS = ("identical-code", "data", "exception")
REPORT_COLUMNS = [
    "source",
    "column",
    "scheme",
    "value",
    "year_range",
    "n_rows",
    "outcome",
    "action",
    "mapped_gwcode",
]
SUMMARY_COLUMNS = [
    "source",
    "column",
    "scheme",
    "n_rows",
    "n_missing_input",
    "n_mapped",
    "n_left_missing",
    "share_mapped",
]

#: COW-style codes from this value up name international organisations (IMI convention).
IO_CODE_MIN = 1000

# --------------------------------------------------------------------------- explicit tables
#
# What the data files do not resolve, with the reason for each row: config/crosswalk.yaml (facts as
# data, schema-checked when read). The module constants below keep their shapes for the code.

EXCEPTIONS_PATH = ROOT / "config" / "crosswalk.yaml"
EXCEPTIONS_SCHEMA = ROOT / "config" / "schemas" / "crosswalk.schema.json"


def load_exceptions(path: str | Path = EXCEPTIONS_PATH) -> dict[str, list[dict[str, Any]]]:
    """The crosswalk exceptions file, checked against its schema (a bad file is a `DataError`
    naming the file, the line and the entry)."""
    from .io import read_yaml_checked

    return read_yaml_checked(path, EXCEPTIONS_SCHEMA)


_X = load_exceptions()
#: GW states with no COW counterpart (Gleditsch & Ward 1999): gw -> (cow or None, reason)
GW_COW_EXCEPTIONS: dict[int, tuple[int | None, str]] = {r["gw"]: (r["cow"], r["note"]) for r in _X["gw_cow_exceptions"]}
#: ISO codes for GW states country_converter does not match: gw -> (iso3, iso2, reason)
GW_ISO_EXCEPTIONS: dict[int, tuple[str | None, str | None, str]] = {
    r["gw"]: (r["iso3"], r["iso2"], r["note"]) for r in _X["gw_iso_exceptions"]
}
#: codes outside ISO 3166-1 found in data: code -> (COW code, reason); then to GW by year
ISO3_ALIASES: dict[str, tuple[int, str]] = {r["code"]: (r["cow"], r["note"]) for r in _X["iso3_aliases"]}
ISO2_ALIASES: dict[str, tuple[int, str]] = {r["code"]: (r["cow"], r["note"]) for r in _X["iso2_aliases"]}
#: names (case-folded) country_converter does not know or mismatches: name -> (COW code, reason)
NAME_ALIASES: dict[str, tuple[int, str]] = {n: (r["cow"], r["note"]) for r in _X["name_aliases"] for n in r["names"]}
#: (COW code, GW microstate code, ISO3, name) of the microstates outside the GW list
MICROSTATES: tuple[tuple[int, int, str, str], ...] = tuple(
    (r["cow"], r["gw"], r["iso3"], r["name"]) for r in _X["microstates"]
)
#: codes below 1000 that IMI and PRIF use for actors that are not states: code -> (outcome, reason).
#: Pass as ``special=IMI_SPECIAL_CODES`` when mapping IMI or PRIF intervener/target codes.
IMI_SPECIAL_CODES: dict[int, tuple[str, str]] = {r["code"]: (r["kind"], r["note"]) for r in _X["imi_special_codes"]}

_MICRO_BY_COW = {c: n for c, _, _, n in MICROSTATES}
_MICRO_BY_GW = {g: n for _, g, _, n in MICROSTATES}
_MICRO_BY_ISO3 = {i: n for _, _, i, n in MICROSTATES}


# --------------------------------------------------------------------------- country_converter


def _coco():
    import country_converter as coco

    logging.getLogger("country_converter").setLevel(logging.CRITICAL)
    return coco.CountryConverter()


_CC = None


def _cc():
    global _CC
    if _CC is None:
        _CC = _coco()
    return _CC


def _cc_convert(value: str, src: str, to: str) -> str | list[str] | None:
    """country_converter lookup: a code, a list of codes (several matches), or None.

    country_converter returns the input unchanged when nothing matches (with
    ``not_found=None``); a result is accepted only if it is a code of `to`.
    Results are cached: one lookup costs about 3 ms, and a code is looked up once
    per year it is out of the GW list (e.g. a territory in every year of a series).
    """
    k = (value, src, to)
    if k not in _CC_CACHE:
        out = _cc_convert_uncached(value, src, to)
        _CC_CACHE[k] = list(out) if isinstance(out, list) else out
    out = _CC_CACHE[k]
    return list(out) if isinstance(out, list) else out


_CC_CACHE: dict[tuple[str, str, str], Any] = {}


def _cc_convert_uncached(value: str, src: str, to: str) -> str | list[str] | None:
    out = _cc().convert(value, src=src, to=to, not_found=None)
    valid = _cc_codes(to)
    if isinstance(out, list):
        out = sorted({o for o in out if isinstance(o, str) and o in valid})
        return out if len(out) > 1 else (out[0] if out else None)
    return out if isinstance(out, str) and out in valid else None


def _cc_codes(column: str) -> set[str]:
    if column not in _CODES:
        vals = _cc().data[column].dropna().astype(str)
        if column == "ISO2":  # two rows hold a regex of codes, e.g. "^GB$|^UK$"
            vals = vals.str.replace(r"[\^\$]", "", regex=True).str.split("|").explode()
        _CODES[column] = set(vals)
    return _CODES[column]


_CODES: dict[str, set[str]] = {}


def _cc_iso3_set() -> set[str]:
    return _cc_codes("ISO3")


# --------------------------------------------------------------------------- building the table


def _read_links(raw: RawFiles) -> pd.DataFrame:
    """(GWn, cown, year, src) from Polity5 and GWF; cown -1 = 'no COW state'."""
    parts = []
    for source, file, obj in (POLITY, GWF):
        d = raw.read_rdata(source, file, obj)
        require_columns(d, ["GWn", "cown", "year"], source, file)
        d = d.loc[d["GWn"].notna(), ["GWn", "cown", "year"]]
        parts.append(
            pd.DataFrame(
                {
                    "gwcode": d["GWn"].astype("int64"),
                    "cow": d["cown"].fillna(-1).astype("int64"),
                    "year": d["year"].astype("int64"),
                    "src": obj,
                }
            )
        )
    return pd.concat(parts, ignore_index=True)


def _gw_states(raw: RawFiles) -> pd.DataFrame:
    from .clean import gw_states, validate

    table = gw_states.TABLES[0]
    return validate(table, table.build(raw))


def _spell_years(links: pd.DataFrame, gwcode: int, y0: int, y1: int) -> tuple[list[int | None], list[set[str]]]:
    """COW code per year of one GW spell (None = no COW state) and the sources behind it."""
    years = list(range(y0, y1 + 1))
    ev = links[(links.gwcode == gwcode) & links.year.between(y0, y1)]
    by_year: dict[int, dict[int, set[str]]] = defaultdict(lambda: defaultdict(set))
    for cow, year, src in ev[["cow", "year", "src"]].itertuples(index=False):
        by_year[int(year)][int(cow)].add(src)
    codes: list[int | None] = [None] * len(years)
    srcs: list[set[str]] = [set() for _ in years]
    known = [False] * len(years)
    # resolve from the last year backwards: a year with two codes (a mid-year
    # change) takes the code that continues into the next year
    nxt: int | None = None
    for i in range(len(years) - 1, -1, -1):
        cand = by_year.get(years[i])
        if not cand:
            continue
        if len(cand) == 1:
            code = next(iter(cand))
        elif nxt is not None and nxt in cand:
            code = nxt
        else:
            raise DataError(
                f"GW {gwcode} in {years[i]}: the data give several COW codes {sorted(cand)} and the next year does not decide",
                source="polity5",
                file="polity5.rda",
                column="cown",
            )
        codes[i], srcs[i], known[i] = code, set(cand[code]), True
        nxt = code
    if not any(known):
        return [], []
    # years the data do not cover take the nearest covered year of the spell (earlier first)
    last = None
    for i in range(len(years)):
        if known[i]:
            last = i
        elif last is not None:
            codes[i] = codes[last]
    first = known.index(True)
    for i in range(first):
        codes[i] = codes[first]
    return [None if c == -1 else c for c in codes], srcs


def build_crosswalk(raw: RawFiles) -> pd.DataFrame:
    """The GW <-> COW <-> ISO crosswalk, one row per (gwcode, cowcode, period)."""
    gw = _gw_states(raw)
    links = _read_links(raw)
    iso = _iso_by_gw(gw)
    rows = []
    for sp in gw.sort_values(["gwcode", "start_date"]).itertuples(index=False):
        g = int(sp.gwcode)
        y0, y1 = sp.start_date.year, sp.end_date.year
        open_end = bool(sp.censored)
        codes, srcs = _spell_years(links, g, y0, y1)
        if codes:
            segs = []
            for i, year in enumerate(range(y0, y1 + 1)):
                if segs and segs[-1]["cowcode"] == codes[i]:
                    segs[-1]["valid_to"] = year
                    segs[-1]["evidence"] |= srcs[i]
                else:
                    segs.append({"cowcode": codes[i], "valid_from": year, "valid_to": year, "evidence": set(srcs[i])})
            for s in segs:
                s["method"] = "identical-code" if s["cowcode"] == g else "data"
                s["note"] = None if s["cowcode"] is not None else "the data record no COW state for this GW state"
        elif g in GW_COW_EXCEPTIONS:
            cow, note = GW_COW_EXCEPTIONS[g]
            segs = [
                {
                    "cowcode": cow,
                    "valid_from": y0,
                    "valid_to": y1,
                    "evidence": set(),
                    "method": "exception",
                    "note": note,
                }
            ]
        else:
            segs = [
                {
                    "cowcode": g,
                    "valid_from": y0,
                    "valid_to": y1,
                    "evidence": set(),
                    "method": "identical-code",
                    "note": None,
                }
            ]
        if open_end:
            segs[-1]["valid_to"] = None
        for s in segs:
            ev = "+".join(x for x in ("polity5", "gwf_all") if x in s["evidence"]) or None
            notes = [s["note"]] + ([GW_ISO_EXCEPTIONS[g][2]] if g in GW_ISO_EXCEPTIONS else [])
            rows.append(
                {
                    "gwcode": g,
                    "cowcode": s["cowcode"],
                    "valid_from": s["valid_from"],
                    "valid_to": s["valid_to"],
                    "stateabb": sp.stateabb,
                    "name": sp.statename,
                    "iso3": iso[g][0],
                    "iso2": iso[g][1],
                    "method": s["method"],
                    "evidence": ev,
                    "iso_method": iso[g][2],
                    "note": "; ".join(n for n in notes if n) or None,
                }
            )
    out = pd.DataFrame(rows)
    for c in ("cowcode", "valid_to"):
        out[c] = out[c].astype("Int64")
    out["gwcode"] = out["gwcode"].astype("int64")
    out["valid_from"] = out["valid_from"].astype("int64")
    for c in ("stateabb", "name", "iso3", "iso2", "method", "evidence", "iso_method", "note"):
        out[c] = out[c].astype("string")
    return out.sort_values(["gwcode", "valid_from"], kind="mergesort").reset_index(drop=True)[COLUMNS]


COLUMNS = [
    "gwcode",
    "cowcode",
    "valid_from",
    "valid_to",
    "stateabb",
    "name",
    "iso3",
    "iso2",
    "method",
    "evidence",
    "iso_method",
    "note",
]


def _iso_by_gw(gw: pd.DataFrame) -> dict[int, tuple[str | None, str | None, str]]:
    """gwcode -> (iso3, iso2, iso_method): the exception table, else a name match."""
    out = {}
    for g, name in gw.drop_duplicates("gwcode")[["gwcode", "statename"]].itertuples(index=False):
        g = int(g)
        if g in GW_ISO_EXCEPTIONS:
            i3, i2, _ = GW_ISO_EXCEPTIONS[g]
            out[g] = (i3, i2, "exception")
            continue
        i3 = _cc_convert(str(name), "regex", "ISO3")
        if not isinstance(i3, str) or i3 not in _cc_iso3_set():
            raise DataError(
                f"no unique ISO3 code for GW {g} {name!r} (country_converter gives {i3!r}); "
                "add it to GW_ISO_EXCEPTIONS",
                source=GW_SOURCE,
                file="gw_states.rda",
                column="statename",
            )
        i2 = _cc_convert(i3, "ISO3", "ISO2")
        out[g] = (i3, i2 if isinstance(i2, str) else None, "name-match")
    return out


def _no_overlap(df: pd.DataFrame) -> bool:
    d = df.sort_values(["gwcode", "valid_from"])
    prev_to = d.groupby("gwcode")["valid_to"].shift()
    same = d["gwcode"].eq(d["gwcode"].shift())
    bad = same & (prev_to.isna() | (prev_to.astype("float") >= d["valid_from"]))
    return not bad.any()


def _schema():
    import pandera.pandas as pa  # here: pandera is imported only where tables are validated

    return pa.DataFrameSchema(
        {
            "gwcode": pa.Column("int64", pa.Check.in_range(2, 999)),
            "cowcode": pa.Column("Int64", pa.Check.in_range(2, 999), nullable=True),
            "valid_from": pa.Column("int64", pa.Check.in_range(1816, 2017)),
            "valid_to": pa.Column("Int64", pa.Check.in_range(1816, 2017), nullable=True),
            "stateabb": pa.Column("string", pa.Check.str_matches(r"^[A-Z]{3}$")),
            "name": pa.Column("string"),
            "iso3": pa.Column("string", pa.Check.str_matches(r"^[A-Z]{3}$"), nullable=True),
            "iso2": pa.Column("string", pa.Check.str_matches(r"^[A-Z]{2}$"), nullable=True),
            "method": pa.Column("string", pa.Check.isin(METHODS)),
            "evidence": pa.Column("string", pa.Check.isin(["polity5", "gwf_all", "polity5+gwf_all"]), nullable=True),
            "iso_method": pa.Column("string", pa.Check.isin(["name-match", "exception"])),
            "note": pa.Column("string", nullable=True),
        },
        checks=[
            pa.Check(lambda d: (d["valid_to"].isna() | (d["valid_to"] >= d["valid_from"])).all(), name="to_after_from"),
            pa.Check(_no_overlap, name="periods_disjoint_per_gwcode"),
            pa.Check(
                lambda d: ((d["method"] != "identical-code") | (d["cowcode"] == d["gwcode"])).all(),
                name="identical_code_is_identical",
            ),
        ],
        strict=True,
        ordered=True,
    )


SCHEMA = LazySchema(_schema)

TABLE = Table(
    name="crosswalk",
    sources=("gw-states/gw_states.rda", "polity5/polity5.rda", "gwf/gwf_all.rda"),
    build=build_crosswalk,
    schema=SCHEMA,
    key=("gwcode", "cowcode", "valid_from"),
    description=(
        "Gleditsch-Ward <-> Correlates of War <-> ISO 3166 crosswalk: one row per GW spell period with "
        "one COW code; links from democracyData's GWn/cown columns (Polity5, GWF) and a documented exception table."
    ),
    citation=("gleditsch1999states", "miller2022peacesciencer"),
)


def build_polity_lookup(raw: RawFiles) -> pd.DataFrame:
    """Polity5 country code and year -> democracyData's GW code (`GWn`), for scheme "polity".

    Whether that GW state exists in the year is decided by the crosswalk, as for
    every other scheme (Polity5's own `in_GW_system` flag is stricter in a few
    transition years, e.g. GDR 1990).
    """
    source, file, obj = POLITY
    d = raw.read_rdata(source, file, obj)
    require_columns(d, ["polity_annual_ccode", "year", "GWn"], source, file)
    if d["GWn"].isna().any():
        row = int(np.flatnonzero(d["GWn"].isna().to_numpy())[0]) + 1
        raise DataError("GWn missing", source=source, file=file, column="GWn", row=row)
    out = pd.DataFrame(
        {
            "code": d["polity_annual_ccode"].astype("int64"),
            "year": d["year"].astype("int64"),
            "gwcode": d["GWn"].astype("int64"),
        }
    )
    if out.duplicated(["code", "year"]).any():
        raise DataError("duplicate (polity_annual_ccode, year)", source=source, file=file, column="polity_annual_ccode")
    return out


# --------------------------------------------------------------------------- mapping


@dataclass(frozen=True)
class _Res:
    gw: int | None
    outcome: str | None = None  # None = clean mapping
    action: str | None = None


@dataclass(frozen=True)
class _Row:
    gwcode: int
    cowcode: int | None
    lo: int
    hi: float  # inf when open-ended
    hi_cow: float  # hi, + 1 when the same GW spell switches COW code the next year


def _periods(rows: Iterable[_Row], with_gw: bool = True) -> str:
    """'GW 255 1816-1945, GW 260 1990-' (contiguous periods of one GW state merged)."""
    spans: list[list] = []
    for r in sorted(rows, key=lambda r: (r.gwcode, r.lo)):
        if spans and spans[-1][0] == r.gwcode and spans[-1][2] + 1 >= r.lo:
            spans[-1][2] = max(spans[-1][2], r.hi)
        else:
            spans.append([r.gwcode, r.lo, r.hi])
    spans.sort(key=lambda x: (x[1], x[0]))
    out = []
    for g, lo, hi in spans:
        yrs = f"{lo}-" + ("" if hi == np.inf else str(int(hi)))
        out.append(f"GW {g} {yrs}" if with_gw else yrs)
    return ", ".join(out)


def _fmt(v: Any) -> str:
    if isinstance(v, (float, np.floating)) and float(v).is_integer():
        return str(int(v))
    return str(v)


def _years(year: Any, n: int, index: pd.Index) -> pd.Series:
    """Normalise `year` to a nullable Int64 Series of length n."""
    if year is None:
        return pd.Series(pd.NA, index=index, dtype="Int64")
    if np.isscalar(year) or isinstance(year, pd.Timestamp):
        y = pd.Series([year] * n, index=index)
    else:
        y = pd.Series(list(year) if not isinstance(year, pd.Series) else year.to_numpy(), index=index)
        if len(y) != n:
            raise ValueError(f"year has {len(y)} values for {n} values")
    if pd.api.types.is_datetime64_any_dtype(y) or any(isinstance(v, pd.Timestamp) for v in y.dropna()[:1]):
        return pd.to_datetime(y).dt.year.astype("Int64")
    return pd.to_numeric(y, errors="raise").astype("Float64").round().astype("Int64")


class Mapper:
    """Map country codes and names to GW codes, recording what could not be mapped.

    Build it with `Mapper.from_raw(raw)` (reads the crosswalk's raw files and the
    Polity5 lookup) or `Mapper(crosswalk_df, polity_lookup_df)`.
    """

    def __init__(self, crosswalk: pd.DataFrame, polity: pd.DataFrame | None = None):
        self.crosswalk = crosswalk
        self._rows: list[_Row] = []
        self._gw_attrs: dict[int, list[tuple[int, float, dict]]] = defaultdict(list)
        self._by: dict[str, dict[Any, list[_Row]]] = {
            s: defaultdict(list) for s in ("gw", "cow", "iso3", "iso2", "name")
        }
        cw = crosswalk.sort_values(["gwcode", "valid_from"]).reset_index(drop=True)
        for i, r in cw.iterrows():
            hi = np.inf if pd.isna(r.valid_to) else float(r.valid_to)
            hi_cow = hi
            if i + 1 < len(cw):
                n = cw.iloc[i + 1]
                if n.gwcode == r.gwcode and hi != np.inf and n.valid_from == hi + 1 and not _same(n.cowcode, r.cowcode):
                    hi_cow = hi + 1  # the outgoing COW code still held part of that year
            row = _Row(int(r.gwcode), None if pd.isna(r.cowcode) else int(r.cowcode), int(r.valid_from), hi, hi_cow)
            self._rows.append(row)
            self._by["gw"][row.gwcode].append(row)
            if row.cowcode is not None:
                self._by["cow"][row.cowcode].append(row)
            if pd.notna(r.iso3):
                self._by["iso3"][str(r.iso3)].append(row)
            if pd.notna(r.iso2):
                self._by["iso2"][str(r.iso2)].append(row)
            self._by["name"][str(r["name"]).casefold()].append(row)
            self._gw_attrs[row.gwcode].append(
                (
                    row.lo,
                    row.hi,
                    {c: (pd.NA if pd.isna(r[c]) else r[c]) for c in ("cowcode", "iso3", "iso2", "name", "stateabb")},
                )
            )
        self._polity: dict[int, dict[int, int]] = defaultdict(dict)
        if polity is not None:
            for code, year, g in polity[["code", "year", "gwcode"]].itertuples(index=False):
                self._polity[int(code)][int(year)] = int(g)
        self._has_polity = polity is not None
        self._records: list[dict] = []
        self._summary: list[dict] = []
        self._cache: dict[tuple, _Res] = {}

    @classmethod
    def from_raw(cls, raw: RawFiles) -> Mapper:
        return cls(build_crosswalk(raw), build_polity_lookup(raw))

    # ------------------------------------------------------------------ public API

    def to_gw(
        self,
        values: Sequence | pd.Series,
        scheme: str,
        year: Any = None,
        *,
        source: str = "",
        column: str = "",
        special: Mapping[Any, tuple[str, str]] | None = None,
    ) -> pd.Series:
        """Map `values` (codes or names in `scheme`) to GW codes (Int64, same index).

        `special` maps raw values to (outcome, action) for codes a source
        documents as non-states (e.g. {601: ("non-state/other", "Western Sahara")});
        they are left missing and reported with that outcome.
        """
        if scheme not in SCHEMES:
            raise ValueError(f"unknown scheme {scheme!r}; use one of {SCHEMES}")
        if scheme == "polity" and not self._has_polity:
            raise ValueError("scheme 'polity' needs the Polity5 lookup (Mapper.from_raw)")
        if special:
            for oc, _ in special.values():
                if oc not in OUTCOMES:
                    raise ValueError(f"unknown outcome {oc!r} in special")
        s = values if isinstance(values, pd.Series) else pd.Series(list(values))
        years = _years(year, len(s), s.index)
        uniq = pd.unique(s.dropna().to_numpy(dtype=object))
        norm = {u: _norm(u, scheme) for u in uniq}
        norm = {u: n for u, n in norm.items() if n != ""}
        v = s.map(norm)  # unknown keys (missing, blank) -> NaN
        missing = v.isna()
        pairs = pd.DataFrame({"v": v[~missing].astype(object), "y": years[~missing]})
        counts = pairs.value_counts(dropna=False, sort=False)
        res_rows = []
        agg: dict[tuple, list] = {}
        for (val, y), n in counts.items():
            yy = None if pd.isna(y) else int(y)
            sp = None
            if special:
                sp = special.get(val)
                if sp is None:
                    sp = special.get(_fmt(val))
            res = _Res(None, sp[0], sp[1]) if sp else self._resolve(scheme, val, yy)
            res_rows.append((val, y, res.gw))
            if res.outcome is not None:
                k = (res.outcome, res.action, _fmt(val), res.gw)
                a = agg.setdefault(k, [0, None, None])
                a[0] += int(n)
                if yy is not None:
                    a[1] = yy if a[1] is None else min(a[1], yy)
                    a[2] = yy if a[2] is None else max(a[2], yy)
        lut = pd.DataFrame(res_rows, columns=["v", "y", "gw"]).astype({"y": "Int64", "gw": "Int64"})
        lut["v"] = lut["v"].astype(object)
        merged = pairs.reset_index().merge(lut, on=["v", "y"], how="left", validate="many_to_one")
        arr = pd.array([pd.NA] * len(s), dtype="Int64")
        arr[np.flatnonzero(~missing.to_numpy())] = merged["gw"].array
        out = pd.Series(arr, index=s.index, name="gwcode")
        for (oc, action, val, g), (n, y0, y1) in sorted(
            agg.items(), key=lambda kv: (kv[0][0], kv[0][2], str(kv[0][1]))
        ):
            self._records.append(
                {
                    "source": source,
                    "column": column,
                    "scheme": scheme,
                    "value": val,
                    "y0": y0,
                    "y1": y1,
                    "n_rows": n,
                    "outcome": oc,
                    "action": action,
                    "mapped_gwcode": g,
                }
            )
        self._summary.append(
            {
                "source": source,
                "column": column,
                "scheme": scheme,
                "n_rows": len(s),
                "n_missing_input": int(missing.sum()),
                "n_mapped": int(out.notna().sum()),
            }
        )
        return out

    def from_gw(self, gwcodes: Sequence | pd.Series, to: str, year: Any = None) -> pd.Series:
        """GW codes -> cowcode / iso3 / iso2 / name / stateabb (missing where none or ambiguous)."""
        cols = {"cowcode": "cowcode", "iso3": "iso3", "iso2": "iso2", "name": "name", "stateabb": "stateabb"}
        if to not in cols:
            raise ValueError(f"unknown target {to!r}; use one of {sorted(cols)}")
        s = gwcodes if isinstance(gwcodes, pd.Series) else pd.Series(list(gwcodes))
        years = _years(year, len(s), s.index)
        cache: dict[tuple, Any] = {}
        vals: list = []
        for g, y in zip(s, years):
            if pd.isna(g):
                vals.append(pd.NA)
                continue
            k = (int(g), None if pd.isna(y) else int(y))
            if k not in cache:
                got = {attrs[to] for lo, hi, attrs in self._gw_attrs.get(k[0], []) if k[1] is None or lo <= k[1] <= hi}
                cache[k] = got.pop() if len(got) == 1 else pd.NA
            vals.append(cache[k])
        dtype = "Int64" if to == "cowcode" else "string"
        return pd.Series(vals, index=s.index, dtype=dtype, name=to)

    def compare(
        self,
        gw_a: pd.Series,
        gw_b: pd.Series,
        values_a: pd.Series,
        values_b: pd.Series,
        *,
        source: str,
        column: str,
        year: Any = None,
    ) -> pd.Series:
        """Record rows where two code columns of the same rows map to different GW states.

        Returns a boolean Series (True = disagreement); both values are kept.
        """
        years = _years(year, len(gw_a), gw_a.index)
        bad = gw_a.notna() & gw_b.notna() & (gw_a != gw_b)
        bad = bad.fillna(False).astype(bool)
        agg: dict[tuple, list] = {}
        for i in bad[bad].index:
            k = (f"{_fmt(values_a[i])}|{_fmt(values_b[i])}", int(gw_a[i]), int(gw_b[i]))
            a = agg.setdefault(k, [0, None, None])
            a[0] += 1
            y = years[i]
            if not pd.isna(y):
                a[1] = int(y) if a[1] is None else min(a[1], int(y))
                a[2] = int(y) if a[2] is None else max(a[2], int(y))
        for (v, ga, gb), (n, y0, y1) in agg.items():
            self._records.append(
                {
                    "source": source,
                    "column": column,
                    "scheme": "compare",
                    "value": v,
                    "y0": y0,
                    "y1": y1,
                    "n_rows": n,
                    "outcome": "inconsistent",
                    "action": f"kept both: first maps to GW {ga}, second to GW {gb}",
                    "mapped_gwcode": None,
                }
            )
        return bad

    def report(self) -> pd.DataFrame:
        """Every value not mapped cleanly, aggregated per (source, column, scheme, value, outcome, action)."""
        if not self._records:
            return pd.DataFrame({c: pd.Series(dtype="string") for c in REPORT_COLUMNS}).astype(
                {"n_rows": "int64", "mapped_gwcode": "Int64"}
            )
        d = pd.DataFrame(self._records)
        keys = ["source", "column", "scheme", "value", "outcome", "action"]
        d["mapped_gwcode"] = d["mapped_gwcode"].astype("Int64")
        g = (
            d.groupby(keys + ["mapped_gwcode"], dropna=False, sort=False)
            .agg(n_rows=("n_rows", "sum"), y0=("y0", "min"), y1=("y1", "max"))
            .reset_index()
        )
        g["year_range"] = [
            "" if pd.isna(a) else (str(int(a)) if a == b else f"{int(a)}-{int(b)}") for a, b in zip(g.y0, g.y1)
        ]
        g["_v"] = g["value"].map(lambda v: (0, int(v), "") if str(v).lstrip("-").isdigit() else (1, 0, str(v)))
        g = g.sort_values(["source", "column", "scheme", "outcome", "_v", "year_range", "action"], kind="mergesort")
        out = g[REPORT_COLUMNS].reset_index(drop=True)
        for c in ("source", "column", "scheme", "value", "year_range", "outcome", "action"):
            out[c] = out[c].astype("string")
        out["n_rows"] = out["n_rows"].astype("int64")
        return out

    def summary(self) -> pd.DataFrame:
        """Per (source, column, scheme): rows, missing inputs, mapped rows and the share mapped."""
        d = pd.DataFrame(self._summary, columns=SUMMARY_COLUMNS[:6])
        d = d.groupby(["source", "column", "scheme"], sort=True, as_index=False).sum()
        d["n_left_missing"] = d["n_rows"] - d["n_missing_input"] - d["n_mapped"]
        denom = (d["n_rows"] - d["n_missing_input"]).replace(0, np.nan)
        d["share_mapped"] = (d["n_mapped"] / denom).astype("float64")
        return d[SUMMARY_COLUMNS]

    # ------------------------------------------------------------------ resolution

    def _resolve(self, scheme: str, v: Any, year: int | None) -> _Res:
        k = (scheme, v, year)
        if k not in self._cache:
            fn = getattr(self, f"_r_{scheme}")
            self._cache[k] = fn(v, year)
        return self._cache[k]

    def _pick(self, rows: list[_Row], year: int | None, cow: bool = False) -> tuple[str, Any]:
        """('ok', gw) | ('year-end', (gw, others)) | ('ambiguous', gws) | ('out', rows) | ('none', None)."""
        if not rows:
            return "none", None
        if year is None:
            gws = sorted({r.gwcode for r in rows})
            return ("ok", gws[0]) if len(gws) == 1 else ("ambiguous", gws)
        hit = [r for r in rows if r.lo <= year <= (r.hi_cow if cow else r.hi)]
        gws = sorted({r.gwcode for r in hit})
        if not gws:
            return "out", rows
        if len(gws) == 1:
            return "ok", gws[0]
        cont = sorted({r.gwcode for r in hit if r.hi > year})
        if len(cont) == 1:
            return "year-end", (cont[0], [g for g in gws if g != cont[0]])
        return "ambiguous", gws

    def _via_rows(self, rows: list[_Row], year: int | None, what: str, cow: bool = False) -> _Res | None:
        """A result from rows, or None when rows are empty / out of period (caller decides)."""
        status, x = self._pick(rows, year, cow)
        if status == "ok":
            return _Res(x)
        if status == "year-end":
            g, others = x
            return _Res(
                g,
                "ambiguous",
                f"mapped to GW {g} (in force at year end); {what} also names GW {', '.join(map(str, others))} that year",
            )
        if status == "ambiguous":
            when = "in that year" if year is not None else "without a year"
            return _Res(None, "ambiguous", f"left missing: {what} names GW {', '.join(map(str, x))} {when}")
        return None

    def _out_of_period(self, rows: list[_Row], what: str, gw_scheme: bool = False) -> _Res:
        if gw_scheme:
            return _Res(
                None,
                "non-state/other",
                f"left missing: {what} is in the GW list only in {_periods(rows, with_gw=False)}",
            )
        return _Res(None, "non-state/other", f"left missing: {what} names {_periods(rows)}; no GW state in that year")

    def _cow(self, code: int, year: int | None, what: str) -> tuple[_Res | None, list[_Row]]:
        rows = self._by["cow"].get(code, [])
        return self._via_rows(rows, year, what, cow=True), rows

    def _r_cow(self, v: Any, year: int | None) -> _Res:
        code = _as_int(v)
        if code is None:
            return _Res(None, "unmatched", "left missing: not an integer code")
        if code >= IO_CODE_MIN:
            return _Res(
                None,
                "international-organisation",
                f"left missing: codes >= {IO_CODE_MIN} name international organisations, not states",
            )
        res, rows = self._cow(code, year, f"COW {code}")
        if res is not None:
            return res
        if rows:
            return self._out_of_period(rows, f"COW {code}")
        if code in _MICRO_BY_COW:
            return _Res(
                None,
                "unmatched",
                f"left missing: COW {code} is {_MICRO_BY_COW[code]}, a microstate outside the GW list",
            )
        return _Res(None, "unmatched", "left missing: no GW state has this COW code")

    def _r_gw(self, v: Any, year: int | None) -> _Res:
        code = _as_int(v)
        if code is None:
            return _Res(None, "unmatched", "left missing: not an integer code")
        rows = self._by["gw"].get(code, [])
        res = self._via_rows(rows, year, f"GW {code}")
        if res is not None:
            return res
        if rows:
            return self._out_of_period(rows, f"GW {code}", gw_scheme=True)
        if code in _MICRO_BY_GW:
            return _Res(
                None,
                "unmatched",
                f"left missing: GW {code} is {_MICRO_BY_GW[code]}, on the GW microstates list, not the main list",
            )
        return _Res(None, "unmatched", "left missing: not a code in the GW list")

    def _r_polity(self, v: Any, year: int | None) -> _Res:
        code = _as_int(v)
        if code is None:
            return _Res(None, "unmatched", "left missing: not an integer code")
        by_year = self._polity.get(code)
        if not by_year:
            return _Res(None, "unmatched", "left missing: not a Polity5 country code")
        if year is None:
            gws = sorted(set(by_year.values()))
            if len(gws) == 1:
                return self._r_gw(gws[0], None)
            return _Res(
                None, "ambiguous", f"left missing: Polity code names GW {', '.join(map(str, gws))} without a year"
            )
        if year not in by_year:
            return _Res(None, "unmatched", "left missing: Polity5 has no row for this code in that year")
        g = by_year[year]
        res = self._r_gw(g, year)
        if res.outcome == "non-state/other":
            return _Res(
                None, res.outcome, f"left missing: Polity5 gives GWn {g}; " + res.action.removeprefix("left missing: ")
            )
        return res

    def _alias(self, table: Mapping[str, tuple[int, str]], v: str, year: int | None, label: str) -> _Res | None:
        if v not in table:
            return None
        cow, note = table[v]
        res, rows = self._cow(cow, year, f"{label} {v} (COW {cow})")
        if res is None:
            return self._out_of_period(rows, f"{label} {v} (alias of COW {cow}: {note})") if rows else None
        if res.gw is not None and res.outcome is None:
            return _Res(res.gw, "mapped-by-exception", f"mapped to GW {res.gw} via alias {v} -> COW {cow} ({note})")
        return res

    def _r_iso3(self, v: Any, year: int | None) -> _Res:
        v = str(v)
        rows = self._by["iso3"].get(v, [])
        res = self._via_rows(rows, year, f"ISO3 {v}")
        if res is not None:
            return res
        alias = self._alias(ISO3_ALIASES, v, year, "ISO3")
        if alias is not None:
            return alias
        if rows:
            return self._out_of_period(rows, f"ISO3 {v}")
        if v in _MICRO_BY_ISO3:
            return _Res(
                None, "unmatched", f"left missing: {v} is {_MICRO_BY_ISO3[v]}, a microstate outside the GW list"
            )
        if v in _cc_iso3_set():
            return _Res(None, "non-state/other", f"left missing: {v} is a territory, not a state in the GW list")
        return _Res(None, "unmatched", "left missing: unknown ISO3 code")

    def _r_iso2(self, v: Any, year: int | None) -> _Res:
        v = str(v)
        rows = self._by["iso2"].get(v, [])
        res = self._via_rows(rows, year, f"ISO2 {v}")
        if res is not None:
            return res
        alias = self._alias(ISO2_ALIASES, v, year, "ISO2")
        if alias is not None:
            return alias
        i3 = _cc_convert(v, "ISO2", "ISO3")
        if isinstance(i3, str) and i3 in _cc_iso3_set():
            return self._r_iso3(i3, year)
        if rows:
            return self._out_of_period(rows, f"ISO2 {v}")
        return _Res(None, "unmatched", "left missing: unknown ISO2 code")

    def _r_name(self, v: Any, year: int | None) -> _Res:
        v = str(v)
        key = v.casefold()
        rows = self._by["name"].get(key, [])
        res = self._via_rows(rows, year, f"name {v!r}")
        if res is not None:
            return res
        alias = self._alias(NAME_ALIASES, key, year, "name")
        if alias is not None:
            return alias
        i3 = _cc_convert(v, "regex", "ISO3")
        if isinstance(i3, list):
            return _Res(None, "ambiguous", f"left missing: name matches several countries ({', '.join(i3)})")
        if isinstance(i3, str):
            return self._r_iso3(i3, year)
        if rows:
            return self._out_of_period(rows, f"name {v!r}")
        return _Res(None, "unmatched", "left missing: not recognised as a country name")


def _same(a, b) -> bool:
    return (pd.isna(a) and pd.isna(b)) or (not pd.isna(a) and not pd.isna(b) and int(a) == int(b))


def _as_int(v: Any) -> int | None:
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return int(f) if np.isfinite(f) and f.is_integer() else None


def _norm(v: Any, scheme: str) -> Any:
    if scheme in ("iso3", "iso2"):
        return str(v).strip().upper()
    if scheme == "name":
        return " ".join(str(v).split())
    i = _as_int(v)
    return i if i is not None else str(v).strip()


def report_all(
    inputs: Iterable[tuple],
    mapper: Mapper,
) -> pd.DataFrame:
    """Map each ``(source, column, scheme, values[, years[, special]])`` and return the report.

    The result is the content of ``data/processed/crosswalk_report.csv``
    (write it with `analysis.io.write_csv`); `mapper.summary()` gives the
    shares mapped per column.
    """
    for item in inputs:
        source, column, scheme, values, *rest = item
        years = rest[0] if rest else None
        special = rest[1] if len(rest) > 1 else None
        mapper.to_gw(values, scheme, years, source=source, column=column, special=special)
    return mapper.report()

"""PRIF Humanitarian Military Interventions (HMI): v0.3 interventions and the July 2019 intervention-years.

Sources (Gromes & Dembinski 2019, codebook v1.13 of 5 April 2019):

- `prif-hmi-0.3/prif_hmi_v0-3_interventions.xlsx`: one row per intervention (41 rows, 109 variables);
- `prif-hmi-2019/PRIF-dataset-HMI-intervention-years-v-July-2019_raw.dta`: one row per
  intervention-year (153 rows plus 9 empty rows at the end, 107 variables).

Tables:

- `prif_hmi_03`: v0.3 as given, decoded (key `case_id`);
- `prif_hmi_2019_years`: the 2019 intervention-years, decoded (key `case_id`, `year`);
- `hmi_cases`: both releases stacked, one row per (release, case_id), with readable names.
  The 2019 release is aggregated to one row per intervention by the rules in `AGGREGATION`.

`release_diff(t03, t2019)` compares the releases on the columns in `DIFF_COLUMNS`.

Decoding (all from the codebook, variable by variable, in `VARIABLES`):

- sentinels -99 "no data", -88 "not applicable", -77 ("unclear" or "ongoing", depending on the
  variable), -999 (FATALCOM: "not computable") become missing; `<col>_missing` keeps the reason
  for variables whose codebook entry lists more than one kind of missing value (or "ongoing");
- date columns hold sentinels too. The .dta stores them as days after 1899-12-31 (an Excel serial
  number converted to a Stata date): 1899-12-31 = 0 (HMIEND/VIOEND: "ongoing"; elsewhere "no date"),
  1899-10-15 = -77, 1899-10-04 = -88, 1899-09-23 = -99. The .xlsx stores them as integers, a few
  dates as Excel serial numbers (33776 = 1992-06-21) or day-first strings ("11.1.2013"), and leaves
  HMIEND/VIOEND blank for "ongoing";
- an unknown code (a value that is neither a codebook code nor a sentinel) raises `DataError`
  naming the raw column and the 1-based data row;
- IDs are trimmed (the raw spelling stays in `hmiid_raw`); comma-separated UCDPID/ACTORID are
  split into `<col>_list`.

Known errors in the sources are corrected only where the correct value is unambiguous, listed
in `FIXES` (each expects the exact raw value, so a different file fails loudly), and recorded
per row in `source_fixes`. Most are spreadsheet fill-series artefacts in the 2019 file: a value
that should be constant within an intervention was dragged down and incremented by one per
year (Mali's COW code 432 -> 433, 434, 435; UCDP conflict ids; COUNTARM 1 -> 2, 3).
"""

from __future__ import annotations

import datetime as _dt
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pandera.pandas as pa

from ..errors import DataError
from .base import LazySchema, RawFiles, Table, add_source_row, check_unique, require_columns

SRC03, FILE03 = "prif-hmi-0.3", "prif_hmi_v0-3_interventions.xlsx"
SRC19, FILE19 = "prif-hmi-2019", "PRIF-dataset-HMI-intervention-years-v-July-2019_raw.dta"
CODEBOOK = f"{SRC03}/prif_hmi_codebook_v1-13.docx"

# --------------------------------------------------------------------------- codebook

NO_DATA, NOT_APPL, ONGOING, UNCLEAR = "no data", "not applicable", "ongoing", "unclear"
BLANK = "blank in source"
NEG_RATIO = "negative ratio (computed from a sentinel)"

YN = {0: "no", 1: "yes"}
PREC = {
    1: "day, month and year precise",
    2: "day assigned; month and year precise",
    3: "day unknown; 30-day period and year precise",
    4: "month assigned; year precise",
    5: "day and month unknown; year precise",
    6: "year assigned",
    7: "year missing",
}
APPROVAL = {
    0: "no",
    1: "yes, but not all interveners or all activities",
    2: "yes, all interveners and all their activities",
}


@dataclass(frozen=True)
class Var:
    """How one raw PRIF variable is decoded.

    kind: id | str | list | code | int | float | date.
    codes: allowed substantive codes -> label (kind "code").
    missing: sentinel code -> reason (the value becomes missing).
    reason: keep a `<col>_missing` column; label: add a `<col>_label` column.
    lo/hi: allowed range of substantive values (int/float).
    blank: code that a blank cell stands for (None: blank is missing, reason BLANK).
    neg: reason for any other negative value (derived ratios computed from a sentinel).
    """

    kind: str
    codes: Mapping[int, str] | None = None
    missing: Mapping[int, str] = field(default_factory=dict)
    reason: bool = False
    label: bool = False
    lo: float | None = 0
    hi: float | None = None
    blank: int | None = None
    neg: str | None = None


def _flag(*miss: int, **kw) -> Var:
    m = {-99: NO_DATA, -88: NOT_APPL, -77: UNCLEAR}
    return Var("code", YN, {c: m[c] for c in miss}, **kw)


_ACT_START = Var("date", missing={-88: NOT_APPL, -99: NO_DATA}, reason=True)
_ACT_END = Var("date", missing={-77: ONGOING, -88: NOT_APPL, -99: NO_DATA}, reason=True)


def _activity(flag: str, key: str) -> dict[str, Var]:
    """An activity's three variables: the flag `flag`, `STAR<key>` and `END<key>` (codebook order)."""
    return {flag: _flag(-99), f"STAR{key}": _ACT_START, f"END{key}": _ACT_END}


_RATIO = Var("float", missing={-99: NO_DATA}, reason=True, neg=NEG_RATIO)

#: Every variable of both releases, in v0.3 order (YEAR, FATALITYIY and FATAL2IY: 2019 only;
#: POPYMTS, POPAYMTS, FATAL2, FATALCOM, LOSSRATE: v0.3 only).
VARIABLES: dict[str, Var] = {
    "HMIID": Var("id"),
    "YEAR": Var("int", lo=1945, hi=2030),
    "WBCC": Var("str", missing={-99: NO_DATA}),
    "COWCC": Var("int", missing={-99: NO_DATA}, lo=2, hi=999),
    "UCDPID": Var("list", missing={-99: NO_DATA}),
    "ACTORID": Var("list", missing={-99: NO_DATA}),
    "STATUS": Var("code", {1: "borderline case", 2: "clear case"}, label=True),
    "HMISTART": Var("date"),
    "HMISTAPR": Var("code", PREC, {-88: NOT_APPL}),
    "HMIEND": Var("date", missing={0: ONGOING}, reason=True, blank=0),
    "HMIENDPR": Var("code", PREC, {-88: NOT_APPL}),
    "ENDTYPE": Var(
        "code",
        {
            0: "ongoing",
            1: "end of the violent emergency",
            2: "replaced by another humanitarian military intervention",
            3: "ended while the emergency continued",
        },
        label=True,
    ),
    "VIOSTART": Var("date", missing={-99: NO_DATA}),
    "VIOSTAPR": Var("code", PREC, {-88: NOT_APPL}),
    "VIOEND": Var("date", missing={0: ONGOING, -99: NO_DATA}, reason=True, blank=0),
    "VIOENDPR": Var("code", PREC, {-88: NOT_APPL}),
    "VIODURAT": Var("int", missing={-99: NO_DATA}),
    "CONFLICT": _flag(-99),
    "VIOLENCE": _flag(-99),
    "ISSUE": Var("code", {1: "territory", 2: "government", 3: "territory and government"}),
    "NONSTATE": _flag(-99),
    "POLARITY": Var("code", {2: "bi-polar", 3: "multi-polar"}, {-77: UNCLEAR}),
    "FATALITY": Var("int", missing={-99: NO_DATA}),
    "AREA": Var("int", missing={-99: NO_DATA}),
    "AREAA": Var("int", missing={-99: NO_DATA}),
    "POPULAT": Var("int", missing={-99: NO_DATA}),
    "POPULATA": Var("int", missing={-99: NO_DATA}),
    "REGION": Var(
        "code",
        {1: "Africa", 2: "Americas", 3: "Asia", 4: "Europe", 5: "Middle East", 6: "Oceania"},
        label=True,
    ),
    "MEDIATE6": _flag(-99),
    "MEDIATEI": Var("code", YN, {-77: "no, but the intervention is ongoing", -99: NO_DATA}, reason=True),
    "ACCORD6": _flag(-99),
    "ACCORDI": Var("code", YN, {-77: "no, but the intervention is ongoing", -99: NO_DATA}, reason=True),
    "EMBARGO6": _flag(-99),
    "EMBARGOI": Var("code", YN, {-77: "no, but the intervention is ongoing", -99: NO_DATA}, reason=True),
    "COLDWAR": _flag(),
    "UNSC": Var("code", {0: "no mandate", 2: "mandate or approval"}, label=True),
    "REGIOORG": Var("code", APPROVAL, label=True),
    "GOVTPERM": Var("code", APPROVAL, {-77: UNCLEAR, -99: NO_DATA}, reason=True, label=True),
    "INTERVEN1": Var("str"),
    # The codebook lists no sentinel for I1CCC; the data use -88 where an organisation has no
    # COW code (CIS).
    "I1CCC": Var("int", missing={-88: "no COW code"}, reason=True, lo=2, hi=9999),
    "P5": _flag(),
    "INTERVEN2": Var("str", missing={-88: "not applicable (fewer interveners)", -99: NO_DATA}, reason=True),
    "I2CCC": Var("int", missing={-88: "not applicable or no COW code", -99: NO_DATA}, reason=True, lo=2, hi=9999),
    "INTERVEN3": Var("str", missing={-88: "not applicable (fewer interveners)", -99: NO_DATA}, reason=True),
    "I3CCC": Var("int", missing={-88: "not applicable or no COW code", -99: NO_DATA}, reason=True, lo=2, hi=9999),
    "COLONY2": _flag(),
    "SAVING": _flag(-99),
    "TARGET": Var(
        "code",
        {0: "impartial", 1: "against government", 2: "against rebels", 3: "against foreign forces"},
        {-99: NO_DATA},
        label=True,
    ),
    "TATROOP": Var("int", missing={-88: NOT_APPL, -99: NO_DATA}, reason=True),
    "ACTIVE": Var("code", {0: "passive", 1: "active"}, {-99: NO_DATA}),
    "FORCE": _flag(-77, -99, reason=True),
    # each activity: a flag and, when it took place, its start and end date
    **_activity("INTERPOS", "INTE"),
    **_activity("DISARM", "DISA"),
    **_activity("CIVILIAN", "CIVI"),
    **_activity("HUMANAID", "HUMA"),
    **_activity("NOFLY", "FLY"),
    **_activity("SAFEAREA", "AREA"),
    **_activity("ENFORCE", "ENFO"),
    **_activity("LOST", "LOST"),
    **_activity("REGIME", "REGI"),
    "GROUNDFO": _flag(-99),
    "GROUNDNO": Var("int", missing={-88: NOT_APPL, -99: NO_DATA}, reason=True),
    "POPYMTS": Var("int", missing={-99: NO_DATA}),
    "POPAYMTS": Var("int", missing={-99: NO_DATA}),
    "GROUNDPO": _RATIO,
    "GROUNDPOA": _RATIO,
    "GROUNDAR": _RATIO,
    "GROUNDARA": _RATIO,
    "AIRFORCE": _flag(-99),
    "VIOLAREA": Var("code", {1: "minor part of the affected area", 2: "major or entire affected area"}, {-99: NO_DATA}),
    "COUNTTRO": _flag(-99),
    # "0" (Iraq (Kurds) 1991-1997, where COUNTTRO is 0) read as "none".
    "IDTROOPS": Var("str", missing={-88: NOT_APPL, -99: NO_DATA, 0: "none (coded 0)"}, reason=True),
    "COUNTARM": _flag(-99),
    "IDARMS": Var("str", missing={-88: NOT_APPL, -99: NO_DATA, 0: "none (coded 0)"}, reason=True),
    "CONTRA0": Var(
        "code",
        {0: "at least one exclusion principle given", 1: "no exclusion principle given"},
        {-99: UNCLEAR},
    ),
    **{f"CONTRA{i}": _flag(-99) for i in range(1, 8)},
    "ENDVIOL": _flag(-88, -99, reason=True),
    "FATAL1": Var("float", missing={-99: NO_DATA}),
    "FATAL2": Var("float", missing={-88: ONGOING, -99: NO_DATA}, reason=True),
    "FATALITYIY": Var("int", missing={-88: ONGOING, -99: NO_DATA}, reason=True),
    "FATAL2IY": Var("float", missing={-88: ONGOING, -99: NO_DATA}, reason=True),
    "FATALCOM": Var("float", missing={-999: "not computable"}, lo=-100),
    "FATALPRE": Var("code", {1: "georeferenced data", 2: "other sources"}, {-88: NOT_APPL}),
    "LOSSES": Var("int", missing={-99: NO_DATA}),
    "LOSSRATE": Var("float", missing={-99: NO_DATA}),
    "NEWVIOL": Var(
        "code",
        {0: "no new violent emergency", 1: "new or recurred violent emergency"},
        {-88: NOT_APPL, -99: NO_DATA},
        reason=True,
    ),
    "NEWFATAL": Var("int", missing={-88: NOT_APPL, -99: NO_DATA}, reason=True),
    "DISLOCATE": _flag(-99),
}

ONLY_03 = ("POPYMTS", "POPAYMTS", "FATAL2", "FATALCOM", "LOSSRATE")
ONLY_2019 = ("YEAR", "FATALITYIY", "FATAL2IY")
#: The raw columns each release must have, in file order (a renamed column fails).
COLUMNS_03 = tuple(c for c in VARIABLES if c not in ONLY_2019)
COLUMNS_2019 = tuple(
    ["HMIID", "YEAR"]
    + [c for c in COLUMNS_03[1 : COLUMNS_03.index("FATAL1") + 1] if c not in ONLY_03]
    + ["FATALITYIY", "FATAL2IY", "FATALPRE", "LOSSES", "NEWVIOL", "NEWFATAL", "DISLOCATE"]
)

#: Output names that differ from the lower-cased raw name (country codes named by scheme).
RENAME = {
    "HMIID": "case_id",
    "WBCC": "iso3",
    "COWCC": "cowcode",
    "I1CCC": "i1_cowcode",
    "I2CCC": "i2_cowcode",
    "I3CCC": "i3_cowcode",
}


def out_name(raw: str) -> str:
    return RENAME.get(raw, raw.lower())


# --------------------------------------------------------------------------- fixes


@dataclass(frozen=True)
class Fix:
    source: str
    case_id: str
    year: int | None  # None for v0.3 (one row per intervention)
    column: str  # raw column
    raw: object  # the exact raw value expected (after str.strip for strings)
    value: object  # the corrected raw value
    why: str


_FILL = "fill-series artefact: constant within the intervention, incremented by one per year"


def _series_fixes(case: str, column: str, value, raws: Mapping[int, object]) -> list[Fix]:
    return [Fix(SRC19, case, y, column, r, value, _FILL) for y, r in raws.items()]


FIXES: tuple[Fix, ...] = (
    Fix(
        SRC03,
        "Sierra Leone 1997-1999",
        None,
        "ENDLOST",
        "10.03.199",
        "10.03.1999",
        "year truncated to three digits; the 2019 release gives 1999-03-10",
    ),
    *_series_fixes("Mali 2013-", "COWCC", 432, {2014: 433, 2015: 434, 2016: 435}),
    *_series_fixes("Bosnia and Herzegovina 1993-1995", "COUNTARM", 1, {1994: 2, 1995: 3}),
    *_series_fixes("Lebanon 1982-1984", "COUNTARM", 1, {1983: 2, 1984: 3}),
    *_series_fixes("Bosnia and Herzegovina 1993-1995", "UCDPID", "398, 397", {1994: "398, 398", 1995: "398, 399"}),
    # The series runs on into the next intervention (one year, 1995); v0.3 gives "398, 397".
    *_series_fixes("Bosnia and Herzegovina 1995", "UCDPID", "398, 397", {1995: "398, 400"}),
    *_series_fixes(
        "Congo 1960-1964",
        "UCDPID",
        "265, 266, 283",
        {1961: "265, 266, 284", 1962: "265, 266, 285", 1963: "265, 266, 286", 1964: "265, 266, 287"},
    ),
    *_series_fixes(
        "Mali 2013-",
        "UCDPID",
        "372, 11347, 14113",
        {2014: "372, 11347, 14114", 2015: "372, 11347, 14115", 2016: "372, 11347, 14116"},
    ),
    *_series_fixes(
        "South Sudan 2011-", "UCDPID", "11345, 11348", {y: f"11345, {11348 + y - 2011}" for y in range(2012, 2017)}
    ),
)


def _apply_fixes(df: pd.DataFrame, source: str, file: str) -> pd.DataFrame:
    """Apply `FIXES` for `source` to raw `df` (with `_id` trimmed ids); record them in `source_fixes`."""
    df = df.copy()
    df["source_fixes"] = [[] for _ in range(len(df))]
    for fx in (f for f in FIXES if f.source == source):
        m = df["_id"] == fx.case_id
        if fx.year is not None:
            m &= pd.to_numeric(df["YEAR"], errors="coerce") == fx.year
        if m.sum() != 1:
            raise DataError(f"fix target not found: {fx}", source=source, file=file, column=fx.column)
        i = df.index[m][0]
        cur = df.at[i, fx.column]
        cur_n = cur.strip() if isinstance(cur, str) else cur
        if not _same(cur_n, fx.raw):
            raise DataError(
                f"expected raw value {fx.raw!r} to correct, found {cur!r} (file changed?)",
                source=source,
                file=file,
                column=fx.column,
                row=int(df.at[i, "source_row"]),
            )
        df.at[i, fx.column] = fx.value
        df.at[i, "source_fixes"] = df.at[i, "source_fixes"] + [f"{fx.column}: {fx.raw!r} -> {fx.value!r} ({fx.why})"]
    return df


def _same(a, b) -> bool:
    if isinstance(a, str) or isinstance(b, str):
        return str(a) == str(b)
    try:
        return float(a) == float(b)
    except (TypeError, ValueError):
        return False


# --------------------------------------------------------------------------- decoding

#: Sentinel codes stored as dates are days after a base date: in the .dta 1899-12-31
#: (1899-12-31 = 0, 1899-10-04 = -88, ...); in the .xlsx, as read by openpyxl, the Excel epoch
#: 1899-12-30 (a -88 formatted as a date reads 1899-10-03). Positive integers in .xlsx date
#: columns are Excel serial day numbers, also counted from the Excel epoch.
STATA_SENTINEL_BASE = pd.Timestamp("1899-12-31")
EXCEL_EPOCH = pd.Timestamp("1899-12-30")
DATE_BASE = {SRC03: EXCEL_EPOCH, SRC19: STATA_SENTINEL_BASE}
DATE_MIN, DATE_MAX = pd.Timestamp("1945-01-01"), pd.Timestamp("2030-12-31")
_DATE_FORMATS = ("%m/%d/%Y", "%d.%m.%Y")


def _is_blank(v) -> bool:
    if v is None or v is pd.NA or v is pd.NaT:
        return True
    if isinstance(v, float) and np.isnan(v):
        return True
    return isinstance(v, str) and v.strip() == ""


def _as_number(v):
    """A raw cell as a number, or None if it is not numeric."""
    if isinstance(v, (bool, np.bool_)):
        return None
    if isinstance(v, (int, float, np.integer, np.floating)):
        return float(v)
    if isinstance(v, str):
        s = v.strip()
        if re.fullmatch(r"-?\d+(\.\d+)?", s):
            return float(s)
    return None


class _Err(Exception):
    pass


def _decode_date(v, var: Var, base: pd.Timestamp = STATA_SENTINEL_BASE):
    """-> (Timestamp or NaT, missing reason or None)."""
    if _is_blank(v):
        if var.blank is not None:
            return _date_code(var.blank, var)
        if var.missing:
            return pd.NaT, BLANK
        raise _Err("blank date")
    if isinstance(v, (pd.Timestamp, _dt.datetime, _dt.date)):
        ts = pd.Timestamp(v)
        if ts < pd.Timestamp("1900-01-01"):  # a sentinel stored as a date
            return _date_code((ts - base).days, var)
        return _check_date(ts)
    num = _as_number(v)
    if num is not None:
        if num != int(num):
            raise _Err(f"non-integer date value {v!r}")
        if num <= 0:
            return _date_code(int(num), var)
        return _check_date(EXCEL_EPOCH + pd.Timedelta(days=int(num)))  # Excel serial number
    if isinstance(v, str):
        s = v.strip()
        for fmt in _DATE_FORMATS:
            try:
                return _check_date(pd.Timestamp(_dt.datetime.strptime(s, fmt)))
            except ValueError:
                continue
    raise _Err(f"unparseable date {v!r}")


def _check_date(ts: pd.Timestamp):
    if not (DATE_MIN <= ts <= DATE_MAX):
        raise _Err(f"date {ts.date()} outside {DATE_MIN.date()}..{DATE_MAX.date()}")
    return ts, None


def _date_code(code: int, var: Var):
    if code in var.missing:
        return pd.NaT, var.missing[code]
    if code == 0:  # 1899-12-31 / Excel 0: no date
        return pd.NaT, "no date"
    raise _Err(f"unknown date code {code} (allowed: {sorted(var.missing)})")


def _decode_value(v, var: Var):
    """-> (value or None, missing reason or None) for non-date kinds."""
    if _is_blank(v):
        if var.blank is not None:
            v = var.blank
        elif var.missing:
            return None, BLANK
        else:
            raise _Err("blank value where the codebook allows no missing value")
    num = _as_number(v)
    if var.kind in ("str", "list", "id"):
        if num is not None and num == int(num) and int(num) in var.missing:
            return None, var.missing[int(num)]
        if var.kind == "list" and num is not None:
            return str(int(num)) if num == int(num) else str(v), None
        if num is not None and var.kind == "str":
            raise _Err(f"unexpected numeric value {v!r} (sentinels: {sorted(var.missing)})")
        return str(v).strip(), None
    if num is None:
        raise _Err(f"non-numeric value {v!r}")
    if num == int(num) and int(num) in var.missing:
        return None, var.missing[int(num)]
    if var.kind == "code":
        if num != int(num) or int(num) not in var.codes:
            raise _Err(f"unknown code {v!r} (codebook: {sorted(var.codes)}, sentinels: {sorted(var.missing)})")
        return int(num), None
    if num < 0 and var.neg:
        return None, var.neg
    if (var.lo is not None and num < var.lo) or (var.hi is not None and num > var.hi):
        raise _Err(f"value {v!r} out of range [{var.lo}, {var.hi}] and not a sentinel {sorted(var.missing)}")
    if var.kind == "int":
        if num != int(num):
            raise _Err(f"non-integer value {v!r}")
        return int(num), None
    return num, None


def decode_column(raw: pd.Series, rows: pd.Series, name: str, source: str, file: str) -> dict[str, pd.Series]:
    """Decode raw column `name` (a key of VARIABLES) -> {output column: Series}.

    Raises DataError naming the raw column and the 1-based data row of the first bad value.
    """
    var = VARIABLES[name]
    vals, reasons = [], []
    for v, r in zip(raw.tolist(), rows.tolist()):
        try:
            val, why = (
                _decode_date(v, var, DATE_BASE.get(source, STATA_SENTINEL_BASE))
                if var.kind == "date"
                else _decode_value(v, var)
            )
        except _Err as e:
            raise DataError(str(e), source=source, file=file, column=name, row=int(r)) from None
        vals.append(val)
        reasons.append(why)
    col = out_name(name)
    idx = raw.index
    out: dict[str, pd.Series] = {}
    if var.kind == "id":
        out[col] = pd.Series(vals, index=idx, dtype="string")
        out["hmiid_raw"] = pd.Series(raw.tolist(), index=idx, dtype="string")
    elif var.kind == "date":
        out[col] = pd.Series(pd.to_datetime(pd.Series(vals, index=idx, dtype="object")), index=idx).astype(
            "datetime64[ns]"
        )
    elif var.kind in ("code", "int"):
        out[col] = pd.Series(pd.array(vals, dtype="Int64"), index=idx)
    elif var.kind == "float":
        out[col] = pd.Series([np.nan if x is None else x for x in vals], index=idx, dtype="float64")
    elif var.kind == "str":
        out[col] = pd.Series(vals, index=idx, dtype="string")
    elif var.kind == "list":
        out[col] = pd.Series(vals, index=idx, dtype="string")
        out[f"{col}_list"] = pd.Series(
            [[x.strip() for x in s.split(",") if x.strip()] if s is not None else [] for s in vals],
            index=idx,
            dtype="object",
        )
    if var.label:
        out[f"{col}_label"] = out[col].map(lambda c: var.codes.get(int(c)) if pd.notna(c) else pd.NA).astype("string")
    if var.reason:
        out[f"{col}_missing"] = pd.Series(reasons, index=idx, dtype="string")
    return out


def decode(df: pd.DataFrame, columns: Iterable[str], source: str, file: str) -> pd.DataFrame:
    """Decode every raw column in `columns` of `df` (which has `source_row`)."""
    parts: dict[str, pd.Series] = {}
    for c in columns:
        parts.update(decode_column(df[c], df["source_row"], c, source, file))
    out = pd.DataFrame(parts, index=df.index)
    out["source_row"] = df["source_row"].astype("int64")
    out["source_fixes"] = df["source_fixes"] if "source_fixes" in df.columns else [[] for _ in range(len(df))]
    return out


def _check_columns(df: pd.DataFrame, expected: tuple[str, ...], source: str, file: str) -> None:
    require_columns(df, expected, source, file)
    extra = [c for c in df.columns if c not in expected]
    if extra:
        raise DataError("unexpected column (not in the codebook spec)", source=source, file=file, column=str(extra[0]))


# --------------------------------------------------------------------------- release tables


def clean_03(df: pd.DataFrame) -> pd.DataFrame:
    """Raw v0.3 sheet (as read, header = first row) -> `prif_hmi_03`."""
    _check_columns(df, COLUMNS_03, SRC03, FILE03)
    df = add_source_row(df)
    df["_id"] = df["HMIID"].map(lambda v: v.strip() if isinstance(v, str) else v)
    df = _apply_fixes(df, SRC03, FILE03)
    out = decode(df, COLUMNS_03, SRC03, FILE03)
    check_unique(out, ["case_id"], SRC03, FILE03)
    return out.sort_values("case_id", kind="mergesort").reset_index(drop=True)


def build_03(raw: RawFiles) -> pd.DataFrame:
    return clean_03(raw.read_excel(SRC03, FILE03, sheet_name=0, header=0))


def read_2019_raw(raw: RawFiles) -> pd.DataFrame:
    """The .dta as stored (162 rows), strings not trimmed, with `source_row`."""
    return add_source_row(raw.read_stata(SRC19, FILE19, convert_categoricals=False))


def _empty_rows(df: pd.DataFrame, columns: Iterable[str]) -> pd.Series:
    return df[list(columns)].apply(lambda s: s.map(_is_blank)).all(axis=1)


def clean_2019(df: pd.DataFrame) -> pd.DataFrame:
    """Raw 2019 .dta rows (with `source_row`) -> `prif_hmi_2019_years` (empty rows dropped)."""
    _check_columns(df.drop(columns="source_row"), COLUMNS_2019, SRC19, FILE19)
    df = df.loc[~_empty_rows(df, COLUMNS_2019)].copy()
    blank_id = df["HMIID"].map(_is_blank)
    if blank_id.any():
        raise DataError(
            "row has data but no HMIID",
            source=SRC19,
            file=FILE19,
            column="HMIID",
            row=int(df.loc[blank_id, "source_row"].iloc[0]),
        )
    df["_id"] = df["HMIID"].str.strip()
    df = _apply_fixes(df, SRC19, FILE19)
    out = decode(df, COLUMNS_2019, SRC19, FILE19)
    check_unique(out, ["case_id", "year"], SRC19, FILE19)
    return out.sort_values(["case_id", "year"], kind="mergesort").reset_index(drop=True)


def build_2019_years(raw: RawFiles) -> pd.DataFrame:
    return clean_2019(read_2019_raw(raw))


# --------------------------------------------------------------------------- analysis table

#: How the 2019 intervention-years become one row per intervention (documented contract).
AGGREGATION = {
    "default": "value of the intervention's first year (lowest YEAR); the 'static' variables",
    "regime_change": "max over years (REGIME: did the interveners engage in regime change in any year)",
    "interveners": "union of INTERVEN1-3 over years, in order of first appearance (year, then rank)",
    "fatalities_during": "sum of FATALITYIY over the intervention's years (missing if any year is missing)",
    "n_years": "number of intervention-years",
}

#: COW codes of the five permanent members of the UN Security Council (365 = Russia/USSR, 710 = China).
P5_COW = {2: "USA", 200: "UK", 220: "France", 365: "Russia", 710: "China"}

_ID_RE = re.compile(r"^(?P<place>.+?)\s+(?P<y0>\d{4})(?:-(?P<y1>\d{4})?)?$")


def slugify(case_id: str) -> str:
    """'Côte d'Ivoire 2002-2005' -> 'cote-divoire-2002-2005' (lowercase ascii, [a-z0-9-])."""
    s = unicodedata.normalize("NFKD", case_id).encode("ascii", "ignore").decode("ascii").lower()
    s = re.sub(r"['’]", "", s)
    s = re.sub(r"[^a-z0-9]+", "-", s).strip("-")
    return s


def _parse_id(case_id: str, source: str, file: str) -> dict:
    m = _ID_RE.match(case_id)
    if not m:
        raise DataError(
            f"case id {case_id!r} is not '<country> <year>[-[<year>]]'", source=source, file=file, column="HMIID"
        )
    place = m["place"]
    pm = re.match(r"^(.*?)\s*\((.+)\)$", place)
    country, area = (pm[1], pm[2]) if pm else (place, None)
    return {"target_country": country, "target_area": area}


def _interveners(rows: pd.DataFrame) -> tuple[list[str], list[str]]:
    """Names (as given) in order of first appearance; and those that are P5 members (by COW code)."""
    names: list[str] = []
    p5: list[str] = []
    for _, r in rows.iterrows():
        for k in (1, 2, 3):
            n, c = r[f"interven{k}"], r[f"i{k}_cowcode"]
            if pd.isna(n) or n in names:
                continue
            names.append(str(n))
            if pd.notna(c) and int(c) in P5_COW:
                p5.append(str(n))
    return names, p5


def _bool(s: pd.Series) -> pd.Series:
    return s.map(lambda v: pd.NA if pd.isna(v) else bool(v == 1)).astype("boolean")


def _cases(first: pd.DataFrame, release: str, file: str, groups: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """Per-intervention rows in release-table columns -> hmi_cases rows."""
    src = SRC03 if release == "0.3" else SRC19
    ids = pd.DataFrame([_parse_id(c, src, file) for c in first["case_id"]], index=first.index)
    inter = {cid: _interveners(groups[cid]) for cid in first["case_id"]}
    start, end = first["hmistart"], first["hmiend"]
    out = pd.DataFrame(
        {
            "release": release,
            "case_id": first["case_id"].astype("string"),
            "slug": first["case_id"].map(slugify).astype("string"),
            "target_country": ids["target_country"].astype("string"),
            "target_area": ids["target_area"].astype("string"),
            "cowcode": first["cowcode"].astype("Int64"),
            "iso3": first["iso3"].astype("string"),
            "region": first["region"].astype("Int64"),
            "region_label": first["region_label"].astype("string"),
            "start_date": start,
            "end_date": end,
            "ongoing": (first["hmiend_missing"] == ONGOING).fillna(False).astype(bool),
            "start_year": start.dt.year.astype("Int64"),
            "end_year": end.dt.year.astype("Int64"),
            "duration_days": (end - start).dt.days.astype("Int64"),
            "interveners": first["case_id"].map(lambda c: inter[c][0]),
            "p5": _bool(first["p5"]).astype(bool),
            "p5_members": first["case_id"].map(lambda c: inter[c][1]),
            "unsc": first["unsc"].astype("Int64"),
            "unsc_label": first["unsc_label"].astype("string"),
            "mandate": (first["unsc"] == 2).astype(bool),
            "target": first["target"].astype("Int64"),
            "target_label": first["target_label"].astype("string"),
            "regime_change": _bool(first["regime"]),
            "status": first["status"].astype("Int64"),
            "status_label": first["status_label"].astype("string"),
            "regional_org": first["regioorg"].astype("Int64"),
            "regional_org_label": first["regioorg_label"].astype("string"),
            "saving": _bool(first["saving"]),
            "govtperm": first["govtperm"].astype("Int64"),
            "govtperm_label": first["govtperm_label"].astype("string"),
            "endviol": _bool(first["endviol"]),
            "endviol_missing": first["endviol_missing"].astype("string"),
            "newviol": _bool(first["newviol"]),
            "newviol_missing": first["newviol_missing"].astype("string"),
            "fatality_prior": first["fatality"].astype("Int64"),
            "fatal1": first["fatal1"].astype("float64"),
            "fatal2": first["fatal2"].astype("float64") if "fatal2" in first else np.nan,
            "fatalcom": first["fatalcom"].astype("float64") if "fatalcom" in first else np.nan,
            "fatalities_during": pd.Series(pd.NA, index=first.index, dtype="Int64"),
            "losses": first["losses"].astype("Int64"),
            "newfatal": first["newfatal"].astype("Int64"),
            "newfatal_missing": first["newfatal_missing"].astype("string"),
            "ucdp_ids": first["ucdpid_list"],
            "cold_war": (start.dt.year < 1990).astype(bool),
            "coldwar_coded": _bool(first["coldwar"]).astype(bool),
            "n_years": pd.Series(pd.NA, index=first.index, dtype="Int64"),
            "source_file": f"{src}/{file}",
            "source_row": first["source_row"].astype("int64"),
            "n_source_rows": first["case_id"].map(lambda c: len(groups[c])).astype("int64"),
        },
        index=first.index,
    )
    out["n_interveners"] = out["interveners"].map(len).astype("int64")
    out["release"] = out["release"].astype("string")
    out["source_file"] = out["source_file"].astype("string")
    return out


def cases_03(t03: pd.DataFrame) -> pd.DataFrame:
    groups = {c: g for c, g in t03.groupby("case_id", sort=False)}
    out = _cases(t03, "0.3", FILE03, groups)
    return out.pipe(_order)


def cases_2019(years: pd.DataFrame) -> pd.DataFrame:
    """Aggregate `prif_hmi_2019_years` to one row per intervention (rules in AGGREGATION)."""
    years = years.sort_values(["case_id", "year"], kind="mergesort")
    groups = {c: g for c, g in years.groupby("case_id", sort=False)}
    first = years.drop_duplicates("case_id", keep="first").set_index("case_id", drop=False)
    first["regime"] = years.groupby("case_id")["regime"].max()
    out = _cases(first.reset_index(drop=True), "2019", FILE19, groups)
    fy = years.groupby("case_id")["fatalityiy"].agg(lambda s: s.sum() if s.notna().all() else pd.NA)
    out["fatalities_during"] = out["case_id"].map(fy).astype("Int64")
    out["n_years"] = out["case_id"].map(years.groupby("case_id").size()).astype("Int64")
    return out.pipe(_order)


def _order(df: pd.DataFrame) -> pd.DataFrame:
    return df[list(CASE_SCHEMA.columns)]  # the schema's column order (ordered=True)


def build_cases(raw: RawFiles) -> pd.DataFrame:
    t03 = build_03(raw)
    t19 = build_2019_years(raw)
    c03, c19 = cases_03(t03), cases_2019(t19)
    for c in (c03, c19):
        bad = c["slug"].duplicated(keep=False)
        if bad.any():
            raise DataError(f"slug collision {c.loc[bad, 'case_id'].tolist()}", column="slug")
    out = pd.concat([c03, c19], ignore_index=True)
    return out.sort_values(["release", "case_id"], kind="mergesort").reset_index(drop=True)


def within_case_variation(years: pd.DataFrame, columns: Iterable[str] | None = None) -> pd.DataFrame:
    """Tidy list of (case_id, column, n_values, values) where a 2019 variable varies within an intervention."""
    skip = {"case_id", "hmiid_raw", "year", "source_row", "source_fixes"}
    cols = [c for c in (columns or years.columns) if c not in skip]
    rows = []
    for cid, g in years.groupby("case_id", sort=True):
        for c in cols:
            vals = g[c].map(lambda v: tuple(v) if isinstance(v, list) else (None if pd.isna(v) else v))
            uniq = list(dict.fromkeys(vals))
            if len(uniq) > 1:
                rows.append({"case_id": cid, "column": c, "n_values": len(uniq), "values": "; ".join(map(str, uniq))})
    return pd.DataFrame(rows, columns=["case_id", "column", "n_values", "values"])


# --------------------------------------------------------------------------- release diff

#: hmi_cases columns compared by `release_diff` (coded variables present in both releases;
#: labels and columns derived from these are left out).
DIFF_COLUMNS = (
    "target_country",
    "target_area",
    "cowcode",
    "iso3",
    "region",
    "start_date",
    "end_date",
    "ongoing",
    "interveners",
    "p5",
    "p5_members",
    "unsc",
    "target",
    "regime_change",
    "status",
    "regional_org",
    "saving",
    "govtperm",
    "endviol",
    "endviol_missing",
    "newviol",
    "newviol_missing",
    "fatality_prior",
    "fatal1",
    "losses",
    "newfatal",
    "newfatal_missing",
    "ucdp_ids",
    "coldwar_coded",
)


#: List columns compared as sets by `release_diff`.
SET_COLUMNS = ("interveners", "p5_members", "ucdp_ids")


def _fmt(v) -> str | None:
    if isinstance(v, (list, tuple, np.ndarray)):
        return "; ".join(map(str, v))
    if v is None or (not isinstance(v, str) and pd.isna(v)):
        return None
    if isinstance(v, pd.Timestamp):
        return v.strftime("%Y-%m-%d")
    if isinstance(v, (bool, np.bool_)):
        return str(bool(v))
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    if isinstance(v, (float, np.floating)):
        return str(int(v)) if float(v).is_integer() else repr(float(v))
    return str(v)


def release_diff(t03: pd.DataFrame, t2019_cases: pd.DataFrame) -> pd.DataFrame:
    """Compare the two releases (hmi_cases rows of each) -> tidy differences.

    Columns: case_id, change ("added": only in 2019, "removed": only in v0.3, "changed"),
    column (NA for added/removed), value_0_3, value_2019 (as text; lists joined by "; ", and
    the lists in SET_COLUMNS compared and shown sorted). Missing equals missing. Sorted by
    case_id, column.
    """
    a = t03.set_index("case_id")
    b = t2019_cases.set_index("case_id")
    cols = [c for c in DIFF_COLUMNS if c in a.columns and c in b.columns]
    rows = []
    for cid in sorted(set(a.index) | set(b.index)):
        if cid not in b.index:
            rows.append((cid, "removed", None, None, None))
        elif cid not in a.index:
            rows.append((cid, "added", None, None, None))
        else:
            for c in cols:
                x, y = a.at[cid, c], b.at[cid, c]
                if c in SET_COLUMNS:  # compare as sets: order is rank in v0.3, first appearance in 2019
                    x, y = sorted(x), sorted(y)
                x, y = _fmt(x), _fmt(y)
                if x != y:
                    rows.append((cid, "changed", c, x, y))
    out = pd.DataFrame(rows, columns=["case_id", "change", "column", "value_0_3", "value_2019"])
    return (
        out.astype("string")
        .sort_values(["case_id", "column"], kind="mergesort", na_position="first")
        .reset_index(drop=True)
    )


# --------------------------------------------------------------------------- schemas


def _is_str_list(v) -> bool:
    return isinstance(v, list) and all(isinstance(x, str) and x != "" for x in v)


def _list_col(nonempty: bool = False) -> pa.Column:
    checks = [pa.Check(lambda s: s.map(_is_str_list), name="list_of_str")]
    if nonempty:
        checks.append(pa.Check(lambda s: s.map(len) > 0, name="nonempty"))
    return pa.Column(object, checks)


def _reasons(var: Var) -> list[str]:
    r = set(var.missing.values()) | {BLANK}
    if var.kind == "date":
        r.add("no date")
    if var.neg:
        r.add(var.neg)
    return sorted(r)


def _release_schema(columns: tuple[str, ...], key: tuple[str, ...]) -> pa.DataFrameSchema:
    cols: dict[str, pa.Column] = {}
    for name in columns:
        var = VARIABLES[name]
        col = out_name(name)
        nullable = bool(var.missing) or var.blank is not None
        if var.kind == "id":
            cols[col] = pa.Column("string", pa.Check.str_matches(r"^\S(.*\S)?$"))
            cols["hmiid_raw"] = pa.Column("string")
        elif var.kind == "date":
            cols[col] = pa.Column("datetime64[ns]", pa.Check.in_range(DATE_MIN, DATE_MAX), nullable=nullable)
        elif var.kind == "code":
            cols[col] = pa.Column("Int64", pa.Check.isin(sorted(var.codes)), nullable=nullable)
        elif var.kind in ("int", "float"):
            checks = []
            if var.lo is not None:
                checks.append(pa.Check.ge(var.lo))
            if var.hi is not None:
                checks.append(pa.Check.le(var.hi))
            cols[col] = pa.Column("Int64" if var.kind == "int" else "float64", checks, nullable=nullable)
        elif var.kind == "str":
            cols[col] = pa.Column("string", pa.Check.str_length(min_value=1), nullable=nullable)
        elif var.kind == "list":
            cols[col] = pa.Column("string", pa.Check.str_matches(r"^[^,]+(,[^,]+)*$"), nullable=nullable)
            cols[f"{col}_list"] = _list_col()
        if var.label:
            cols[f"{col}_label"] = pa.Column("string", pa.Check.isin(sorted(var.codes.values())), nullable=nullable)
        if var.reason:
            cols[f"{col}_missing"] = pa.Column("string", pa.Check.isin(_reasons(var)), nullable=True)
    cols["source_row"] = pa.Column("int64", pa.Check.ge(1))
    cols["source_fixes"] = pa.Column(object, pa.Check(lambda s: s.map(lambda v: isinstance(v, list)), name="list"))
    checks = [
        pa.Check(
            lambda d: (d["hmiend_missing"] == ONGOING).fillna(False) == (d["endtype"] == 0).fillna(False),
            name="hmiend_ongoing_iff_endtype_0",
        ),
        pa.Check(lambda d: d["hmiend"].isna() | (d["hmiend"] >= d["hmistart"]), name="end_after_start"),
        pa.Check(lambda d: d["hmiend_missing"].isna() | d["hmiend"].isna(), name="reason_only_when_missing"),
    ]
    return pa.DataFrameSchema(cols, checks=checks, strict=True, ordered=False, unique=list(key))


SCHEMA_03 = LazySchema(lambda: _release_schema(COLUMNS_03, ("case_id",)))
_S19 = LazySchema(lambda: _release_schema(COLUMNS_2019, ("case_id", "year")))
SCHEMA_2019 = LazySchema(
    lambda: pa.DataFrameSchema(
        _S19.columns,
        checks=_S19.checks
        + [
            pa.Check(
                lambda d: (
                    (d["year"] >= d["hmistart"].dt.year) & (d["hmiend"].isna() | (d["year"] <= d["hmiend"].dt.year))
                ),
                name="year_within_intervention",
            )
        ],
        strict=True,
        unique=["case_id", "year"],
    )
)

_V = VARIABLES
CASE_SCHEMA = LazySchema(
    lambda: pa.DataFrameSchema(
        {
            "release": pa.Column("string", pa.Check.isin(["0.3", "2019"])),
            "case_id": pa.Column("string", pa.Check.str_matches(r"^\S(.*\S)?$")),
            "slug": pa.Column("string", pa.Check.str_matches(r"^[a-z0-9]+(-[a-z0-9]+)*$")),
            "target_country": pa.Column("string"),
            "target_area": pa.Column("string", nullable=True),
            "cowcode": pa.Column("Int64", pa.Check.in_range(2, 999)),
            "iso3": pa.Column("string", pa.Check.str_matches(r"^[A-Z]{3}$")),
            "region": pa.Column("Int64", pa.Check.isin(sorted(_V["REGION"].codes))),
            "region_label": pa.Column("string", pa.Check.isin(sorted(_V["REGION"].codes.values()))),
            "start_date": pa.Column("datetime64[ns]", pa.Check.in_range(DATE_MIN, DATE_MAX)),
            "end_date": pa.Column("datetime64[ns]", pa.Check.in_range(DATE_MIN, DATE_MAX), nullable=True),
            "ongoing": pa.Column("bool"),
            "start_year": pa.Column("Int64", pa.Check.in_range(1945, 2030)),
            "end_year": pa.Column("Int64", pa.Check.in_range(1945, 2030), nullable=True),
            "duration_days": pa.Column("Int64", pa.Check.ge(0), nullable=True),
            "interveners": _list_col(nonempty=True),
            "n_interveners": pa.Column("int64", pa.Check.ge(1)),
            "p5": pa.Column("bool"),
            "p5_members": _list_col(),
            "unsc": pa.Column("Int64", pa.Check.isin(sorted(_V["UNSC"].codes))),
            "unsc_label": pa.Column("string", pa.Check.isin(sorted(_V["UNSC"].codes.values()))),
            "mandate": pa.Column("bool"),
            "target": pa.Column("Int64", pa.Check.isin(sorted(_V["TARGET"].codes)), nullable=True),
            "target_label": pa.Column("string", pa.Check.isin(sorted(_V["TARGET"].codes.values())), nullable=True),
            "regime_change": pa.Column("boolean", nullable=True),
            "status": pa.Column("Int64", pa.Check.isin(sorted(_V["STATUS"].codes))),
            "status_label": pa.Column("string", pa.Check.isin(sorted(_V["STATUS"].codes.values()))),
            "regional_org": pa.Column("Int64", pa.Check.isin(sorted(APPROVAL))),
            "regional_org_label": pa.Column("string", pa.Check.isin(sorted(APPROVAL.values()))),
            "saving": pa.Column("boolean", nullable=True),
            "govtperm": pa.Column("Int64", pa.Check.isin(sorted(APPROVAL)), nullable=True),
            "govtperm_label": pa.Column("string", pa.Check.isin(sorted(APPROVAL.values())), nullable=True),
            "endviol": pa.Column("boolean", nullable=True),
            "endviol_missing": pa.Column("string", pa.Check.isin(_reasons(_V["ENDVIOL"])), nullable=True),
            "newviol": pa.Column("boolean", nullable=True),
            "newviol_missing": pa.Column("string", pa.Check.isin(_reasons(_V["NEWVIOL"])), nullable=True),
            "fatality_prior": pa.Column("Int64", pa.Check.ge(0), nullable=True),
            "fatal1": pa.Column("float64", pa.Check.ge(0), nullable=True),
            "fatal2": pa.Column("float64", pa.Check.ge(0), nullable=True),
            "fatalcom": pa.Column("float64", pa.Check.ge(-100), nullable=True),
            "fatalities_during": pa.Column("Int64", pa.Check.ge(0), nullable=True),
            "losses": pa.Column("Int64", pa.Check.ge(0), nullable=True),
            "newfatal": pa.Column("Int64", pa.Check.ge(0), nullable=True),
            "newfatal_missing": pa.Column("string", pa.Check.isin(_reasons(_V["NEWFATAL"])), nullable=True),
            "ucdp_ids": _list_col(),
            "cold_war": pa.Column("bool"),
            "coldwar_coded": pa.Column("bool"),
            "n_years": pa.Column("Int64", pa.Check.ge(1), nullable=True),
            "source_file": pa.Column("string", pa.Check.isin([f"{SRC03}/{FILE03}", f"{SRC19}/{FILE19}"])),
            "source_row": pa.Column("int64", pa.Check.ge(1)),
            "n_source_rows": pa.Column("int64", pa.Check.ge(1)),
        },
        checks=[
            pa.Check(lambda d: d["mandate"] == (d["unsc"] == 2), name="mandate_is_unsc_2"),
            pa.Check(lambda d: d["ongoing"] == d["end_date"].isna(), name="ongoing_iff_no_end_date"),
            pa.Check(lambda d: d["n_interveners"] == d["interveners"].map(len), name="n_interveners"),
            pa.Check(
                lambda d: d.groupby("release")["slug"].transform(lambda s: ~s.duplicated(keep=False)),
                name="slug_unique_within_release",
            ),
            pa.Check(
                lambda d: d["start_year"] == d["case_id"].str.extract(r"(\d{4})", expand=False).astype("Int64"),
                name="id_year_is_start_year",
            ),
            pa.Check(
                lambda d: d["release"].eq("2019") | (d["n_years"].isna() & d["fatalities_during"].isna()),
                name="2019_only_columns",
            ),
            pa.Check(
                lambda d: d["release"].eq("0.3") | (d["fatal2"].isna() & d["fatalcom"].isna()), name="03_only_columns"
            ),
        ],
        strict=True,
        ordered=True,
        unique=["release", "case_id"],
    )
)

_CITE = ("gromes2019hmi",)

TABLES = [
    Table(
        name="prif_hmi_03",
        sources=(f"{SRC03}/{FILE03}",),
        build=build_03,
        schema=SCHEMA_03,
        key=("case_id",),
        description="PRIF HMI v0.3: one row per humanitarian military intervention (41), every variable "
        f"decoded per codebook v1.13 ({CODEBOOK}); sentinels missing, reasons in <col>_missing.",
        citation=_CITE,
    ),
    Table(
        name="prif_hmi_2019_years",
        sources=(f"{SRC19}/{FILE19}",),
        build=build_2019_years,
        schema=SCHEMA_2019,
        key=("case_id", "year"),
        description="PRIF HMI July 2019: one row per intervention-year (153; 9 empty rows dropped), "
        "every variable decoded; fill-series artefacts corrected and listed in source_fixes.",
        citation=_CITE,
    ),
    Table(
        name="hmi_cases",
        sources=(f"{SRC03}/{FILE03}", f"{SRC19}/{FILE19}"),
        build=build_cases,
        schema=CASE_SCHEMA,
        key=("release", "case_id"),
        description="PRIF HMI interventions, both releases stacked (release '0.3' and '2019'), one row per "
        "(release, case_id); 2019 aggregated from intervention-years per AGGREGATION.",
        citation=_CITE,
    ),
]

"""International Military Intervention (IMI), 1946-2005: one row per intervention.

The raw file merges Pearson & Baumann's collection (ICPSR 6035, 1946-88; the
file's first 667 rows) with Kisangani & Pickering's update (ICPSR 21282,
1989-2005). It has 1,111 data rows; a published description of the merged
data gives 1,114 cases. The header carries a UTF-8 byte-order mark and is
followed by 30 empty columns, which are dropped (a value in any of them is an
error, not silently discarded).

Identifier
    `intervention_id` is the 1-based data row of the intervention in the raw
    file (so it equals `source_row`). The file has no id of its own, and no two
    rows share (intervener, target, start): the row number is the only stable
    handle. It is stable for this file version only.

Dates (`start`, `end`: YYYYMMDD integers), read by these rules, in order;
`<col>_raw` keeps the integer and `<col>_precision` says which rule applied:
    - 99999999 -> missing, precision "unknown";
    - end 88888888 -> missing, precision "ongoing" (the intervention had not
      ended when the data were coded; used only by the 1989-2005 update, e.g.
      KFOR, MONUC, the 2003 Iraq coalition); 88888889 (one row, UNMEE) is read
      as the same code;
    - a value listed in `CORRECTIONS` (an impossible date whose intended value
      is evident) -> the corrected date, precision "corrected";
    - month 00 -> precision "year", day 00 -> precision "month": a start date
      becomes the first day of the year/month, an end date the last day (none
      occur in this file);
    - a day past the end of its month (e.g. 19751131, 19530229) -> the last day
      of that month, precision "day_clamped";
    - a valid date -> precision "day";
    - anything else raises `DataError` naming the column and row.
    `end_before_start` flags the 4 rows whose known end precedes their known
    start (raw values kept as published; not corrected).

Codes. The ICPSR 21282 codebook text could not be obtained here (only its
front matter). `direction` is decoded from the codebook's category list as
quoted verbatim, identically, in two independent public code repositories;
9 = "not ascertained" there. The motive variables are 0/1 indicators with
9 = "not coded" (-> missing); `territorial` also takes the value 2, whose
meaning could not be verified (kept, labelled as such). For the remaining
categorical variables (type, amount, air, naval, size_naval, firing_outside,
contiguity, int_contig, source) no code list was verified: they are kept as
integer codes, with 9 read as "not ascertained" (the data set's convention),
and carry no labels. Casualty counts use 999, 99999, 9999999 and 99999999 as
"not ascertained" codes and 998 (only 1946-88) apparently as "998 or more";
all become missing with the reason in `<col>_missing`.

Interveners. Codes are Correlates of War state codes, except: 1 (1946-88
part) and 1000+ (1989-2005 part) denote international organisations or
multinational forces (`intervener_is_io`). Code 1 is the United Nations in the
1946-88 part (UNTSO, UNMOGIP, UNEF, UNFICYP, UNIFIL, Korea...), and is also
the target in one row (North Korea vs. UN forces at the DMZ). The
`intervener_io_name` values are inferred from the description texts, not from
a codebook. The cleaner keeps the raw code in `*_cowcode`; a crosswalk must not
map IO codes.
"""

from __future__ import annotations

import calendar

import numpy as np
import pandas as pd
import pandera.pandas as pa

from ..errors import DataError
from ..sources import coverage
from .base import LazySchema, RawFiles, Table, add_source_row, require_columns, to_int, trim_strings

SOURCE, FILE = "imi", "interventions_IMI_1946-2005.csv"

#: Raw columns, as spelled in the header (after the byte-order mark).
RAW_COLUMNS = [
    "intervener",
    "target",
    "start",
    "end",
    "source",
    "direction",
    "type",
    "amount",
    "air",
    "naval",
    "size_naval",
    "firing_outside",
    "intervener_casualties",
    "target casualties",
    "domestic_dispute",
    "affect_policies",
    "social_protective",
    "pursuit_border",
    "economic",
    "strategic",
    "humanitarian",
    "territorial",
    "military/diplomatic",
    "contiguity",
    "int_contig",
    "description",
]

#: Rows 1..667 are Pearson & Baumann's 667 cases (1946-88).
PB_ROWS = 667

UNKNOWN_DATE = 99999999
ONGOING_CODES = (88888888, 88888889)

#: Impossible raw dates whose intended value is evident: (row, column) -> (raw, corrected).
CORRECTIONS: dict[tuple[int, str], tuple[int, int]] = {
    # USSR in Egypt (War of Attrition); Sadat expelled the Soviet forces on 18 July 1972.
    (340, "end"): (10720718, 19720718),
    # Burundi in Zaire; nine digits, one too many: Kabila took Kinshasa on 17 May 1997.
    (883, "end"): (199705170, 19970517),
}

#: direction, per the ICPSR codebook (as quoted in public code; see module docstring).
DIRECTION_LABELS = {
    0: "non-supportive or neutral intervention",
    1: "support government (including immediate restoration to abort coup)",
    2: "oppose rebels or opposition groups",
    3: "oppose government",
    4: "support rebel or opposition groups",
    5: "support or oppose third-party government",
    6: "support or oppose rebel groups in sanctuary",
}
NOT_ASCERTAINED = "not ascertained (9)"
#: against_government, derived from direction: True for 3 and 4 (opposing the
#: target government, directly or by backing its rebels); False for 0, 1, 2
#: (neutral or pro-government); missing for 5 and 6 (support *or* oppose: the
#: code does not say which side) and for 9.
AGAINST_GOVERNMENT = {0: False, 1: False, 2: False, 3: True, 4: True}

#: Motive indicators: raw name -> clean name. 0 no, 1 yes, 9 not coded.
MOTIVES = {
    "domestic_dispute": "domestic_dispute",
    "affect_policies": "affect_policies",
    "social_protective": "social_protective",
    "pursuit_border": "pursuit_border",
    "economic": "economic",
    "strategic": "strategic",
    "humanitarian": "humanitarian",
    "territorial": "territorial",
    "military/diplomatic": "military_diplomatic",
}
MOTIVE_LABELS = {0: "no", 1: "yes"}
TERRITORIAL_LABELS = {0: "no", 1: "yes", 2: "code 2 (meaning not verified)"}
NOT_CODED = "not coded (9)"

#: Other coded variables: raw name -> (clean name, codes seen in the data besides 9).
OTHER_CODES = {
    "type": ("type", [0, 1, 2, 3, 4, 5]),
    "amount": ("amount", [0, 1, 2, 3, 4]),
    "air": ("air", [0, 1, 2, 3, 4, 5]),
    "naval": ("naval", [0, 1, 2, 3, 4, 5]),
    "size_naval": ("size_naval", [0, 1, 2]),
    "firing_outside": ("firing_outside", [0, 1]),
    "contiguity": ("contiguity", [0, 1, 2]),
    "int_contig": ("int_contig", [0, 1, 2]),
    "source": ("source_code", [1, 2, 3, 4]),
}

#: Casualty codes that are not counts.
CASUALTY_CODES = {
    998: "998 or more (code 998; reading not verified)",
    999: "not ascertained (code 999)",
    99999: "not ascertained (code 99999)",
    9999999: "not ascertained (code 9999999)",
    99999999: "not ascertained (code 99999999)",
}

#: Organisation / multinational-force codes, named from the description texts.
IO_NAMES = {
    1: "United Nations",
    1014: "United Nations",
    1016: "NATO-led Stabilisation Force (SFOR)",
    1060: "NATO",
    2220: "European Union",
    2310: "Commonwealth of Independent States",
    2400: "Organisation of African Unity / African Union",
    2420: "ECOWAS (ECOMOG)",
    2431: "CEMAC",
    2450: "SADC",
    2460: "COMESSA (CEN-SAD)",
    3040: "Multinational Force in Haiti (US-led)",
    3300: "Multinational Protection Force in Albania",
    3482: "MISAB (Inter-African mission in CAR)",
    3500: "Operation United Shield (US-led)",
    3600: "Operation Provide Comfort coalition",
    3601: "Operation Northern Watch coalition",
    3602: "Operation Southern Watch coalition",
    3700: "ISAF",
    3850: "INTERFET (Australian-led)",
    3900: "South Pacific Peacekeeping Force",
    3901: "Truce Monitoring Group (NZ-led)",
    3902: "Peace Monitoring Group (Australian-led)",
    3903: "Regional Assistance Mission to Solomon Islands (Australian-led)",
}

PRECISIONS = ["day", "day_clamped", "month", "year", "corrected", "unknown", "ongoing"]
COLLECTIONS = ["pearson_baumann_1946_88", "kisangani_pickering_1989_2005"]


def _is_io(code: pd.Series) -> pd.Series:
    return (code == 1) | (code >= 1000)


def _read_csv(raw: RawFiles) -> pd.DataFrame:
    """Read the CSV (the published file lacks a final newline; `RawFiles.read_csv` detects a
    truncated last record by its field count)."""
    return raw.read_csv(SOURCE, FILE, dtype=str, keep_default_na=False, encoding="utf-8-sig")


def _read(raw: RawFiles) -> pd.DataFrame:
    df = _read_csv(raw)
    df.columns = [str(c).lstrip("\ufeff").strip() for c in df.columns]
    extra = [c for c in df.columns if c not in RAW_COLUMNS]
    for c in extra:
        if not c.startswith("Unnamed:") or (df[c].str.strip() != "").any():
            bad = df.index[df[c].str.strip() != ""]
            row = int(bad[0]) + 1 if len(bad) else None
            raise DataError("unexpected column with data", source=SOURCE, file=FILE, column=c, row=row)
    df = df.drop(columns=extra)
    require_columns(df, RAW_COLUMNS, SOURCE, FILE)
    return add_source_row(trim_strings(df))


def _to_int(df: pd.DataFrame, col: str, required: bool = True) -> pd.Series:
    """Parse integer codes (a float spelling such as '1.0' is accepted); anything else is an error."""
    return to_int(df, col, SOURCE, FILE, nullable=not required)


def _check_codes(df: pd.DataFrame, values: pd.Series, col: str, allowed) -> None:
    bad = values.notna() & ~values.isin(list(allowed))
    if bad.any():
        i = bad.idxmax()
        raise DataError(
            f"unknown code {values[i]!r} (allowed: {sorted(allowed)})",
            source=SOURCE,
            file=FILE,
            column=col,
            row=int(df.loc[i, "source_row"]),
        )


def _parse_one(value: int, col: str, row: int) -> tuple[pd.Timestamp | None, str]:
    if value == UNKNOWN_DATE:
        return None, "unknown"
    if col == "end" and value in ONGOING_CODES:
        return None, "ongoing"
    precision = "day"
    fix = CORRECTIONS.get((row, col))
    if fix is not None and fix[0] == value:
        value, precision = fix[1], "corrected"
    y, md = divmod(value, 10000)
    m, d = divmod(md, 100)
    if not (1900 <= y <= 2100 and 0 <= m <= 12 and 0 <= d <= 31) or (m == 0 and d != 0):
        raise DataError(
            f"unparseable date {value!r} (expected YYYYMMDD)", source=SOURCE, file=FILE, column=col, row=row
        )
    if m == 0:
        return (pd.Timestamp(y, 1, 1) if col == "start" else pd.Timestamp(y, 12, 31)), "year"
    last = calendar.monthrange(y, m)[1]
    if d == 0:
        return (pd.Timestamp(y, m, 1) if col == "start" else pd.Timestamp(y, m, last)), "month"
    if d > last:
        return pd.Timestamp(y, m, last), ("corrected" if precision == "corrected" else "day_clamped")
    return pd.Timestamp(y, m, d), precision


def _parse_dates(df: pd.DataFrame, col: str) -> tuple[pd.Series, pd.Series, pd.Series]:
    raw = _to_int(df, col)
    dates, precs = [], []
    for value, row in zip(raw.to_numpy(), df["source_row"].to_numpy()):
        ts, p = _parse_one(int(value), col, int(row))
        dates.append(ts if ts is not None else pd.NaT)
        precs.append(p)
    date = pd.Series(pd.to_datetime(dates), index=df.index).astype("datetime64[ns]")
    return date, pd.Series(precs, index=df.index, dtype="string"), raw.astype("int64")


def _label(values: pd.Series, labels: dict[int, str], missing: str) -> pd.Series:
    return values.map(labels).fillna(missing).astype("string")


def build(raw: RawFiles) -> pd.DataFrame:
    df = _read(raw)
    out = pd.DataFrame(index=df.index)
    out["intervention_id"] = df["source_row"].astype("int64")

    intervener = _to_int(df, "intervener")
    target = _to_int(df, "target")
    out["intervener_cowcode"] = intervener.astype("int64")
    out["target_cowcode"] = target.astype("int64")
    out["intervener_is_io"] = _is_io(out["intervener_cowcode"])
    out["target_is_io"] = _is_io(out["target_cowcode"])
    out["intervener_io_name"] = out["intervener_cowcode"].map(IO_NAMES).astype("string")
    out.loc[~out["intervener_is_io"], "intervener_io_name"] = pd.NA

    out["start_date"], out["start_precision"], out["start_raw"] = _parse_dates(df, "start")
    out["end_date"], out["end_precision"], out["end_raw"] = _parse_dates(df, "end")
    out["start_year"] = out["start_date"].dt.year.astype("Int64")
    out["end_year"] = out["end_date"].dt.year.astype("Int64")
    out["ongoing"] = (out["end_precision"] == "ongoing").astype(bool)
    out["end_before_start"] = (out["end_date"] < out["start_date"]).fillna(False).astype(bool)

    ref = out["start_date"].fillna(out["end_date"])
    kp = (df["source_row"] > PB_ROWS) & ~(ref < pd.Timestamp("1989-01-01"))
    out["collection"] = pd.Series(np.where(kp, COLLECTIONS[1], COLLECTIONS[0]), index=df.index, dtype="string")

    direction = _to_int(df, "direction")
    _check_codes(df, direction, "direction", set(DIRECTION_LABELS) | {9})
    direction = direction.mask(direction == 9)
    out["direction"] = direction
    out["direction_label"] = _label(direction, DIRECTION_LABELS, NOT_ASCERTAINED)
    out["against_government"] = direction.map(AGAINST_GOVERNMENT).astype("boolean")

    for rawcol, name in MOTIVES.items():
        labels = TERRITORIAL_LABELS if name == "territorial" else MOTIVE_LABELS
        v = _to_int(df, rawcol)
        _check_codes(df, v, rawcol, set(labels) | {9})
        v = v.mask(v == 9)
        out[name] = v
        out[f"{name}_label"] = _label(v, labels, NOT_CODED)

    for rawcol, (name, codes) in OTHER_CODES.items():
        v = _to_int(df, rawcol, required=rawcol != "int_contig")
        _check_codes(df, v, rawcol, set(codes) | {9})
        out[name] = v.mask(v == 9)

    for rawcol, name in (
        ("intervener_casualties", "intervener_casualties"),
        ("target casualties", "target_casualties"),
    ):
        v = _to_int(df, rawcol)
        neg = v < 0
        if neg.any():
            i = neg.idxmax()
            raise DataError(
                f"negative count {v[i]}", source=SOURCE, file=FILE, column=rawcol, row=int(df.loc[i, "source_row"])
            )
        coded = v.isin(list(CASUALTY_CODES))
        out[name] = v.mask(coded)
        out[f"{name}_missing"] = v.where(coded).map(CASUALTY_CODES).astype("string")

    out["description"] = df["description"].astype("string")
    out["source_row"] = df["source_row"].astype("int64")
    return out.reset_index(drop=True)


def _codes(values, nullable=True):
    return pa.Column("Int64", pa.Check.isin(list(values)), nullable=nullable)


def _labels(labels: dict[int, str], missing: str):
    return pa.Column("string", pa.Check.isin(list(labels.values()) + [missing]))


_motive_cols = {}
for _name in MOTIVES.values():
    _lab = TERRITORIAL_LABELS if _name == "territorial" else MOTIVE_LABELS
    _motive_cols[_name] = _codes(_lab)
    _motive_cols[f"{_name}_label"] = _labels(_lab, NOT_CODED)

#: Interventions start within IMI's coverage (config/sources.yaml); some that were under
#: way in its last year end in the year after (7 in this file end in 2006).
END_GRACE_YEARS = 1


def _span() -> tuple[pd.Timestamp, pd.Timestamp]:
    cov = coverage(SOURCE)
    return cov.start, pd.Timestamp(f"{cov.last + END_GRACE_YEARS}-12-31")


SCHEMA = LazySchema(
    lambda: pa.DataFrameSchema(
        {
            "intervention_id": pa.Column("int64", pa.Check.ge(1), unique=True),
            "intervener_cowcode": pa.Column("int64", pa.Check.in_range(1, 3999)),
            "target_cowcode": pa.Column("int64", pa.Check.in_range(1, 999)),
            "intervener_is_io": pa.Column("bool"),
            "target_is_io": pa.Column("bool"),
            "intervener_io_name": pa.Column("string", pa.Check.isin(sorted(set(IO_NAMES.values()))), nullable=True),
            "start_date": pa.Column("datetime64[ns]", pa.Check.in_range(*_span()), nullable=True),
            "start_precision": pa.Column("string", pa.Check.isin([p for p in PRECISIONS if p != "ongoing"])),
            "start_raw": pa.Column("int64"),
            "end_date": pa.Column("datetime64[ns]", pa.Check.in_range(*_span()), nullable=True),
            "end_precision": pa.Column("string", pa.Check.isin(PRECISIONS)),
            "end_raw": pa.Column("int64"),
            "start_year": pa.Column("Int64", pa.Check.in_range(*coverage(SOURCE).span), nullable=True),
            "end_year": pa.Column(
                "Int64",
                pa.Check.in_range(coverage(SOURCE).first, coverage(SOURCE).last + END_GRACE_YEARS),
                nullable=True,
            ),
            "ongoing": pa.Column("bool"),
            "end_before_start": pa.Column("bool"),
            "collection": pa.Column("string", pa.Check.isin(COLLECTIONS)),
            "direction": _codes(DIRECTION_LABELS),
            "direction_label": _labels(DIRECTION_LABELS, NOT_ASCERTAINED),
            "against_government": pa.Column("boolean", nullable=True),
            **_motive_cols,
            **{name: _codes(codes) for name, codes in OTHER_CODES.values()},
            "intervener_casualties": pa.Column("Int64", pa.Check.ge(0), nullable=True),
            "intervener_casualties_missing": pa.Column(
                "string", pa.Check.isin(list(CASUALTY_CODES.values())), nullable=True
            ),
            "target_casualties": pa.Column("Int64", pa.Check.ge(0), nullable=True),
            "target_casualties_missing": pa.Column(
                "string", pa.Check.isin(list(CASUALTY_CODES.values())), nullable=True
            ),
            "description": pa.Column("string", nullable=True),
            "source_row": pa.Column("int64", pa.Check.ge(1)),
        },
        checks=[
            pa.Check(lambda d: (d["intervention_id"] == d["source_row"]).all(), name="id_is_source_row"),
            pa.Check(
                lambda d: (d["start_date"].isna() == (d["start_precision"] == "unknown")).all(),
                name="start_missing_iff_unknown",
            ),
            pa.Check(
                lambda d: (d["end_date"].isna() == d["end_precision"].isin(["unknown", "ongoing"])).all(),
                name="end_missing_iff_unknown_or_ongoing",
            ),
            pa.Check(lambda d: (d["intervener_io_name"].notna() == d["intervener_is_io"]).all(), name="io_named"),
            pa.Check(
                lambda d: (d["intervener_casualties"].isna() == d["intervener_casualties_missing"].notna()).all(),
                name="intervener_casualties_reason",
            ),
            pa.Check(
                lambda d: (d["target_casualties"].isna() == d["target_casualties_missing"].notna()).all(),
                name="target_casualties_reason",
            ),
        ],
        strict=True,
    )
)

TABLES = [
    Table(
        name="imi_interventions",
        sources=(f"{SOURCE}/{FILE}",),
        build=build,
        schema=SCHEMA,
        key=("intervention_id",),
        description=(
            "International Military Intervention 1946-2005 (Pearson & Baumann 1946-88 merged with "
            "Kisangani & Pickering 1989-2005), one row per intervention; intervention_id = raw data row."
        ),
        citation=("pearson1993imi", "kisangani2008imi", "pickering2009imi"),
    )
]

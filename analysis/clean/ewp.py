"""Early Warning Project (EWP) 2025 statistical risk assessment inputs.

Three raw files from EarlyWarningProject/2025-Statistical-Risk-Assessment:

- `basedata2025_4august2025.csv` -> `ewp_base`: the country-year frame with the
  mass-killing (MK) outcome variables, built by the project's
  `build_countryears_mkevents_2025.R` from its events master list. Countries
  present in 1945 start in 1934 (padding rows for lagged variables; no MK
  episode is coded before 1945 there). `ccode` is the project's Correlates of War
  style code (from the COW_number of its Gleditsch-Ward sheet, with Germany = 255
  throughout, Serbia/Yugoslavia = 345 throughout, Yemen 678/680 until 1989 and
  679 from 1990) -> `cowcode`.
- `prepared2024predictors-2025-09-03.csv` -> `ewp_predictors`: the model
  matrix, 1960-2024 (country-years of `ewp_base` from 1960 on).
- `all-coups.csv` -> `ewp_coups`: any coup attempt by country-year; 1945-1949
  from the Center for Systemic Peace list (all countries, 0/1), 1950-2024 from
  Powell & Thyne (only years with an attempt, all 1).

Units of the predictors (from `Adding-in-new-data-2025.Rmd`):
`popsize_log2` is log2 of total population (WDI SP.POP.TOTL, gaps filled by a
regression on Maddison population); `population` is 2**popsize_log2 (persons).
`gdppcgrowth` is annual GDP per capita growth in percent (WDI
NY.GDP.PCAP.KD.ZG, gaps filled from Maddison and carried forward).
`un_imr_sqrt` is the square root of the infant mortality rate (UN WPP 2024,
deaths per 1,000 live births); `infant_mortality` is its square.
`battledeaths_log2` is log2(UCDP battle deaths + 1). Region dummies are the
State Department regions; the reference category (all zero) is sub-Saharan
Africa.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd
import pandera.pandas as pa

from ..errors import DataError
from ..sources import coverage
from .base import LazySchema, RawFiles, Table, add_source_row, require_columns, snake, trim_strings

SOURCE = "ewp-2025"
BASE_FILE = "basedata2025_4august2025.csv"
PRED_FILE = "prepared2024predictors-2025-09-03.csv"
COUP_FILE = "all-coups.csv"
CITATION = ("ewp2025",)


# --------------------------------------------------------------------------- shared helpers
# (also used by pitf.py; candidates for base.py)


def _row_of(df: pd.DataFrame, idx) -> int | None:
    return int(df.loc[idx, "source_row"]) if "source_row" in df.columns else None


def int_codes(
    df: pd.DataFrame,
    column: str,
    source: str,
    file: str,
    allowed: Iterable[int] | None = None,
    nullable: bool = False,
) -> pd.Series:
    """Column -> integer codes (Int64), raising DataError naming column and raw row.

    Fails on text, on non-integer numbers, on values outside `allowed`, and on
    missing values unless `nullable`.
    """
    raw = df[column]
    num = pd.to_numeric(raw, errors="coerce")
    bad_text = num.isna() & raw.notna()
    if bad_text.any():
        i = bad_text.idxmax()
        raise DataError(f"not a number: {raw[i]!r}", source=source, file=file, column=column, row=_row_of(df, i))
    if not nullable and num.isna().any():
        i = num.isna().idxmax()
        raise DataError("missing value", source=source, file=file, column=column, row=_row_of(df, i))
    frac = num.notna() & (num != np.floor(num))
    if frac.any():
        i = frac.idxmax()
        raise DataError(f"not an integer code: {raw[i]!r}", source=source, file=file, column=column, row=_row_of(df, i))
    out = num.astype("Int64")
    if allowed is not None:
        allowed = list(allowed)
        unknown = out.notna() & ~out.isin(allowed)
        if unknown.any():
            i = unknown.idxmax()
            raise DataError(
                f"unknown code {raw[i]!r} (allowed: {allowed})",
                source=source,
                file=file,
                column=column,
                row=_row_of(df, i),
            )
    return out


def flags(df: pd.DataFrame, column: str, source: str, file: str) -> pd.Series:
    """A 0/1 indicator column -> int64, failing on anything else."""
    return int_codes(df, column, source, file, allowed=(0, 1)).astype("int64")


def decode(codes: pd.Series, labels: Mapping) -> pd.Series:
    """Codes -> string labels (codes already checked by `int_codes`); missing stays missing."""
    return codes.map(lambda v: labels[v] if pd.notna(v) else pd.NA).astype("string")


def _is_list_of_str(s: pd.Series) -> bool:
    return bool(s.map(lambda v: isinstance(v, list) and all(isinstance(x, str) for x in v)).all())


FLAG = pa.Check.isin([0, 1])


def _flag(description: str) -> pa.Column:
    return pa.Column("int64", FLAG, description=description)


# --------------------------------------------------------------------------- ewp_base

#: MK episode codes: 3-character country tag, start year, `s` (state-led) or `ns`
#: (non-state-led), sequence number -- e.g. `syr2011s1`, `syr2012ns1`. Two codes in
#: the file are malformed (`zar196s1`: 3-digit year; `chl1973`: no suffix, so it
#: counts as neither state- nor non-state-led). Only the suffix is read here.
EPISODE_SUFFIX = re.compile(r"(ns|s)\d+$")


def _split_codes(v) -> list[str]:
    if not isinstance(v, str):
        return []
    return [c.strip() for c in v.split(";") if c.strip()]


def _leader(codes: list[str], kind: str) -> int:
    return int(any((m := EPISODE_SUFFIX.search(c)) is not None and m.group(1) == kind for c in codes))


def build_base(raw: RawFiles) -> pd.DataFrame:
    df = raw.read_csv(SOURCE, BASE_FILE, keep_default_na=False, dtype=str)
    cols = [
        "year",
        "country",
        "ccode",
        "datastartyear",
        "dataendyear",
        "independence_year",
        "mk_onset_count",
        "mk_offset_count",
        "mk_ongoing_count",
        "mk_location_ever",
        "mk_responsible_ever",
        "mk_ongoing_code",
        "mk_ethnicflag",
        "mk_ongoing",
        "mk_onset",
        "mk_offset",
        "widetargeting",
        "narrowtargeting",
        "ewp_name",
    ]
    require_columns(df, cols, SOURCE, BASE_FILE)
    df = add_source_row(trim_strings(df))
    S, F = SOURCE, BASE_FILE
    out = pd.DataFrame(
        {
            "cowcode": int_codes(df, "ccode", S, F).astype("int64"),
            "year": int_codes(df, "year", S, F).astype("int64"),
            "country": df["country"].astype("string"),
            "ewp_name": df["ewp_name"].astype("string"),
            "data_start_year": int_codes(df, "datastartyear", S, F).astype("int64"),
            "data_end_year": int_codes(df, "dataendyear", S, F).astype("int64"),
            "independence_year": int_codes(df, "independence_year", S, F).astype("int64"),
        }
    )
    for c in ("mk_onset_count", "mk_offset_count", "mk_ongoing_count"):
        out[c] = int_codes(df, c, S, F).astype("int64")
    for c in (
        "mk_onset",
        "mk_ongoing",
        "mk_offset",
        "mk_location_ever",
        "mk_responsible_ever",
        "widetargeting",
        "narrowtargeting",
    ):
        out[c] = flags(df, c, S, F)
    codes = df["mk_ongoing_code"].map(_split_codes)
    out["mk_ongoing_code_list"] = codes
    out["mk_ongoing_state_led"] = codes.map(lambda c: _leader(c, "s")).astype("int64")
    out["mk_ongoing_nonstate_led"] = codes.map(lambda c: _leader(c, "ns")).astype("int64")
    # "; 0", "; 2", "; NA" or "": the build script meant to concatenate one value per
    # ongoing episode but (typo `mk_ethnic_flag`) keeps only the last episode's value.
    eth = df["mk_ethnicflag"].str.replace(";", "", regex=False).str.strip()
    eth_df = pd.DataFrame({"mk_ethnicflag": eth.replace({"": None, "NA": None}), "source_row": df["source_row"]})
    out["mk_ethnicflag"] = int_codes(eth_df, "mk_ethnicflag", S, F, allowed=(0, 1, 2), nullable=True)
    out["source_row"] = df["source_row"]
    return out


def _base_consistent(d: pd.DataFrame) -> pd.Series:
    """Row-wise: flags agree with counts, one code per ongoing episode, year inside the frame."""
    n_codes = d["mk_ongoing_code_list"].map(len)
    return (
        (d["mk_ongoing"] == (d["mk_ongoing_count"] > 0).astype("int64"))
        & (d["mk_onset"] == (d["mk_onset_count"] > 0).astype("int64"))
        & (d["mk_offset"] == (d["mk_offset_count"] > 0).astype("int64"))
        & (n_codes == d["mk_ongoing_count"])
        & d["year"].between(d["data_start_year"], d["data_end_year"])
    )


BASE_SCHEMA = LazySchema(
    lambda: pa.DataFrameSchema(
        {
            "cowcode": pa.Column(
                "int64", pa.Check.in_range(2, 999), description="EWP's COW-style country code (`ccode`)"
            ),
            "year": pa.Column("int64", pa.Check.in_range(*coverage(SOURCE, "ewp_base").span)),
            "country": pa.Column("string", description="country name as given (Gleditsch-Ward style, e.g. 'Rumania')"),
            "ewp_name": pa.Column("string", description="name used on the EWP website"),
            "data_start_year": pa.Column(
                "int64",
                pa.Check.in_range(*coverage(SOURCE, "ewp_base").span),
                description="first year of the country in the frame",
            ),
            "data_end_year": pa.Column(
                "int64",
                pa.Check.in_range(*coverage(SOURCE, "ewp_base").span),
                description="last year of the country in the frame",
            ),
            "independence_year": pa.Column(
                "int64",
                pa.Check.in_range(1800, coverage(SOURCE, "ewp_base").last),
                description="year of independence (Gleditsch-Ward, EWP-adjusted)",
            ),
            "mk_onset_count": pa.Column(
                "int64", pa.Check.in_range(0, 10), description="number of MK episodes starting this year"
            ),
            "mk_offset_count": pa.Column(
                "int64", pa.Check.in_range(0, 10), description="number of MK episodes ending this year"
            ),
            "mk_ongoing_count": pa.Column(
                "int64",
                pa.Check.in_range(0, 10),
                description="number of MK episodes ongoing (start and end years included)",
            ),
            "mk_onset": _flag("any MK episode starts this year"),
            "mk_ongoing": _flag("any MK episode ongoing"),
            "mk_offset": _flag("any MK episode ends this year"),
            "mk_location_ever": _flag("an MK has occurred on the territory since 1945 (incl. inherited)"),
            "mk_responsible_ever": _flag("the state has been responsible for an MK since 1945 (incl. inherited)"),
            "widetargeting": _flag("an ongoing MK targets several groups (ethnic flag 0 or 2)"),
            "narrowtargeting": _flag("an ongoing MK targets one group (ethnic flag 1)"),
            "mk_ongoing_code_list": pa.Column(
                object, pa.Check(_is_list_of_str, element_wise=False), description="EWP codes of the ongoing episodes"
            ),
            "mk_ongoing_state_led": _flag("an ongoing episode code ends in s<n> (state-led)"),
            "mk_ongoing_nonstate_led": _flag("an ongoing episode code ends in ns<n> (non-state-led)"),
            "mk_ethnicflag": pa.Column(
                "Int64",
                pa.Check.isin([0, 1, 2]),
                nullable=True,
                description="events list `mk_number_eth_groups` of the last-listed ongoing episode",
            ),
            "source_row": pa.Column("int64", pa.Check.ge(1)),
        },
        checks=[pa.Check(_base_consistent, name="counts_flags_codes_consistent")],
        strict=True,
    )
)


# --------------------------------------------------------------------------- ewp_predictors

#: Region dummies in the file -> region code and label (State Department regions).
REGIONS: dict[str, str] = {
    "afr": "Sub-Saharan Africa",  # reference category: all dummies 0
    "na": "Americas",
    "eap": "East Asia and Pacific",
    "sca": "South and Central Asia",
    "mna": "Middle East and North Africa",
    "eur": "Europe and Eurasia",
}

#: Predictor columns: raw name -> (allowed integer codes or None for float, description).
PREDICTORS: dict[str, tuple[tuple[int, ...] | None, str]] = {
    "widetargeting": ((0, 1), "an ongoing MK targets several groups"),
    "narrowtargeting": ((0, 1), "an ongoing MK targets one group"),
    "v2csgender_binary": ((0, 1), "V-Dem CSO women's participation, binarised"),
    "v2mecenefm_binary": ((0, 1), "V-Dem government media censorship, binarised"),
    "partyban.new.0": ((0, 1), "V-Dem party ban: category 0"),
    "partyban.new.1": ((0, 1), "V-Dem party ban: category 1"),
    "partyban.new.2": ((0, 1), "V-Dem party ban: category 2"),
    "minorityrule": ((0, 1), "V-Dem power distributed by social group: minority rule"),
    "judicialreform": ((0, 1, 2), "V-Dem judicial reform (ordinal, recoded)"),
    "religiousfreedom": ((0, 1, 2, 3, 4), "V-Dem freedom of religion (ordinal)"),
    "pol_killing_approved": ((0, 1), "V-Dem political killings practised/approved"),
    "freediscussion": (None, "V-Dem freedom of discussion index (0-1)"),
    "social_inequality": ((0, 1), "V-Dem social group equality in civil liberties, low"),
    "even_civilrights": ((0, 1), "V-Dem rigorous and impartial public administration / even civil rights"),
    "repress_civilsoc": ((0, 1), "V-Dem CSO repression (v2csreprss 0-2 -> 1; 2025 recoding)"),
    "social_power_dist": ((0, 1), "V-Dem power distributed by social group"),
    "ses_power_dist": (None, "V-Dem power distributed by socio-economic position (latent scale)"),
    "popsize.log2": (None, "log2 of total population"),
    "gdppcgrowth": (None, "GDP per capita growth, % per year"),
    "un_imr_sqrt": (None, "square root of infant mortality per 1,000 live births (UN WPP 2024)"),
    "efindex": (None, "ethnic fractionalisation index (HIEF, gaps filled)"),
    "discrimpop": (None, "share of population politically discriminated (EPR)"),
    "reg.na": ((0, 1), "region dummy: Americas"),
    "reg.eap": ((0, 1), "region dummy: East Asia and Pacific"),
    "reg.sca": ((0, 1), "region dummy: South and Central Asia"),
    "reg.mna": ((0, 1), "region dummy: Middle East and North Africa"),
    "reg.eur": ((0, 1), "region dummy: Europe and Eurasia"),
    "ios.iccpr1": ((0, 1), "ratified ICCPR first optional protocol"),
    "battledeaths.log2": (None, "log2(UCDP battle deaths + 1)"),
    "coup.try.5yr": ((0, 1), "coup attempt in this or the previous 4 years"),
    "mk_ongoing_count_log2": (None, "log2(number of ongoing MK episodes + 1)"),
    "mean_mk_onset_interaction": (tuple(range(0, 100)), "MK onsets since 1960 (mean onset rate x years in data)"),
    "mk_onset_prev_year": ((0, 1), "MK onset in the previous year"),
    "newcountry": ((0, 1), "country age <= 2 years"),
    "mk_ever": ((0, 1), "mk_location_ever or mk_responsible_ever"),
    "year_sq": (None, "year squared"),
    "countryage.new.log2": (None, "log2(years since independence + 1)"),
    "includesnonstate": ((0, 1), "year >= 1989 (non-state MKs coded)"),
    "mk_onset_1or2": ((0, 1), "MK onset in the next year or the one after (the outcome)"),
    "mk_onset": ((0, 1), "MK onset this year"),
    "mk_onset_1": ((0, 1), "MK onset next year; missing in the country's last data year"),
    "mk_onset_2": ((0, 1), "MK onset in two years; missing in the country's last two data years"),
}
NULLABLE = {"popsize.log2", "gdppcgrowth", "un_imr_sqrt", "mk_onset_1", "mk_onset_2"}
REGION_DUMMIES = ["reg.na", "reg.eap", "reg.sca", "reg.mna", "reg.eur"]


def build_predictors(raw: RawFiles) -> pd.DataFrame:
    S, F = SOURCE, PRED_FILE
    df = raw.read_csv(S, F)
    require_columns(df, ["ewp_name", "year", "ccode", *PREDICTORS], S, F)
    df = add_source_row(trim_strings(df))
    out = pd.DataFrame(
        {
            "cowcode": int_codes(df, "ccode", S, F).astype("int64"),
            "year": int_codes(df, "year", S, F).astype("int64"),
            "ewp_name": df["ewp_name"].astype("string"),
        }
    )
    for col, (allowed, _) in PREDICTORS.items():
        name = snake(col)
        if allowed is None:
            val = pd.to_numeric(df[col], errors="coerce")
            bad = val.isna() & df[col].notna()
            if bad.any():
                i = bad.idxmax()
                raise DataError(f"not a number: {df.loc[i, col]!r}", source=S, file=F, column=col, row=_row_of(df, i))
            if col not in NULLABLE and val.isna().any():
                i = val.isna().idxmax()
                raise DataError("missing value", source=S, file=F, column=col, row=_row_of(df, i))
            out[name] = val.astype("float64")
        else:
            codes = int_codes(df, col, S, F, allowed=allowed, nullable=col in NULLABLE)
            out[name] = codes if col in NULLABLE else codes.astype("int64")
    out["year_sq"] = int_codes(df, "year_sq", S, F).astype("int64")
    dummies = df[REGION_DUMMIES]
    several = dummies.sum(axis=1) > 1
    if several.any():
        i = several.idxmax()
        raise DataError("more than one region dummy is 1", source=S, file=F, column="reg.*", row=_row_of(df, i))
    region = pd.Series("afr", index=df.index, dtype="string")
    for col in REGION_DUMMIES:
        region = region.mask(dummies[col] == 1, col.split(".", 1)[1])
    out["region"] = region
    out["region_label"] = region.map(REGIONS).astype("string")
    out["population"] = np.exp2(out["popsize_log2"]).round(0)
    out["infant_mortality"] = out["un_imr_sqrt"] ** 2
    out["source_row"] = df["source_row"]
    return out


def _pred_columns() -> dict[str, pa.Column]:
    cols: dict[str, pa.Column] = {
        "cowcode": pa.Column("int64", pa.Check.in_range(2, 999), description="EWP's COW-style country code (`ccode`)"),
        "year": pa.Column("int64", pa.Check.in_range(*coverage(SOURCE, "ewp_predictors").span)),
        "ewp_name": pa.Column("string", description="name used on the EWP website"),
    }
    ranges = {
        "freediscussion": (0, 1),
        "efindex": (0, 1),
        "discrimpop": (0, 1),
        "popsize_log2": (10, 40),
        "un_imr_sqrt": (0, 25),
        "battledeaths_log2": (0, 30),
        "mk_ongoing_count_log2": (0, 4),
        "countryage_new_log2": (0, 12),
        "gdppcgrowth": (-100, 200),
        "ses_power_dist": (-5, 5),
    }
    for col, (allowed, desc) in PREDICTORS.items():
        name = snake(col)
        nullable = col in NULLABLE
        if name == "year_sq":
            cols[name] = pa.Column("int64", pa.Check.ge(1960**2), description=desc)
        elif allowed is None:
            lo, hi = ranges[name]
            cols[name] = pa.Column("float64", pa.Check.in_range(lo, hi), nullable=nullable, description=desc)
        else:
            cols[name] = pa.Column(
                "Int64" if nullable else "int64", pa.Check.isin(list(allowed)), nullable=nullable, description=desc
            )
    cols["region"] = pa.Column(
        "string",
        pa.Check.isin(list(REGIONS)),
        description="region code decoded from the reg.* dummies (afr = none set)",
    )
    cols["region_label"] = pa.Column("string", pa.Check.isin(list(REGIONS.values())))
    cols["population"] = pa.Column(
        "float64", pa.Check.in_range(1e5, 2e9), nullable=True, description="2**popsize_log2 rounded to whole persons"
    )
    cols["infant_mortality"] = pa.Column(
        "float64", pa.Check.in_range(0, 400), nullable=True, description="un_imr_sqrt**2, deaths per 1,000 live births"
    )
    cols["source_row"] = pa.Column("int64", pa.Check.ge(1))
    return cols


PRED_SCHEMA = LazySchema(
    lambda: pa.DataFrameSchema(
        _pred_columns(),
        checks=[
            pa.Check(lambda d: d["year_sq"] == d["year"] ** 2, name="year_sq_is_year_squared"),
            pa.Check(lambda d: d["mk_ever"] >= d["mk_onset"], name="onset_implies_mk_ever"),
        ],
        strict=True,
    )
)


# --------------------------------------------------------------------------- ewp_coups

#: Year from which the coup list comes from Powell & Thyne (earlier: CSP list).
POWELL_THYNE_FROM = 1950


def build_coups(raw: RawFiles) -> pd.DataFrame:
    S, F = SOURCE, COUP_FILE
    df = raw.read_csv(S, F)
    require_columns(df, ["ccode", "country", "year", "cou.any"], S, F)
    df = add_source_row(trim_strings(df))
    out = pd.DataFrame(
        {
            "cowcode": int_codes(df, "ccode", S, F).astype("int64"),
            "year": int_codes(df, "year", S, F).astype("int64"),
            "country": df["country"].astype("string"),
            "cou_any": flags(df, "cou.any", S, F),
        }
    )
    out["coup_source"] = pd.Series(
        np.where(out["year"] >= POWELL_THYNE_FROM, "powell_thyne", "csp"), index=out.index, dtype="string"
    )
    out["source_row"] = df["source_row"]
    return out


COUP_SCHEMA = LazySchema(
    lambda: pa.DataFrameSchema(
        {
            "cowcode": pa.Column("int64", pa.Check.in_range(2, 999), description="COW code (`ccode`)"),
            "year": pa.Column("int64", pa.Check.in_range(*coverage(SOURCE, "ewp_coups").span)),
            "country": pa.Column("string", description="name as given (mixes CSP and Powell-Thyne spellings)"),
            "cou_any": _flag("any coup attempt (successful or failed) this year"),
            "coup_source": pa.Column(
                "string",
                pa.Check.isin(["csp", "powell_thyne"]),
                description="csp: 1945-1949 list of all states; powell_thyne: 1950+, attempt years only",
            ),
            "source_row": pa.Column("int64", pa.Check.ge(1)),
        },
        checks=[
            pa.Check(
                lambda d: (d["coup_source"] != "powell_thyne") | (d["cou_any"] == 1),
                name="powell_thyne_rows_are_attempts",
            )
        ],
        strict=True,
    )
)


TABLES = [
    Table(
        name="ewp_base",
        sources=(f"{SOURCE}/{BASE_FILE}",),
        build=build_base,
        schema=BASE_SCHEMA,
        key=("cowcode", "year"),
        description=(
            "EWP 2025 country-year frame with mass-killing onset/ongoing/offset (1934-2024; "
            "rows before 1945 are lag padding)."
        ),
        citation=CITATION,
    ),
    Table(
        name="ewp_predictors",
        sources=(f"{SOURCE}/{PRED_FILE}",),
        build=build_predictors,
        schema=PRED_SCHEMA,
        key=("cowcode", "year"),
        description="EWP 2025 model predictors, country-year 1960-2024, with decoded region and unlogged population / infant mortality.",
        citation=CITATION,
    ),
    Table(
        name="ewp_coups",
        sources=(f"{SOURCE}/{COUP_FILE}",),
        build=build_coups,
        schema=COUP_SCHEMA,
        key=("cowcode", "year"),
        description="EWP any-coup-attempt list: CSP 1945-1949 (all states), Powell & Thyne 1950-2024 (attempt years only).",
        citation=CITATION,
    ),
]

"""V-Dem Episodes of Regime Transformation (ERT) v15: country-years 1900-2024.

Kept: Regimes of the World (`v2x_regime`), the electoral democracy index
(`v2x_polyarchy` with its interval), ERT regime spells (`reg_*`, "genuine"
transitions in `reg_trans`, RoW changes in `row_regch_event`), and the
democratization / autocratization episode indicators with their identifiers,
years and outcomes. Dropped (available in the raw file): founding-election
years, episode termination types, the prch/ptr/pbr/subdep/subreg refinements
and censoring flags.

Country codes: V-Dem's own `country_id` and `country_text_id` (ISO3-like, but
V-Dem-specific for historical and sub-state units, e.g. ZZB Zanzibar, PSG
Palestine/Gaza, SML Somaliland). The ERT file has no COW code column.
Codes are decoded from the ERT v15 codebook.
"""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa

from ..errors import DataError
from ..sources import coverage
from .base import LazySchema, RawFiles, Table, add_source_row, require_columns, to_bool01, to_int, trim_strings

SOURCE, FILE = "vdem-ert-15", "ert.csv"

V2X_REGIME = {0: "closed autocracy", 1: "electoral autocracy", 2: "electoral democracy", 3: "liberal democracy"}
REG_TYPE = {0: "autocracy", 1: "democracy"}
REG_TRANS = {-1: "democratic breakdown", 0: "no regime transition", 1: "democratic transition"}
ROW_REGCH = {-1: "democracy to autocracy on RoW", 0: "no change on RoW", 1: "autocracy to democracy on RoW"}
DEM_EP_OUTCOME = {
    0: "no democratization episode",
    1: "democratic transition",
    2: "preempted democratic transition",
    3: "stabilized electoral autocracy",
    4: "reverted liberalization",
    5: "deepened democracy",
    6: "outcome censored",
}
DEM_EP_OUTCOME_AGG = {
    0: "no democratization episode",
    1: "democratic transition",
    2: "no democratic transition",
    3: "deepened democracy",
    4: "outcome censored",
}
AUT_EP_OUTCOME = {
    0: "no autocratization episode",
    1: "democratic breakdown",
    2: "preempted democratic breakdown",
    3: "diminished democracy",
    4: "averted regression",
    5: "regressed autocracy",
    6: "outcome censored",
}
AUT_EP_OUTCOME_AGG = {
    0: "no autocratization episode",
    1: "democratic breakdown",
    2: "no democratic breakdown",
    3: "regressed autocracy",
    4: "outcome censored",
}

#: Coded variables kept, with their codebook labels (a `<col>_label` column is added for each).
CODED = {
    "v2x_regime": V2X_REGIME,
    "reg_type": REG_TYPE,
    "reg_trans": REG_TRANS,
    "row_regch_event": ROW_REGCH,
    "dem_ep_outcome": DEM_EP_OUTCOME,
    "dem_ep_outcome_agg": DEM_EP_OUTCOME_AGG,
    "aut_ep_outcome": AUT_EP_OUTCOME,
    "aut_ep_outcome_agg": AUT_EP_OUTCOME_AGG,
}
YEARS = [
    "reg_start_year",
    "reg_end_year",
    "dem_ep_start_year",
    "dem_ep_end_year",
    "aut_ep_start_year",
    "aut_ep_end_year",
]
INDEX = ["v2x_polyarchy", "v2x_polyarchy_codelow", "v2x_polyarchy_codehigh"]
RAW_COLUMNS = (
    ["country_id", "country_text_id", "country_name", "year", "reg_id", "dem_ep", "dem_ep_id", "aut_ep", "aut_ep_id"]
    + list(CODED)
    + YEARS
    + INDEX
)


def transform(raw_df: pd.DataFrame) -> pd.DataFrame:
    require_columns(raw_df, RAW_COLUMNS, SOURCE, FILE)
    df = add_source_row(trim_strings(raw_df))
    # The publisher's first (unnamed) column numbers the rows; if present it must match.
    rowno = df.columns[0]
    if str(rowno).startswith("Unnamed") and not (pd.to_numeric(df[rowno], errors="coerce") == df["source_row"]).all():
        i = (pd.to_numeric(df[rowno], errors="coerce") != df["source_row"]).idxmax()
        raise DataError(
            "row numbering column out of sequence (rows lost or reordered?)",
            source=SOURCE,
            file=FILE,
            column="(row number)",
            row=int(df.loc[i, "source_row"]),
        )
    out = pd.DataFrame(
        {
            "country_id": to_int(df, "country_id", SOURCE, FILE, nullable=False),
            "country_text_id": df["country_text_id"].astype("string"),
            "country": df["country_name"].astype("string"),
            "year": to_int(df, "year", SOURCE, FILE, nullable=False),
        }
    )
    for col in INDEX:
        out[col] = pd.to_numeric(df[col], errors="raise").astype("float64")
    out["reg_id"] = df["reg_id"].astype("string")
    for col in YEARS:
        out[col] = to_int(df, col, SOURCE, FILE)
    for col, mapping in CODED.items():
        out[col] = to_int(df, col, SOURCE, FILE)
        out[f"{col}_label"] = out[col].map(mapping, na_action="ignore").astype("string")
    for ep in ("dem_ep", "aut_ep"):
        out[ep] = to_bool01(df, ep, SOURCE, FILE)
        out[f"{ep}_id"] = df[f"{ep}_id"].astype("string")
    out["source_row"] = df["source_row"]
    return out[COLUMNS]


def build(raw: RawFiles) -> pd.DataFrame:
    return transform(raw.read_csv(SOURCE, FILE))


COLUMNS = [
    "country_id",
    "country_text_id",
    "country",
    "year",
    "v2x_regime",
    "v2x_regime_label",
    "v2x_polyarchy",
    "v2x_polyarchy_codelow",
    "v2x_polyarchy_codehigh",
    "reg_id",
    "reg_start_year",
    "reg_end_year",
    "reg_type",
    "reg_type_label",
    "reg_trans",
    "reg_trans_label",
    "row_regch_event",
    "row_regch_event_label",
    "dem_ep",
    "dem_ep_id",
    "dem_ep_start_year",
    "dem_ep_end_year",
    "dem_ep_outcome",
    "dem_ep_outcome_label",
    "dem_ep_outcome_agg",
    "dem_ep_outcome_agg_label",
    "aut_ep",
    "aut_ep_id",
    "aut_ep_start_year",
    "aut_ep_end_year",
    "aut_ep_outcome",
    "aut_ep_outcome_label",
    "aut_ep_outcome_agg",
    "aut_ep_outcome_agg_label",
    "source_row",
]


def _year() -> pa.Check:
    """Years within V-Dem ERT's coverage (config/sources.yaml)."""
    return pa.Check.in_range(*coverage(SOURCE).span)


def _consistent(d: pd.DataFrame) -> bool:
    """Episode years lie within the episode's start and end years; an outcome is coded iff in an episode."""
    ok = True
    for ep in ("dem_ep", "aut_ep"):
        e = d[d[ep]]
        ok &= bool(((e["year"] >= e[f"{ep}_start_year"]) & (e["year"] <= e[f"{ep}_end_year"])).all())
        ok &= bool((d[ep] == d[f"{ep}_outcome"].ne(0)).all())
    return ok


SCHEMA = LazySchema(
    lambda: pa.DataFrameSchema(
        {
            "country_id": pa.Column("Int64", pa.Check.in_range(1, 999)),
            "country_text_id": pa.Column("string", pa.Check.str_matches(r"^[A-Z]{3}$")),
            "country": pa.Column("string"),
            "year": pa.Column("Int64", _year()),
            "v2x_polyarchy": pa.Column("float64", pa.Check.in_range(0, 1), nullable=True),
            "v2x_polyarchy_codelow": pa.Column("float64", pa.Check.in_range(0, 1), nullable=True),
            "v2x_polyarchy_codehigh": pa.Column("float64", pa.Check.in_range(0, 1), nullable=True),
            "reg_id": pa.Column("string", pa.Check.str_matches(r"^[A-Z]{3}_\d{4}_\d{4}$"), nullable=True),
            **{c: pa.Column("Int64", _year(), nullable=True) for c in YEARS},
            **{c: pa.Column("Int64", pa.Check.isin(list(m)), nullable=True) for c, m in CODED.items()},
            **{
                f"{c}_label": pa.Column("string", pa.Check.isin(list(m.values())), nullable=True)
                for c, m in CODED.items()
            },
            "dem_ep": pa.Column("bool"),
            "dem_ep_id": pa.Column("string", pa.Check.str_matches(r"^[A-Z]{3}_\d{4}_\d{4}$"), nullable=True),
            "aut_ep": pa.Column("bool"),
            "aut_ep_id": pa.Column("string", pa.Check.str_matches(r"^[A-Z]{3}_\d{4}_\d{4}$"), nullable=True),
            "source_row": pa.Column("int64", pa.Check.ge(1)),
        },
        checks=[pa.Check(_consistent, name="episode_years_and_outcomes_consistent")],
        strict=True,
    )
)

TABLES = [
    Table(
        name="vdem_ert",
        sources=(f"{SOURCE}/{FILE}",),
        build=build,
        schema=SCHEMA,
        key=("country_id", "year"),
        description=(
            "V-Dem ERT v15 country-years 1900-2024: Regimes of the World (v2x_regime), electoral democracy "
            "index, ERT regime spells and transitions, democratization/autocratization episodes and outcomes."
        ),
        citation=("edgell2020ert",),
    )
]

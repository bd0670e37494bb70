"""Pandera schemas for derived analysis tables (cleaned tables carry theirs in their cleaner)."""

from __future__ import annotations

import pandera.pandas as pa

_b = dict(nullable=True)

COUNTRY_YEAR = pa.DataFrameSchema(
    {
        "gwcode": pa.Column("int64", pa.Check.in_range(2, 999)),
        "year": pa.Column("int64", pa.Check.in_range(1816, 2100)),
        "statename": pa.Column("string"),
        "stateabb": pa.Column("string"),
        "region": pa.Column(
            "string", pa.Check.isin(["Americas", "Europe", "Africa", "Middle East", "Asia and Oceania"])
        ),
        **{
            c: pa.Column("boolean", **_b)
            for c in [
                "intra_active",
                "intra_onset_new",
                "intra_onset_recur",
                "intra_onset_any",
                "intra3_active",
                "intra3_onset_new",
                "intra3_onset_any",
                "intra_war",
                "leader_exit_irregular",
                "leader_exit_foreign",
                "leader_exit_irregular_or_foreign",
                "coup_any",
                "coup_success",
                "coup_foreign_supported",
                "gwf_autocracy",
                "gwf_fail",
                "mk_onset",
                "mk_ongoing",
                "genocide_onset",
                "genocide_ongoing",
                "hmi_start",
                "hmi_start_against_gov",
                "hmi_start_mandate",
                "hmi_start_2019",
                "hmi_ongoing",
                "imi_hum_start",
                "imi_hum_start_against_gov",
            ]
        },
        **{
            c: pa.Column("Float64", pa.Check.ge(0), **_b)
            for c in [
                "osv_gov_best",
                "osv_gov_high",
                "osv_nonstate_best",
                "osv_nonstate_high",
                "battle_deaths_best",
                "battle_deaths_high",
                "population",
                "infant_mortality",
            ]
        },
        "gdppc_growth": pa.Column("Float64", **_b),
        "polity2": pa.Column("Float64", pa.Check.in_range(-10, 10), **_b),
        "intra_n_active": pa.Column("Int64", pa.Check.ge(0), **_b),
        "leader_exits": pa.Column("Int64", pa.Check.ge(0), **_b),
        "v2x_regime": pa.Column("Int64", pa.Check.isin([0, 1, 2, 3]), **_b),
        "v2x_regime_label": pa.Column("string", **_b),
        "gwf_regime": pa.Column("string", **_b),
        "gwf_fail_type": pa.Column("string", **_b),
        "hmi_start_target": pa.Column("string", **_b),
        "ewp_region": pa.Column("string", **_b),
    },
    checks=[
        pa.Check(lambda d: ~d.duplicated(["gwcode", "year"]), name="unique_gwcode_year"),
        pa.Check(
            lambda d: (~d["intra_onset_any"].fillna(False)) | d["intra_active"].fillna(False),
            name="onset_implies_active",
        ),
        pa.Check(
            lambda d: (~d["hmi_start"].fillna(False)) | d["hmi_ongoing"].fillna(False), name="hmi_start_implies_ongoing"
        ),
    ],
    strict=True,
    unique=["gwcode", "year"],
)


#: Brozus's five conditions per intervention (analysis/checklist.py): one row per PRIF v0.3
#: intervention and condition.
_CL_VALUES = ["met", "not met", "cannot be coded from these data"]
CONDITIONS_CHECKLIST = pa.DataFrameSchema(
    {
        "case_id": pa.Column("string"),
        "slug": pa.Column("string", pa.Check.str_matches(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")),
        "condition": pa.Column("int64", pa.Check.isin([1, 2, 3, 4, 5])),
        "short": pa.Column("string"),
        "value": pa.Column("string", pa.Check.isin(_CL_VALUES)),
        "basis": pa.Column("string", pa.Check.isin(["source", "by construction", "outcome"])),
        "counts_as_evidence": pa.Column("bool"),
        "timing": pa.Column("string"),
        "source": pa.Column("string", pa.Check.str_length(min_value=5)),
        "rule": pa.Column("string"),
        "resolution": pa.Column("Int64", pa.Check.ge(1), nullable=True),
        "note": pa.Column("string", pa.Check.str_length(min_value=10)),
    },
    checks=[
        # only a cell read from a source, and coded, counts as evidence
        pa.Check(
            lambda d: ~d["counts_as_evidence"] | ((d["basis"] == "source") & (d["value"] != _CL_VALUES[2])),
            name="evidence_only_from_a_source",
        ),
        pa.Check(lambda d: d.groupby("case_id")["condition"].transform("size") == 5, name="five_conditions_per_case"),
    ],
    strict=True,
    unique=["case_id", "condition"],
)

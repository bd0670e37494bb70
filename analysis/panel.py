"""The country-year panel: one row per Gleditsch-Ward system member and year.

Built only from cleaned tables in `data/processed/` (never from raw files). Every
source is mapped to Gleditsch-Ward codes through `analysis.crosswalk.Mapper`, which
records every code it could not map; those records become
`data/processed/crosswalk_report.csv`. Every merge logs rows in and out.
The event and aid tables that carry their own GW codes (`ucdp_ged`, `wdi_oda`) are not
panel columns; their codes are mapped again here for the report only.

Coverage rule: a variable is missing (never zero) in years its source does not
cover; within coverage, a country-year without an event is zero / False.

Columns (coverage in brackets; the merges read it from each source's `coverage` in
config/sources.yaml):

identity      gwcode, year, statename, stateabb, region (from the GW code range, the
              COW convention: Americas 2-199, Europe 200-399, Africa 400-626,
              Middle East 630-699, Asia and Oceania 700-999)
conflict      [1946-2024, UCDP/PRIO ACD 25.1; location = `gwno_loc`]
              intra_active, intra_n_active, intra_onset_new, intra_onset_recur,
              intra_onset_any (types 3 and 4: intrastate and internationalised intrastate)
              intra3_active, intra3_onset_new, intra3_onset_any (type 3 only)
              intra_war (an active intrastate conflict at war intensity)
              A conflict's onset is its first year in the data ("new"; not counted in
              1946 when the conflict began earlier), or its return after two or more
              years without activity ("recurrence").
violence      [1989-2024, UCDP one-sided 25.1, battle deaths 25.1] osv_gov_best, osv_gov_high,
              osv_nonstate_best, osv_nonstate_high, battle_deaths_best, battle_deaths_high.
              A government's one-sided deaths count in its own state when that is among
              the locations (`osv_locations`); other actor-years (and dyad-years) located
              in several countries are split equally among them.
leaders       [1946-2015, Archigos 4.1] leader_exits, leader_exit_irregular,
              leader_exit_foreign (removed by another state or by rebels/others with
              foreign support), leader_exit_irregular_or_foreign
coups         [1946-2022, Colpus] coup_any, coup_success, coup_foreign_supported (an
              outside supporter named by Colpus is recognised as a foreign state)
regimes       [1946-2010, GWF] gwf_autocracy, gwf_regime, gwf_fail, gwf_fail_type
              [1946-2018, Polity5] polity2  [1946-2024, V-Dem ERT] v2x_regime, v2x_regime_label
mass killing  [1946-2024, EWP base] mk_onset, mk_ongoing
              [1955-2014, PITF] genocide_onset, genocide_ongoing
interventions [1946-2024, PRIF HMI 0.3] hmi_start, hmi_ongoing, hmi_start_against_gov,
              hmi_start_mandate, hmi_start_target (label), hmi_start_2019 (release 2019)
              [1946-2005, IMI] imi_hum_start, imi_hum_start_against_gov
covariates    [1960-2024, EWP predictors] population, gdppc_growth, infant_mortality,
              ewp_region
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from .crosswalk import IMI_SPECIAL_CODES, Mapper
from .errors import DataError
from .io import write_csv, write_parquet

if TYPE_CHECKING:
    from .sources import Source

log = logging.getLogger("r2p.panel")

#: The cleaned tables the panel reads (Snakemake inputs: a change to any other table
#: does not rebuild the panel).
INPUT_TABLES = (
    "gw_states",
    "crosswalk",
    "polity5",
    "ucdp_acd",
    "ucdp_onesided",
    "ucdp_brd",
    "archigos",
    "colpus_coups",
    "gwf",
    "vdem_ert",
    "ewp_base",
    "pitf_genocide",
    "hmi_cases",
    "imi_interventions",
    "ewp_predictors",
    "wdi_oda",
    "ucdp_ged",
    "unsc_outcome_vetoes",
)

REGIONS = [
    (2, 199, "Americas"),
    (200, 399, "Europe"),
    (400, 626, "Africa"),
    (630, 699, "Middle East"),
    (700, 999, "Asia and Oceania"),
]

#: Source-specific code corrections applied before mapping, each reported in the
#: crosswalk report as "mapped-by-exception": (source, column) -> {raw code: (code, years, why)}.
CODE_FIXES: dict[tuple[str, str], dict[int, tuple[int, tuple[int, int], str]]] = {
    ("pitf_genocide", "cowcode"): {
        769: (770, (1946, 1971), "PITF codes Pakistan before 1971 as 769; COW/GW 770"),
        347: (345, (1992, 2006), "PITF codes Yugoslavia (Kosovo episode) as 347; COW/GW 345 until 2006"),
    },
    ("ewp_base", "cowcode"): {
        255: (260, (1949, 1989), "EWP codes West Germany 1949-1989 as 255; COW/GW 260"),
    },
    ("ewp_predictors", "cowcode"): {
        255: (260, (1949, 1989), "EWP codes West Germany 1949-1989 as 255; COW/GW 260"),
    },
    ("hmi_cases", "cowcode"): {
        860: (
            850,
            (1975, 2001),
            "East Timor before independence (2002) was administered by Indonesia (GW 850), "
            "which UCDP also codes as the conflict location",
        ),
    },
}


def _apply_fixes(codes: pd.Series, years: pd.Series, source: str, column: str, report: list[dict]) -> pd.Series:
    fixes = CODE_FIXES.get((source.split("[")[0], column), {})
    out = codes.copy()
    for raw, (new, (y0, y1), why) in fixes.items():
        m = (codes == raw) & years.between(y0, y1)
        if m.any():
            out[m] = new
            yrs = years[m]
            report.append(
                {
                    "source": source,
                    "column": column,
                    "scheme": "cow",
                    "value": str(raw),
                    "year_range": f"{int(yrs.min())}"
                    if yrs.min() == yrs.max()
                    else f"{int(yrs.min())}-{int(yrs.max())}",
                    "n_rows": int(m.sum()),
                    "outcome": "mapped-by-exception",
                    "action": f"recoded to {new}: {why}",
                    "mapped_gwcode": new,
                }
            )
    return out


def region_of(gwcode: pd.Series) -> pd.Series:
    out = pd.Series(pd.NA, index=gwcode.index, dtype="string")
    for lo, hi, name in REGIONS:
        out[(gwcode >= lo) & (gwcode <= hi)] = name
    return out


class Panel:
    """Accumulates columns onto the state-year spine, logging every merge."""

    def __init__(self, spine: pd.DataFrame):
        self.df = spine
        self.n = len(spine)

    def merge(self, other: pd.DataFrame, name: str, cover: tuple[int, int] | None, fill: dict | None = None) -> None:
        """Left-join `other` (keyed by gwcode, year); inside `cover`, missing rows take `fill`."""
        other = other.copy()
        dup = other.duplicated(["gwcode", "year"])
        if dup.any():  # pragma: no cover - callers aggregate first
            raise RuntimeError(f"{name}: duplicate (gwcode, year) rows after aggregation")
        keys = self.df[["gwcode", "year"]]
        matched = keys.merge(other[["gwcode", "year"]], how="inner").shape[0]
        y0, y1 = int(self.df["year"].min()), int(self.df["year"].max())
        out_years = int((~other["year"].between(y0, y1)).sum())
        outside = len(other) - matched - out_years
        self.df = self.df.merge(other, on=["gwcode", "year"], how="left", validate="one_to_one")
        cols = [c for c in other.columns if c not in ("gwcode", "year")]
        if cover is not None:
            inside = self.df["year"].between(*cover)
            for c in cols:
                if fill is not None and c in fill:
                    self.df.loc[inside & self.df[c].isna(), c] = fill[c]
                self.df.loc[~inside, c] = pd.NA
        assert len(self.df) == self.n
        log.info(
            "merge %-20s rows in %6d, matched %6d, outside the panel years %5d, not system members %5d; columns %s",
            name,
            len(other),
            matched,
            out_years,
            outside,
            ", ".join(cols),
        )


# --------------------------------------------------------------------------- spine


def build_spine(gw: pd.DataFrame, first: int, last: int) -> pd.DataFrame:
    """State-years: a state is a member in every year its spell overlaps.

    The GW list ends on 2017-12-31 (right-censored); spells still open then are
    extended to `last` (no state entered or left the GW system 2018-2024).
    """
    rows = []
    for r in gw.itertuples(index=False):
        y0 = max(r.start_date.year, first)
        y1 = last if r.censored else min(r.end_date.year, last)
        for y in range(y0, y1 + 1):
            rows.append((int(r.gwcode), y, r.statename, r.stateabb))
    spine = pd.DataFrame(rows, columns=["gwcode", "year", "statename", "stateabb"])
    spine = spine.drop_duplicates(["gwcode", "year"]).sort_values(["gwcode", "year"]).reset_index(drop=True)
    spine["gwcode"] = spine["gwcode"].astype("int64")
    spine["year"] = spine["year"].astype("int64")
    spine["statename"] = spine["statename"].astype("string")
    spine["stateabb"] = spine["stateabb"].astype("string")
    spine["region"] = region_of(spine["gwcode"])
    return spine


# --------------------------------------------------------------------------- helpers


def _explode_locations(df: pd.DataFrame, col: str, value_cols: list[str], mapper: Mapper, source: str) -> pd.DataFrame:
    """One row per (record, location) with values split equally among locations."""
    d = df[["year", col, *value_cols]].copy()
    d["_n"] = d[col].map(len)
    d = d[d["_n"] > 0].explode(col)
    for c in value_cols:
        d[c] = d[c].astype(float) / d["_n"]
    d["gwcode"] = mapper.to_gw(d[col].astype(int), "gw", d["year"], source=source, column=col)
    return d.dropna(subset=["gwcode"])


def _onsets(cy: pd.DataFrame) -> pd.DataFrame:
    """Per conflict-year: new onset (first year) and recurrence (after >= 2 quiet years)."""
    cy = cy.sort_values(["conflict_id", "year"]).copy()
    prev = cy.groupby("conflict_id")["year"].shift(1)
    first = prev.isna()
    started_before_1946 = cy["start_date"].dt.year < cy["year"]
    cy["onset_new"] = first & ~(started_before_1946 & (cy["year"] == 1946))
    cy["onset_recur"] = ~first & ((cy["year"] - prev) >= 3)  # two or more years without activity
    return cy


# --------------------------------------------------------------------------- sources


def conflict_vars(acd: pd.DataFrame, mapper: Mapper) -> pd.DataFrame:
    intra = acd[acd["type_of_conflict"].isin([3, 4])].copy()
    intra = _onsets(intra)
    intra = intra.explode("gwno_loc_list")
    intra["gwcode"] = mapper.to_gw(
        intra["gwno_loc_list"].astype(int), "gw", intra["year"], source="ucdp_acd", column="gwno_loc"
    )
    intra = intra.dropna(subset=["gwcode"])
    t3 = intra["type_of_conflict"] == 3
    intra["war"] = intra["intensity_level"] == 2
    g = intra.assign(
        one=1, t3=t3, on3=intra["onset_new"] & t3, any3=(intra["onset_new"] | intra["onset_recur"]) & t3
    ).groupby(["gwcode", "year"])
    out = pd.DataFrame(
        {
            "intra_active": g["one"].size() > 0,
            "intra_n_active": g["one"].size().astype("int64"),
            "intra_onset_new": g["onset_new"].any(),
            "intra_onset_recur": g["onset_recur"].any(),
            "intra3_active": g["t3"].any(),
            "intra3_onset_new": g["on3"].any(),
            "intra3_onset_any": g["any3"].any(),
            "intra_war": g["war"].any(),
        }
    ).reset_index()
    out["intra_onset_any"] = out["intra_onset_new"] | out["intra_onset_recur"]
    return out


def osv_locations(osv: pd.DataFrame) -> pd.Series:
    """Where an actor-year's deaths are counted.

    A government actor whose own state (`gwnoa`, one code) is among the locations has
    all its deaths counted there (UCDP's actor-year lists every country with events,
    e.g. Rwanda 1994 lists 490, 516 and 517; the yearly data cannot split them);
    otherwise deaths are split equally among the listed locations.
    """
    out = []
    for gov, own, locs in zip(osv["is_government_actor"], osv["gwnoa_list"], osv["gwno_location_list"]):
        locs = [str(x) for x in (locs if locs is not None else [])]
        own = [str(x) for x in (own if own is not None else [])]
        out.append([own[0]] if gov and len(own) == 1 and own[0] in locs else locs)
    return pd.Series(out, index=osv.index)


def osv_vars(osv: pd.DataFrame, mapper: Mapper) -> pd.DataFrame:
    osv = osv.assign(gwno_location_list=osv_locations(osv))
    d = _explode_locations(osv, "gwno_location_list", ["best", "high"], mapper, "ucdp_onesided")
    d["gov"] = d.loc[:, "gwcode"].notna() & osv.loc[d.index, "is_government_actor"].to_numpy()
    out = []
    for flag, prefix in ((True, "osv_gov"), (False, "osv_nonstate")):
        s = d[d["gov"] == flag].groupby(["gwcode", "year"])[["best", "high"]].sum()
        s.columns = [f"{prefix}_best", f"{prefix}_high"]
        out.append(s)
    return pd.concat(out, axis=1).reset_index()


def brd_vars(brd: pd.DataFrame, mapper: Mapper) -> pd.DataFrame:
    d = _explode_locations(brd, "gwno_loc_list", ["bd_best", "bd_high"], mapper, "ucdp_brd")
    s = d.groupby(["gwcode", "year"])[["bd_best", "bd_high"]].sum().reset_index()
    return s.rename(columns={"bd_best": "battle_deaths_best", "bd_high": "battle_deaths_high"})


def leader_vars(arch: pd.DataFrame, mapper: Mapper) -> pd.DataFrame:
    ex = arch[~arch["still_in_office"]].copy()
    ex["year"] = ex["end_date"].dt.year
    ex["gwcode"] = mapper.to_gw(ex["gwcode"], "gw", ex["year"], source="archigos", column="gwcode")
    ex = ex.dropna(subset=["gwcode"])
    ex["irr_or_for"] = ex["irregular_exit"] | ex["foreign_imposed"]
    g = ex.groupby(["gwcode", "year"])
    return pd.DataFrame(
        {
            "leader_exits": g.size().astype("int64"),
            "leader_exit_irregular": g["irregular_exit"].any(),
            "leader_exit_foreign": g["foreign_imposed"].any(),
            "leader_exit_irregular_or_foreign": g["irr_or_for"].any(),
        }
    ).reset_index()


def _foreign_supported(coups: pd.DataFrame, mapper: Mapper) -> pd.Series:
    """True where a named outside supporter is a foreign state (country_converter on each name)."""
    import country_converter as coco

    logging.getLogger("country_converter").setLevel(logging.ERROR)
    logging.getLogger("country_converter.country_converter").setLevel(logging.ERROR)

    aliases = {"CIA": "USA", "U.S.": "USA", "US": "USA", "KGB": "RUS", "Soviet Union": "RUS", "USSR": "RUS"}
    names = sorted({s.strip() for lst in coups["outsidesupporters_list"] for s in (lst if lst is not None else [])})
    iso = {}
    if names:
        conv = coco.convert(names, to="ISO3", not_found=None)
        conv = conv if isinstance(conv, list) else [conv]
        for n, c in zip(names, conv):
            c = c[0] if isinstance(c, list) and len(c) == 1 else c
            iso[n] = aliases.get(n) or (c if isinstance(c, str) else None)
            for k, v in aliases.items():
                if iso[n] is None and k in n.split():
                    iso[n] = v
    home = mapper.from_gw(coups["gwcode"], "iso3", coups["year"])
    out = []
    for lst, h in zip(coups["outsidesupporters_list"], home):
        isos = {iso.get(s.strip()) for s in (lst if lst is not None else [])} - {None}
        out.append(bool(isos - ({h} if isinstance(h, str) else set())))
    return pd.Series(out, index=coups.index)


def coup_vars(colpus: pd.DataFrame, mapper: Mapper) -> pd.DataFrame:
    c = colpus.copy()
    c["gwcode"] = mapper.to_gw(c["cowcode"], "cow", c["year"], source="colpus_coups", column="cowcode")
    c = c.dropna(subset=["gwcode"])
    c["foreign"] = _foreign_supported(c, mapper)
    g = c.groupby(["gwcode", "year"])
    return pd.DataFrame(
        {"coup_any": g.size() > 0, "coup_success": g["success"].any(), "coup_foreign_supported": g["foreign"].any()}
    ).reset_index()


def gwf_vars(gwf: pd.DataFrame, mapper: Mapper) -> pd.DataFrame:
    d = gwf.copy()
    d["gwcode_mapped"] = mapper.to_gw(d["gwcode"], "gw", d["year"], source="gwf", column="gwcode")
    d = d.dropna(subset=["gwcode_mapped"]).drop(columns="gwcode").rename(columns={"gwcode_mapped": "gwcode"})
    d = d.sort_values(["gwcode", "year", "gwf_cowcode"]).drop_duplicates(["gwcode", "year"])
    return pd.DataFrame(
        {
            "gwcode": d["gwcode"],
            "year": d["year"],
            "gwf_autocracy": d["autocracy"],
            "gwf_regime": d["gwf_regime"].astype("string"),
            "gwf_fail": d["gwf_fail"].astype("boolean") if d["gwf_fail"].dtype != bool else d["gwf_fail"],
            "gwf_fail_type": d["gwf_fail_type_label"].astype("string"),
        }
    )


def polity_vars(pol: pd.DataFrame, mapper: Mapper) -> pd.DataFrame:
    d = pol.copy()
    d["gw"] = mapper.to_gw(d["polity_ccode"], "polity", d["year"], source="polity5", column="polity_ccode")
    d = d.dropna(subset=["gw"])
    # Transition years where two Polity units map to one GW state: keep the unit whose
    # Polity code equals the GW code, else the first (documented in the module docstring).
    d["_pref"] = (d["polity_ccode"] != d["gw"]).astype(int)
    d = d.sort_values(["gw", "year", "_pref", "polity_ccode"]).drop_duplicates(["gw", "year"])
    return pd.DataFrame({"gwcode": d["gw"], "year": d["year"], "polity2": d["polity2"].astype("Float64")})


#: V-Dem's `country_text_id` is V-Dem's own scheme, not ISO 3166: where it differs for a
#: GW state, map it explicitly (reported as "mapped-by-exception").
VDEM_CODES: dict[tuple[str, int, int], tuple[int, str]] = {
    ("VDR", 1954, 1975): (817, "V-Dem's VDR is the Republic of Vietnam (South Vietnam, GW 817), not ISO's VDR (North)"),
    ("SRB", 1946, 2005): (345, "V-Dem's Serbia series continues Yugoslavia (GW 345) until 2006"),
    ("CZE", 1946, 1992): (315, "V-Dem's Czechia series continues Czechoslovakia (GW 315) until 1993"),
}


def vdem_vars(vd: pd.DataFrame, mapper: Mapper, fixes: list[dict]) -> pd.DataFrame:
    d = vd.copy()
    codes = d["country_text_id"].astype("string").copy()
    fixed = pd.Series(pd.NA, index=d.index, dtype="Int64")
    for (tid, y0, y1), (gw, why) in VDEM_CODES.items():
        m = (codes == tid).fillna(False) & d["year"].between(y0, y1)
        if m.any():
            fixed[m] = gw
            codes[m] = pd.NA  # not mapped again, so not reported twice
            fixes.append(
                {
                    "source": "vdem_ert",
                    "column": "country_text_id",
                    "scheme": "iso3",
                    "value": tid,
                    "year_range": f"{y0}-{y1}",
                    "n_rows": int(m.sum()),
                    "outcome": "mapped-by-exception",
                    "action": f"mapped to GW {gw}: {why}",
                    "mapped_gwcode": gw,
                }
            )
    d["gwcode"] = mapper.to_gw(codes, "iso3", d["year"], source="vdem_ert", column="country_text_id").fillna(fixed)
    d = d.dropna(subset=["gwcode"]).sort_values(["gwcode", "year", "country_id"]).drop_duplicates(["gwcode", "year"])
    return pd.DataFrame(
        {
            "gwcode": d["gwcode"],
            "year": d["year"],
            "v2x_regime": d["v2x_regime"].astype("Int64"),
            "v2x_regime_label": d["v2x_regime_label"].astype("string"),
        }
    )


def mk_vars(
    ewp: pd.DataFrame, pitf: pd.DataFrame, mapper: Mapper, fixes: list[dict]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    e = ewp.copy()
    codes = _apply_fixes(e["cowcode"], e["year"], "ewp_base", "cowcode", fixes)
    e["gwcode"] = mapper.to_gw(codes, "cow", e["year"], source="ewp_base", column="cowcode")
    e = e.dropna(subset=["gwcode"])
    g = e.groupby(["gwcode", "year"])
    mk = pd.DataFrame(
        {"mk_onset": g["mk_onset"].max().astype(bool), "mk_ongoing": g["mk_ongoing"].max().astype(bool)}
    ).reset_index()
    p = pitf.copy()
    codes = _apply_fixes(p["cowcode"], p["year"], "pitf_genocide", "cowcode", fixes)
    p["gwcode"] = mapper.to_gw(codes, "cow", p["year"], source="pitf_genocide", column="cowcode")
    p = p.dropna(subset=["gwcode"])
    g = p.groupby(["gwcode", "year"])
    gen = pd.DataFrame({"genocide_onset": g["onset"].any(), "genocide_ongoing": g.size() > 0}).reset_index()
    return mk, gen


def hmi_gwcodes(hmi: pd.DataFrame, mapper: Mapper, fixes: list[dict] | None = None) -> pd.Series:
    """GW code of each HMI's target state in its start year (East Timor 1999 -> Indonesia, reported)."""
    fixes = [] if fixes is None else fixes
    out = pd.Series(pd.NA, index=hmi.index, dtype="Int64")
    for rel in sorted(hmi["release"].unique()):
        m = hmi["release"] == rel
        codes = _apply_fixes(hmi.loc[m, "cowcode"], hmi.loc[m, "start_year"], f"hmi_cases[{rel}]", "cowcode", fixes)
        out[m] = mapper.to_gw(codes, "cow", hmi.loc[m, "start_year"], source=f"hmi_cases[{rel}]", column="cowcode")
    return out


def hmi_vars(hmi: pd.DataFrame, mapper: Mapper, last: int, fixes: list[dict]) -> tuple[pd.DataFrame, pd.DataFrame]:
    hmi = hmi.assign(gwcode=hmi_gwcodes(hmi, mapper, fixes))
    out = []
    for rel in ("0.3", "2019"):
        h = hmi[hmi["release"] == rel].copy()
        out.append(h.dropna(subset=["gwcode"]))
    h03, h19 = out
    g = h03.groupby(["gwcode", "start_year"])
    start = (
        pd.DataFrame(
            {
                "hmi_start": g.size() > 0,
                "hmi_start_against_gov": g["target"].apply(lambda s: bool((s == 1).any())),
                "hmi_start_mandate": g["mandate"].any(),
                "hmi_start_target": g["target_label"]
                .apply(lambda s: "; ".join(sorted(set(s.dropna()))))
                .astype("string"),
            }
        )
        .reset_index()
        .rename(columns={"start_year": "year"})
    )
    s19 = (
        h19.groupby(["gwcode", "start_year"])
        .size()
        .gt(0)
        .rename("hmi_start_2019")
        .reset_index()
        .rename(columns={"start_year": "year"})
    )
    start = start.merge(s19, on=["gwcode", "year"], how="outer")
    ongoing = []
    for r in h03.itertuples(index=False):
        end = last if pd.isna(r.end_year) else int(r.end_year)
        for y in range(int(r.start_year), end + 1):
            ongoing.append((int(r.gwcode), y))
    on = pd.DataFrame(ongoing, columns=["gwcode", "year"]).drop_duplicates().assign(hmi_ongoing=True)
    return start, on


def imi_vars(imi: pd.DataFrame, mapper: Mapper) -> pd.DataFrame:
    d = imi[~imi["target_is_io"] & imi["start_year"].notna()].copy()
    d["gwcode"] = mapper.to_gw(
        d["target_cowcode"],
        "cow",
        d["start_year"],
        source="imi_interventions",
        column="target_cowcode",
        special=IMI_SPECIAL_CODES,
    )
    d = d.dropna(subset=["gwcode"])
    d["hum"] = d["humanitarian"] == 1
    d["hum_ag"] = d["hum"] & (d["against_government"] == True)  # noqa: E712 (nullable)
    g = d.groupby(["gwcode", "start_year"])
    return (
        pd.DataFrame({"imi_hum_start": g["hum"].any(), "imi_hum_start_against_gov": g["hum_ag"].any()})
        .reset_index()
        .rename(columns={"start_year": "year"})
    )


def covariates(pred: pd.DataFrame, mapper: Mapper, fixes: list[dict]) -> pd.DataFrame:
    d = pred.copy()
    codes = _apply_fixes(d["cowcode"], d["year"], "ewp_predictors", "cowcode", fixes)
    d["gwcode"] = mapper.to_gw(codes, "cow", d["year"], source="ewp_predictors", column="cowcode")
    d = d.dropna(subset=["gwcode"]).sort_values(["gwcode", "year", "cowcode"]).drop_duplicates(["gwcode", "year"])
    return pd.DataFrame(
        {
            "gwcode": d["gwcode"],
            "year": d["year"],
            "population": d["population"].astype("Float64"),
            "gdppc_growth": d["gdppcgrowth"].astype("Float64"),
            "infant_mortality": d["infant_mortality"].astype("Float64"),
            "ewp_region": d["region_label"].astype("string"),
        }
    )


# --------------------------------------------------------------------------- build


def _read(processed: Path, name: str) -> pd.DataFrame:
    from .io import read_parquet

    return read_parquet(processed / f"{name}.parquet")


def mapper_from_processed(processed: Path) -> Mapper:
    cw = _read(processed, "crosswalk")
    pol = _read(processed, "polity5")
    lookup = pol[["polity_ccode", "year", "gwcode"]].rename(columns={"polity_ccode": "code"})
    return Mapper(cw, lookup)


def cover(table: str, registry: dict[str, Source] | None = None) -> tuple[int, int]:
    """The years the cleaned `table` covers: its source's `coverage` in the source registry
    (config/sources.yaml), or the table's own span there where it differs from the source's."""
    from . import clean
    from .sources import coverage

    (sid,) = clean.registry()[table].source_ids
    if registry is not None:
        return registry[sid].covers(table).span
    return coverage(sid, table).span


def build_panel(processed: Path, first: int, last: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    mapper = mapper_from_processed(processed)
    spine = build_spine(_read(processed, "gw_states"), first, last)
    p = Panel(spine)
    fixes: list[dict] = []  # source-specific code corrections, reported as mapped-by-exception
    log.info("spine: %d state-years, %d states, %d-%d", len(spine), spine.gwcode.nunique(), first, last)

    p.merge(
        conflict_vars(_read(processed, "ucdp_acd"), mapper),
        "ucdp_acd",
        cover("ucdp_acd"),
        fill={
            c: False
            for c in [
                "intra_active",
                "intra_onset_new",
                "intra_onset_recur",
                "intra3_active",
                "intra3_onset_new",
                "intra3_onset_any",
                "intra_war",
                "intra_onset_any",
            ]
        }
        | {"intra_n_active": 0},
    )
    p.merge(
        osv_vars(_read(processed, "ucdp_onesided"), mapper),
        "ucdp_onesided",
        cover("ucdp_onesided"),
        fill={c: 0.0 for c in ["osv_gov_best", "osv_gov_high", "osv_nonstate_best", "osv_nonstate_high"]},
    )
    p.merge(
        brd_vars(_read(processed, "ucdp_brd"), mapper),
        "ucdp_brd",
        cover("ucdp_brd"),
        fill={"battle_deaths_best": 0.0, "battle_deaths_high": 0.0},
    )
    p.merge(
        leader_vars(_read(processed, "archigos"), mapper),
        "archigos",
        cover("archigos"),
        fill={
            "leader_exits": 0,
            "leader_exit_irregular": False,
            "leader_exit_foreign": False,
            "leader_exit_irregular_or_foreign": False,
        },
    )
    p.merge(
        coup_vars(_read(processed, "colpus_coups"), mapper),
        "colpus_coups",
        cover("colpus_coups"),
        fill={"coup_any": False, "coup_success": False, "coup_foreign_supported": False},
    )
    p.merge(gwf_vars(_read(processed, "gwf"), mapper), "gwf", cover("gwf"))
    p.merge(polity_vars(_read(processed, "polity5"), mapper), "polity5", cover("polity5"))
    p.merge(vdem_vars(_read(processed, "vdem_ert"), mapper, fixes), "vdem_ert", cover("vdem_ert"))
    mk, gen = mk_vars(_read(processed, "ewp_base"), _read(processed, "pitf_genocide"), mapper, fixes)
    p.merge(mk, "ewp_base", cover("ewp_base"), fill={"mk_onset": False, "mk_ongoing": False})
    p.merge(gen, "pitf_genocide", cover("pitf_genocide"), fill={"genocide_onset": False, "genocide_ongoing": False})
    start, ongoing = hmi_vars(_read(processed, "hmi_cases"), mapper, last, fixes)
    # the HMI columns: no PRIF intervention is no intervention in every panel year (not only
    # in PRIF's 1960-2014); ongoing interventions run to the panel's last year
    p.merge(
        start,
        "hmi_cases (start)",
        (first, last),
        fill={"hmi_start": False, "hmi_start_against_gov": False, "hmi_start_mandate": False, "hmi_start_2019": False},
    )
    p.merge(ongoing, "hmi_cases (ongoing)", (first, last), fill={"hmi_ongoing": False})
    p.merge(
        imi_vars(_read(processed, "imi_interventions"), mapper),
        "imi_interventions",
        cover("imi_interventions"),
        fill={"imi_hum_start": False, "imi_hum_start_against_gov": False},
    )
    p.merge(covariates(_read(processed, "ewp_predictors"), mapper, fixes), "ewp_predictors", cover("ewp_predictors"))

    # tables that carry their own GW codes (mapped by their cleaners with the same
    # functions): mapped again here only for the crosswalk report
    from .clean import ucdp_ged, wdi

    wdi.map_gwcodes(_read(processed, "wdi_oda"), mapper)
    ucdp_ged.map_gwcodes(_read(processed, "ucdp_ged")[["country", "side_a", "side_b", "year"]], mapper)
    # vetoing members named in the Security Council meetings tables: mapped for the crosswalk
    # report only (the table carries its own gwcode; a disagreement is an error)
    uv = _read(processed, "unsc_outcome_vetoes")
    g = mapper.to_gw(uv["member_raw"], "name", uv["year"], source="unsc_outcome_vetoes", column="member_raw")
    if not (g.astype("Int64") == uv["gwcode"].astype("Int64")).fillna(False).all():
        bad = uv.loc[~(g.astype("Int64") == uv["gwcode"].astype("Int64")).fillna(False), "member_raw"].iloc[0]
        raise DataError(
            f"vetoing member {bad!r}: the crosswalk and the table's gwcode disagree",
            file="unsc_outcome_vetoes.parquet",
            column="member_raw",
        )

    df = _types(p.df)
    df = df.sort_values(["gwcode", "year"], kind="mergesort").reset_index(drop=True)
    report = mapper.report()
    if fixes:
        report = pd.concat([report, pd.DataFrame(fixes).astype(report.dtypes.to_dict())], ignore_index=True)
        report = report.sort_values(["source", "column", "scheme", "outcome", "value", "year_range"], kind="mergesort")
    return df, report.reset_index(drop=True)


def _types(df: pd.DataFrame) -> pd.DataFrame:
    """Each column as the schema declares it (`analysis.schemas.COUNTRY_YEAR`, the one list of the
    panel's columns and types); a value that cannot be read as a number raises."""
    from .schemas import COUNTRY_YEAR

    df = df.copy()
    for name, col in COUNTRY_YEAR.columns.items():
        dtype = str(col.dtype)
        if dtype in ("Float64", "Int64"):
            df[name] = pd.to_numeric(df[name], errors="raise").astype(dtype)
        else:  # boolean, string, int64
            df[name] = df[name].astype(dtype)
    return df


def data_years(registry: dict[str, Source] | None = None) -> tuple[int, int]:
    """The years the panel's sources cover together: (earliest start, latest end), from the
    `coverage` of each source (and table) in the registry (config/sources.yaml), not from the code."""
    from . import clean
    from .sources import load_registry

    reg = registry if registry is not None else load_registry()
    tables = clean.registry()
    spans = [reg[sid].covers(t).span for t in INPUT_TABLES for sid in tables[t].source_ids]
    return min(a for a, _ in spans), max(b for _, b in spans)


def check_years(
    first: int, last: int, where: str = "config/config.yaml", registry: dict[str, Source] | None = None
) -> None:
    """Raise `DataError` (naming `where` and the key) for a panel range the data cannot fill."""
    lo, hi = data_years(registry)
    if first > last:
        raise DataError(f"panel.first_year {first} is after panel.last_year {last}", file=where)
    if last > hi:
        raise DataError(
            f"panel.last_year {last} is after the last year any source covers ({hi}, the sources' "
            "`coverage` in config/sources.yaml); later years would be all missing",
            file=where,
        )
    if first < max(lo, 1816):
        raise DataError(
            f"panel.first_year {first} is before the first year the sources cover ({max(lo, 1816)})", file=where
        )


def build_panel_outputs(processed: Path, first: int, last: int, output: Path, report: Path) -> None:
    from .schemas import COUNTRY_YEAR

    check_years(first, last, where="the panel's --first-year/--last-year")
    df, rep = build_panel(processed, first, last)
    COUNTRY_YEAR.validate(df, lazy=True)
    write_csv(rep, report)
    write_parquet(df, output)
    log.info("wrote %s (%d rows, %d columns) and %s (%d report rows)", output, len(df), df.shape[1], report, len(rep))


def universe(panel: pd.DataFrame, report: pd.DataFrame) -> dict:
    """The panel's universe, computed from the panel and its crosswalk report: the states and
    state-years in it, and the Gleditsch-Ward microstates left out (`crosswalk.MICROSTATES`) with
    the source rows about them that are left missing. `text` states it in two sentences (the data
    package's panel description and the appendix's crosswalk section use it)."""
    from .crosswalk import MICROSTATES

    micro_gw = {g for _, g, _, _ in MICROSTATES}
    inside = sorted(set(panel["gwcode"].astype(int)) & micro_gw)
    if inside:  # the statement below would be false
        raise DataError(f"the panel holds GW microstate codes {inside}, which analysis/panel.py says it leaves out")
    names = [n for _, _, _, n in MICROSTATES]
    display = {n: " ".join(reversed(n.split(", "))) for n in names}  # "Federated States of Micronesia"
    action = report["action"].fillna("").astype(str)
    rows = report[action.str.contains("microstate")].assign(
        microstate=lambda d: d["action"].map(lambda a: next(n for n in names if f" {n}," in a))
    )
    by_source = {}
    for src, g in rows.groupby("source", sort=True):
        parts = sorted(set(zip(g["microstate"], g["year_range"].astype(str), strict=True)))
        by_source[src] = {
            "rows": int(g["n_rows"].sum()),
            "microstates": sorted(set(g["microstate"])),
            "cases": [f"{display[n]} {y}" for n, y in parts],
        }
    first, last = int(panel["year"].min()), int(panel["year"].max())
    out = {
        "states": int(panel["gwcode"].nunique()),
        "state_years": len(panel),
        "first_year": first,
        "last_year": last,
        "microstates": names,
        "microstates_in_sources": sorted(set(rows["microstate"])),
        "source_rows_left_missing": int(rows["n_rows"].sum()),
        "by_source": by_source,
    }

    def src_text(s: str, d: dict) -> str:
        what = ", ".join(d["cases"]) if len(d["microstates"]) <= 4 else f"{len(d['microstates'])} microstates"
        return f"{s}: {d['rows']:,} rows ({what})"

    out["text"] = (
        f"The panel's universe is the Gleditsch-Ward list of independent states as packaged by peacesciencer: "
        f"{out['states']} states, {out['state_years']:,} state-years {first}-{last}. "
        f"The {len(names)} states of Gleditsch and Ward's separate list of microstates ({', '.join(display[n] for n in names)}) are "
        f"not in it: the {out['source_rows_left_missing']:,} source rows about the "
        f"{len(out['microstates_in_sources'])} of them that the sources name are left missing and listed in "
        f"crosswalk_report.csv (" + "; ".join(src_text(s, d) for s, d in by_source.items()) + "), and their "
        "state-years are not counted here, as the mirrored list carries no dates for them."
    )
    return out

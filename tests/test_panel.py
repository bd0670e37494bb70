"""The country-year panel: structure, coverage rules and known facts from the real data."""

import pandas as pd
import pytest

from analysis.schemas import COUNTRY_YEAR


@pytest.fixture(scope="module")
def cy(panel):
    return panel[0].set_index(["gwcode", "year"], drop=False)


def test_schema_and_keys(panel):
    df, _ = panel
    COUNTRY_YEAR.validate(df, lazy=True)
    assert not df.duplicated(["gwcode", "year"]).any()
    assert df.year.min() == 1946 and df.year.max() == 2024
    # GW system members only: no Gleditsch-Ward microstates, no pre-independence years
    assert not ((df.gwcode == 626) & (df.year < 2011)).any()  # South Sudan from 2011
    assert ((df.gwcode == 626) & (df.year == 2011)).any()
    assert not ((df.gwcode == 860) & (df.year < 2002)).any()  # East Timor from 2002


def test_state_year_counts(panel):
    df, _ = panel
    per_year = df.groupby("year").size()
    # 71 GW system members in 1946; the list is extended unchanged from 2017 to 2024
    assert per_year.loc[1946] == 71
    assert per_year.loc[2024] == per_year.loc[2017]


def test_coverage_is_missing_not_zero(cy):
    libya = cy.loc[620]
    assert pd.isna(libya.loc[1988, "osv_gov_best"]) and libya.loc[1989, "osv_gov_best"] == 0
    assert pd.isna(libya.loc[2016, "leader_exit_irregular"])  # Archigos ends 2015
    assert pd.isna(libya.loc[2011, "gwf_fail"])  # GWF ends 2010
    assert pd.isna(libya.loc[2019, "polity2"])  # Polity5 ends 2018
    assert pd.isna(libya.loc[2006, "imi_hum_start"])  # IMI ends 2005
    assert pd.isna(libya.loc[1959, "population"])  # EWP predictors start 1960


def test_libya_2011(cy):
    r = cy.loc[(620, 2011)]
    assert r.hmi_start and r.hmi_start_against_gov and r.hmi_start_mandate and r.hmi_start_2019
    assert r.leader_exit_irregular and r.leader_exit_foreign  # Qaddafi, removed by rebels with foreign support
    assert r.intra_active and r.intra_onset_new and r.intra_war
    assert r.polity2 == 0  # interregnum, polity2 = 0 by Polity's rule
    assert not cy.loc[(620, 2010)].intra_active


def test_rwanda_1994_one_sided_violence_stays_in_rwanda(cy):
    # UCDP lists DRC, Burundi and Rwanda as locations of the Rwandan government's 1994 killings;
    # the panel counts them in the government's own state.
    assert cy.loc[(517, 1994), "osv_gov_best"] == 759800
    assert cy.loc[(490, 1994), "osv_gov_best"] == 0
    assert cy.loc[(517, 1994), "mk_onset"] or cy.loc[(517, 1994), "mk_ongoing"]
    assert cy.loc[(517, 1994), "genocide_ongoing"]


def test_known_events(cy):
    assert cy.loc[(645, 2003), "leader_exit_foreign"]  # Saddam Hussein, removed by foreign force
    assert cy.loc[(645, 2003), "gwf_fail"] and cy.loc[(645, 2003), "gwf_fail_type"] == "foreign imposition or invasion"
    assert cy.loc[(651, 2013), "coup_success"]  # Egypt, July 2013
    assert cy.loc[(850, 1999), "hmi_start"]  # East Timor 1999 counted in Indonesia (reported)
    assert cy.loc[(345, 1999), "hmi_start_against_gov"]  # Kosovo 1999: against Yugoslavia
    # HMI ongoing covers every year from start to end
    assert cy.loc[620, "hmi_ongoing"].loc[2011] and not cy.loc[620, "hmi_ongoing"].loc[2012]


def test_onset_definitions(panel):
    df, _ = panel
    # an onset is always an active year; a recurrence is never the first year of a conflict
    assert not (df.intra_onset_any & ~df.intra_active).fillna(False).any()
    # counts are stable facts of ACD 25.1 under the rules in analysis/panel.py
    assert int(df.intra_onset_new.sum()) > 150
    assert int(df.hmi_start.sum()) == 41  # 41 interventions in 41 distinct (target, start year)


def test_hmi_starts_match_cases(panel, table):
    df, _ = panel
    hmi = table("hmi_cases")
    h03 = hmi[hmi.release == "0.3"]
    # every 0.3 intervention appears as a start in its (mapped) target country and year
    starts = df[df.hmi_start]
    assert len(starts) == h03.groupby(["cowcode", "start_year"]).ngroups
    assert (h03.target == 1).sum() == 9
    assert int(df.hmi_start_against_gov.sum()) == h03[h03.target == 1].groupby(["cowcode", "start_year"]).ngroups


def test_crosswalk_report_names_every_unmapped_value(panel):
    _, rep = panel
    assert set(rep.columns) >= {"source", "column", "scheme", "value", "year_range", "n_rows", "outcome", "action"}
    assert rep["action"].notna().all()
    # East Timor 1999 and the PITF code quirks are mapped by documented exception
    ex = rep[rep.outcome == "mapped-by-exception"]
    assert {("hmi_cases[0.3]", "860"), ("pitf_genocide", "769"), ("pitf_genocide", "347")} <= set(
        zip(ex.source, ex.value)
    )
    # microstates outside the GW list are reported, not silently dropped
    col = rep[rep.source == "colpus_coups"]
    assert {"55", "403", "591", "935"} <= set(col.value)


def test_vdem_predecessor_states_are_mapped(cy, panel):
    # V-Dem's own country scheme: Serbia continues Yugoslavia, Czechia continues Czechoslovakia,
    # and VDR is South Vietnam (not ISO's VDR, North Vietnam)
    assert pd.notna(cy.loc[(345, 1999), "v2x_regime"])
    assert pd.notna(cy.loc[(315, 1980), "v2x_regime"])
    assert cy.loc[(817, 1965), "v2x_regime_label"] == "closed autocracy"
    assert pd.notna(cy.loc[(816, 1965), "v2x_regime"])
    _, rep = panel
    ex = rep[(rep.source == "vdem_ert") & (rep.outcome == "mapped-by-exception")]
    assert {"VDR", "SRB", "CZE"} <= set(ex.value)

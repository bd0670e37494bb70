"""The years each source covers: declared once, in the source registry (config/sources.yaml),
read by the cleaners' range checks and by the panel's merges; facts from the real data."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pandas as pd
import pytest
import yaml

from analysis import ROOT, clean, sources
from analysis.errors import DataError
from analysis.panel import check_years, cover, data_years


def _registry_copy(tmp_path: Path, edit) -> Path:
    data = yaml.safe_load((ROOT / "config" / "sources.yaml").read_text(encoding="utf-8"))
    edit({s["id"]: s for s in data["sources"]})
    p = tmp_path / "sources.yaml"
    p.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return p


def test_every_table_span_names_a_table_of_its_source(registry):
    tables = clean.registry()
    for sid, s in registry.items():
        assert s.coverage.first <= s.coverage.last, sid
        for t, c in s.table_coverage.items():
            assert t in tables and sid in tables[t].source_ids, f"{sid}: coverage.tables.{t} is not one of its tables"
            assert c.first <= c.last
            assert c.span != s.coverage.span, f"{sid}: coverage.tables.{t} repeats the source's span"


def test_table_span_overrides_the_source_span(registry):
    assert registry["pitf-mk"].covers("pitf_genocide").span == (1955, 2014)  # PITF's list starts in 1955
    assert registry["pitf-mk"].covers("mk_ulfelder").span == (1945, 2014)  # the source's span
    assert registry["ewp-2025"].covers("ewp_predictors").span == (1960, 2024)
    assert registry["unsc-vetoes"].coverage.end == pd.Timestamp("2022-09-15")  # the list's last day
    assert registry["gwf"].coverage.end == pd.Timestamp("2010-12-31")
    assert cover("pitf_genocide") == (1955, 2014) and cover("archigos") == (1840, 2015)


def _year_columns(df: pd.DataFrame) -> list[str]:
    return [c for c in ("year", "start_year", "begin_year") if c in df.columns]


SINGLE_SOURCE = sorted(n for n, t in clean.registry().items() if len(t.source_ids) == 1)


@pytest.mark.parametrize("name", SINGLE_SOURCE)
def test_cleaned_years_lie_within_the_registry_coverage(name, table, registry):
    df = table(name)
    (sid,) = clean.registry()[name].source_ids
    first, last = registry[sid].covers(name).span
    for c in _year_columns(df):
        y = df[c].dropna().astype(int)
        if name == "polity5" and c == "year":  # the packaged file adds the USA for 2019-2020
            y = y[df.loc[y.index, "scode"] != "USA"]
        if name == "prif_hmi_2019_years" and c == "year":  # years of interventions started 1960-2014
            continue
        assert first <= y.min() and y.max() <= last, f"{name}.{c}: {y.min()}-{y.max()} outside {first}-{last}"


@pytest.mark.parametrize(
    "name, column, last",
    [
        ("ucdp_acd", "year", 2024),
        ("ucdp_onesided", "year", 2024),
        ("ucdp_brd", "year", 2024),
        ("vdem_ert", "year", 2024),
        ("ewp_base", "year", 2024),
        ("ewp_predictors", "year", 2024),
        ("colpus_coups", "year", 2022),
        ("gwf", "year", 2010),
        ("pitf_genocide", "year", 2014),
        ("imi_interventions", "start_year", 2005),
        ("ucdp_nonstate", "year", 2022),
        ("unsc_vetoes", "year", 2022),
    ],
)
def test_the_data_end_where_the_registry_says(name, column, last, table):
    """The registry's last year is the data's (read off the cleaned tables), not a guess."""
    (sid,) = clean.registry()[name].source_ids
    assert int(table(name)[column].max()) == last == sources.coverage(sid, name).last


def test_panel_columns_are_missing_outside_their_source_coverage(panel):
    df = panel[0]
    for t, col in [
        ("ucdp_onesided", "osv_gov_best"),
        ("archigos", "leader_exits"),
        ("gwf", "gwf_fail"),
        ("polity5", "polity2"),
        ("pitf_genocide", "genocide_onset"),
        ("imi_interventions", "imi_hum_start"),
        ("ewp_predictors", "population"),
        ("colpus_coups", "coup_any"),
    ]:
        a, b = cover(t)
        outside = ~df["year"].between(a, b)
        assert df.loc[outside, col].isna().all(), f"{col} has values outside {t}'s {a}-{b}"
        assert df.loc[~outside, col].notna().any(), col
    # columns filled within coverage (an event-free year is zero / False) are never missing there
    a, b = cover("pitf_genocide")
    assert df.loc[df["year"].between(a, b), "genocide_onset"].notna().all()


def test_data_years_come_from_the_registry(tmp_path):
    def shrink(s):  # every source ends in 2020 at the latest
        for v in s.values():
            cov = v["coverage"]
            cov["last"] = min(cov["last"], 2020)
            cov.pop("last_date", None)
            for span in (cov.get("tables") or {}).values():
                span["last"] = min(span["last"], 2020)

    reg = sources.load_registry(_registry_copy(tmp_path, shrink))
    assert data_years(reg)[1] == 2020
    with pytest.raises(DataError, match="panel.last_year 2024 is after the last year any source covers \\(2020"):
        check_years(1946, 2024, registry=reg)
    check_years(1946, 2020, registry=reg)
    assert data_years() == (1776, 2024)  # the real registry: Polity5 from 1776; UCDP, V-Dem, EWP to 2024


@pytest.mark.parametrize(
    "edit, needle",
    [
        (
            lambda s: s["gwf"]["coverage"].update(first=2010, last=1946),
            "sources/10/coverage (source gwf): first year 2010 is after last year 1946",
        ),
        (
            lambda s: s["pitf-mk"]["coverage"]["tables"]["pitf_genocide"].update(first=2014, last=1955),
            "coverage/tables/pitf_genocide (source pitf-mk): first year 2014",
        ),
        (
            lambda s: s["unsc-vetoes"]["coverage"].update(last_date="2021-09-15"),
            "2021-09-15 is not in the last year 2022",
        ),
        (lambda s: s["gwf"]["coverage"].pop("last"), "'last' is a required property"),
        (lambda s: s["gwf"]["coverage"].update(last="2010"), "'2010' is not of type 'integer'"),
    ],
    ids=["reversed", "reversed-table", "last-date-outside-last-year", "no-last-year", "year-as-text"],
)
def test_bad_coverage_in_the_registry(edit, needle, tmp_path):
    p = _registry_copy(tmp_path, edit)
    with pytest.raises(DataError) as e:
        sources.load_registry(p)
    assert needle in str(e.value) and e.value.file == str(p)


def test_a_cleaner_checks_years_against_the_registry(tmp_path, monkeypatch):
    """Shrink a table's coverage in the registry: the same rows now fail the cleaner's check."""
    from analysis.clean import ewp
    from analysis.clean.base import LazySchema, RawFiles

    d = tmp_path / "raw" / "ewp-2025"
    d.mkdir(parents=True)
    (d / "all-coups.csv").write_text("ccode,country,year,cou.any\n2,USA,1945,0\n155,Chile,1973,1\n", encoding="utf-8")
    spec = clean.registry()["ewp_coups"]
    out = ewp.build_coups(RawFiles(tmp_path / "raw"))
    clean.validate(spec, out)  # within 1945-2024
    reg = sources.load_registry(
        _registry_copy(tmp_path, lambda s: s["ewp-2025"]["coverage"]["tables"]["ewp_coups"].update(first=1950))
    )
    monkeypatch.setattr(sources, "_DEFAULT", reg)
    rebuilt = dataclasses.replace(spec, schema=LazySchema(spec.schema._build))  # built now, from the patched registry
    with pytest.raises(DataError) as e:
        clean.validate(rebuilt, out)
    assert e.value.column == "year"


def _config_last_year() -> int:
    cfg = yaml.safe_load((ROOT / "config" / "config.yaml").read_text(encoding="utf-8"))
    return int(cfg["panel"]["last_year"])


# Constants kept in modules that claim jobs import (a claim job reads only its declared
# inputs, and the registry is not one of them): each must equal the registry's figure.
@pytest.mark.parametrize(
    "module, name, expected",
    [
        ("analysis.oda", "ODA_FIRST", lambda: sources.coverage("wdi-oda").first),
        ("analysis.oda", "ODA_LAST", lambda: sources.coverage("wdi-oda").last),
        ("analysis.daily_order", "GED_FIRST", lambda: sources.coverage("ucdp-ged-21.1-precise").start),
        ("analysis.daily_order", "GED_LAST", lambda: sources.coverage("ucdp-ged-21.1-precise").end),
        ("analysis.actor_sides", "UCDP_OSV_FIRST", lambda: sources.coverage("ucdp-onesided-25.1").first),
        ("analysis.claims.moral_hazard", "UCDP_OSV_FIRST", lambda: sources.coverage("ucdp-onesided-25.1").first),
        ("analysis.claims.vetoes", "DATA_END", lambda: sources.coverage("unsc-vetoes").end),
        ("analysis.claims.vetoes", "FIRST_YEAR", lambda: sources.coverage("unsc-vetoes").first),
        ("analysis.claims.council", "TEXTS_END", lambda: sources.coverage("unsc-resolutions").end),
        ("analysis.claims.council", "MEETINGS_END_YEAR", lambda: sources.coverage("unsc-meetings").last),
        ("analysis.claims.regime_change", "LAST_PANEL_YEAR", _config_last_year),
    ],
)
def test_constants_in_claim_modules_agree_with_the_registry(module, name, expected):
    import importlib

    assert getattr(importlib.import_module(module), name) == expected()

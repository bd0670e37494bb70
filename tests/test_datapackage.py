"""The data package others can reuse: a descriptor `frictionless validate` passes, with each
field's description and the pandera checks as constraints; `r2p cite` for tables and claims."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from analysis import ROOT, clean
from analysis.cite import bib_entries, citations, cite
from analysis.cli import main
from analysis.datapackage import BYTES, MISSING_VALUES, SHA256, _resource_for
from analysis.errors import DataError
from analysis.io import sha256_file, write_parquet

TABLES = ("hmi_cases", "imi_interventions", "unsc_vetoes", "ucdp_acd")


def _package(d: Path, names) -> Path:
    reg = clean.registry()
    res = [
        _resource_for(
            d / f"{n}.parquet", reg[n].description, reg[n].key, [], [], reg[n].schema.get(), clean.table_module(n)
        )
        for n in names
    ]
    p = d / "datapackage.json"
    p.write_text(
        json.dumps(
            {"$schema": "https://datapackage.org/profiles/2.0/datapackage.json", "name": "t", "resources": res},
            indent=1,
        ),
        encoding="utf-8",
    )
    return p


@pytest.fixture(scope="module")
def small_package(table, tmp_path_factory):
    """Four real cleaned tables (lists, nullable numbers and dates, codes) and their descriptor."""
    d = tmp_path_factory.mktemp("pkg")
    for n in TABLES:
        write_parquet(table(n), d / f"{n}.parquet")
    return _package(d, TABLES)


def _validate(path: Path):
    from frictionless import validate

    return validate(str(path))


def test_real_tables_validate_with_constraints_and_descriptions(small_package):
    report = _validate(small_package)
    assert report.valid, report.flatten(["resourceName", "rowNumber", "fieldName", "type", "note"])[:10]
    pkg = json.loads(small_package.read_text(encoding="utf-8"))
    res = {r["name"]: r for r in pkg["resources"]}
    fields = {(r, f["name"]): f for r in res for f in res[r]["schema"]["fields"]}
    # every field has a description; the pandera checks became constraints
    assert all(f.get("description") for f in fields.values())
    assert fields[("hmi-cases", "release")]["constraints"]["enum"] == ["0.3", "2019"]
    assert fields[("ucdp-acd", "type_of_conflict")]["constraints"]["enum"] == [1, 2, 3, 4]
    assert fields[("imi-interventions", "start_year")]["constraints"]["minimum"] == 1946
    assert fields[("hmi-cases", "case_id")]["constraints"]["required"] is True
    # list<string> columns: typed `any` with the Arrow type and the list check kept
    ml = fields[("unsc-vetoes", "members_list")]
    assert ml["type"] == "any" and ml["r2p:arrowType"].startswith("list") and ml["r2p:checks"]
    # the checksums `r2p verify` needs are custom properties, not `hash`/`bytes`
    r = res["hmi-cases"]
    assert "hash" not in r and r[SHA256] == sha256_file(small_package.parent / "hmi_cases.parquet")
    assert r[BYTES] == (small_package.parent / "hmi_cases.parquet").stat().st_size
    assert r["schema"]["missingValues"] == list(MISSING_VALUES)
    assert r["schema"]["primaryKey"] == ["release", "case_id"]


def test_a_value_breaking_a_constraint_is_reported(small_package, tmp_path):
    hmi = pd.read_parquet(small_package.parent / "hmi_cases.parquet")
    hmi.loc[hmi.index[3], "release"] = "0.4"  # not a PRIF release
    acd = pd.read_parquet(small_package.parent / "ucdp_acd.parquet")
    acd.loc[acd.index[0], "type_of_conflict"] = 7  # UCDP has four types
    write_parquet(hmi, tmp_path / "hmi_cases.parquet")
    write_parquet(acd, tmp_path / "ucdp_acd.parquet")
    report = _validate(_package(tmp_path, ("hmi_cases", "ucdp_acd")))
    assert not report.valid
    errs = [(t.name, e.row_number, e.field_name, e.type) for t in report.tasks for e in t.errors]
    assert sorted(errs) == [
        ("hmi-cases", 5, "release", "constraint-error"),
        ("ucdp-acd", 2, "type_of_conflict", "constraint-error"),
    ]


# ------------------------------------------------------------------ r2p cite


def test_cite_a_claim_gives_its_text_and_its_data_sources():
    keys = [k for k, _ in citations("LB1")]
    assert keys == ["brozus2012", "wpdl2022vetoes"]
    out = cite("LB1")
    assert out.count("\n@") == 2 and "@techreport{brozus2012," in out and "@misc{wpdl2022vetoes," in out
    # RC1 reads hmi_cases and the panel: PRIF and every source of the panel
    rc1 = {k for k, _ in citations("RC1")}
    assert {"brozus2012", "gromes2019hmi", "gleditsch2002acd", "goemans2009archigos", "gleditsch1999states"} <= rc1


def test_cite_a_table_follows_the_tables_it_is_built_from():
    # ucdp_ged maps codes through the crosswalk (built from GW states, Polity5, GWF)
    keys = {k for k, _ in citations("ucdp_ged")}
    assert {"sundberg2013ged", "gleditsch1999states", "marshall2020polity5"} <= keys
    assert "gromes2019hmi" not in keys
    assert [k for k, _ in citations("hmi_cases.parquet")] == ["gromes2019hmi"]
    # every source of the registry that feeds the panel is cited for it
    from analysis.sources import load_registry
    from analysis.trace import raw_lineage

    reg = load_registry()
    need = {reg[rel.split("/", 1)[0]].citation for _, rel in raw_lineage("country_year")}
    assert need <= {k for k, _ in citations("country_year")}
    assert set(bib_entries(ROOT / "reports" / "references.bib")) >= need


def test_cli_cite_and_its_errors(capsys, tmp_path):
    assert main(["cite", "hmi_cases"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("% Sources behind hmi_cases (1 entry") and "@article{gromes2019hmi," in out
    assert main(["cite", "no_such_thing"]) == 2
    err = capsys.readouterr().err
    assert "neither a table nor a claim" in err and "hmi_cases" in err and "RC1" in err
    bib = tmp_path / "refs.bib"
    bib.write_text("@misc{other,\n  title = {x}\n}\n", encoding="utf-8")
    with pytest.raises(DataError, match="gromes2019hmi not in the bibliography"):
        cite("hmi_cases", bib=bib)
    bib.write_text("@misc{gromes2019hmi,\n  title = {x}\n", encoding="utf-8")
    with pytest.raises(DataError, match="not closed"):
        cite("hmi_cases", bib=bib)


# ------------------------------------------------------------------ licences per table


def test_registry_gives_each_source_its_licence_and_never_guesses(registry):
    lic = {sid: s.licence for sid, s in registry.items()}
    # ICPSR's terms ask users not to redistribute IMI; UCDP publishes under CC BY 4.0; Voeten's votes are CC0
    assert (lic["imi"].name, lic["imi"].redistribution) == ("other", "forbidden") and "ICPSR" in lic["imi"].title
    assert {lic[s].name for s in registry if s.startswith("ucdp-")} == {"CC-BY-4.0"}
    assert (lic["unga-votes"].name, lic["unga-votes"].redistribution) == ("CC0-1.0", "allowed")
    # terms nobody states are unknown, with a note saying so, and never "allowed"
    for sid in ("prif-hmi-0.3", "archigos-4.1", "polity5", "unsc-meetings"):
        assert (lic[sid].name, lic[sid].redistribution) == ("unknown", "unclear") and lic[sid].note, sid


@pytest.mark.parametrize(
    "edit, needle",
    [
        (lambda s: s.pop("licence"), "'licence' is a required property"),
        (lambda s: s["licence"].update(redistribution="allowed"), "'unclear' was expected"),  # unknown, yet allowed
        (lambda s: s["licence"].pop("note"), "'note' is a required property"),
        (lambda s: s["licence"].update(redistribution="maybe"), "is not one of"),
    ],
)
def test_registry_schema_refuses_a_missing_or_inconsistent_licence(tmp_path, edit, needle):
    import yaml

    from analysis.sources import load_registry

    data = yaml.safe_load((ROOT / "config" / "sources.yaml").read_text(encoding="utf-8"))
    src = next(s for s in data["sources"] if s["id"] == "polity5")  # licence unknown, redistribution unclear
    edit(src)
    p = tmp_path / "sources.yaml"
    p.write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(DataError) as ei:
        load_registry(p)
    assert "source polity5" in str(ei.value) and needle in str(ei.value)


def test_a_table_carries_the_licences_of_every_source_behind_it(registry):
    from analysis.datapackage import REDISTRIBUTION, RESTRICTED_BY, _derived_from, licences, lineage_sources

    tables = clean.registry()
    derived = {Path(f).stem: d for f, d in _derived_from().items()}
    # a UCDP table: CC BY 4.0 only, redistribution allowed
    acd = licences(lineage_sources("ucdp_acd", tables, derived), registry)
    assert [entry["name"] for entry in acd["licenses"]] == ["CC-BY-4.0"] and acd[REDISTRIBUTION] == "allowed"
    assert RESTRICTED_BY not in acd
    # IMI: ICPSR's terms (no SPDX name: title and path), forbidden
    imi = licences(lineage_sources("imi_interventions", tables, derived), registry)
    assert imi[REDISTRIBUTION] == "forbidden" and "name" not in imi["licenses"][0]
    assert imi["licenses"][0]["path"].startswith("https://www.icpsr.umich.edu/")
    # the panel is built from IMI among others: the strictest status wins, every source is named
    cy_sources = lineage_sources("country_year", tables, derived)
    assert {"imi", "ucdp-acd-25.1", "gw-states", "prif-hmi-0.3"} <= set(cy_sources)
    cy = licences(cy_sources, registry)
    assert cy[REDISTRIBUTION] == "forbidden"
    assert {r["source"] for r in cy[RESTRICTED_BY]} == {
        s for s in cy_sources if registry[s].licence.redistribution != "allowed"
    }
    assert sorted(s for e in cy["licenses"] for s in e["r2p:sources"]) == cy_sources
    # a cleaned table that maps codes through the crosswalk inherits the crosswalk's sources' terms
    ged = licences(lineage_sources("ucdp_ged", tables, derived), registry)
    assert ged[REDISTRIBUTION] == "unclear" and "gw-states" in {r["source"] for r in ged[RESTRICTED_BY]}


def test_licences_keep_the_package_valid(small_package, registry):
    """The descriptor with `licenses` and the custom licence properties still validates."""
    from analysis.datapackage import licences

    pkg = json.loads(small_package.read_text(encoding="utf-8"))
    tables = clean.registry()
    for r in pkg["resources"]:
        r.update(licences(sorted(tables[Path(r["path"]).stem].source_ids), registry))
    p = small_package.parent / "datapackage-licences.json"
    p.write_text(json.dumps(pkg, indent=1), encoding="utf-8")
    report = _validate(p)
    assert report.valid, report.flatten(["resourceName", "type", "note"])[:5]


# ------------------------------------------------------------------ the panel's universe


def test_the_panels_universe_names_the_microstates_left_out(panel):
    from analysis.crosswalk import MICROSTATES
    from analysis.panel import universe

    cy, report = panel
    u = universe(cy, report)
    assert u["states"] == cy["gwcode"].nunique() and u["state_years"] == len(cy) == 11360
    assert (u["first_year"], u["last_year"]) == (1946, 2024)
    assert len(u["microstates"]) == len(MICROSTATES) == 21
    # the US-led intervention in Grenada (1983) and the one in Vanuatu (1980) are IMI rows outside the panel
    assert u["by_source"]["imi_interventions"]["cases"] == ["Grenada 1983", "Vanuatu 1980"]
    assert u["by_source"]["imi_interventions"]["rows"] == 6
    assert u["source_rows_left_missing"] == sum(d["rows"] for d in u["by_source"].values())
    assert "Monaco" in u["text"] and "Federated States of Micronesia" in u["text"]
    assert f"{u['state_years']:,} state-years 1946-2024" in u["text"]


def test_a_microstate_in_the_panel_contradicts_the_statement(panel):
    from analysis.panel import universe

    cy, report = panel
    with pytest.raises(DataError, match=r"microstate codes \[55\]"):
        universe(pd.concat([cy.head(1).assign(gwcode=55), cy]), report)

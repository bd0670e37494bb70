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
    res = [_resource_for(d / f"{n}.parquet", reg[n].description, reg[n].key, [], [], reg[n].schema.get(),
                         clean.table_module(n)) for n in names]
    p = d / "datapackage.json"
    p.write_text(json.dumps({"$schema": "https://datapackage.org/profiles/2.0/datapackage.json",
                             "name": "t", "resources": res}, indent=1), encoding="utf-8")
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
    assert sorted(errs) == [("hmi-cases", 5, "release", "constraint-error"),
                            ("ucdp-acd", 2, "type_of_conflict", "constraint-error")]


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

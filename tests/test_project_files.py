"""The files of a project others can pick up: licence, citation metadata, changelog."""

from __future__ import annotations

import json
import re

import jsonschema
import yaml

from analysis import ROOT


def test_citation_cff_is_valid_and_cites_every_source():
    """CITATION.cff validates against the Citation File Format 1.2.0 schema (a copy from the
    citation-file-format project, via cffconvert 2.0) and lists Brozus (2012) and every source
    the data come from, each by its BibTeX key."""
    cff = yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    schema = json.loads((ROOT / "config" / "schemas" / "citation-cff-1.2.0.schema.json").read_text(encoding="utf-8"))
    jsonschema.Draft7Validator(schema).validate(cff)
    version = re.search(r'^version = "(.+)"', (ROOT / "pyproject.toml").read_text(encoding="utf-8"), re.M).group(1)
    assert cff["version"] == version and cff["license"] == "MIT"
    keys = {re.match(r"BibTeX key (\S+)", r["notes"]).group(1) for r in cff["references"]}
    sources = yaml.safe_load((ROOT / "config" / "sources.yaml").read_text(encoding="utf-8"))["sources"]
    assert {s["citation"] for s in sources} | {"brozus2012"} == keys
    bib = (ROOT / "reports" / "references.bib").read_text(encoding="utf-8")
    assert all(re.search(r"@\w+\{" + re.escape(k) + ",", bib) for k in keys)


def test_licence_matches_pyproject():
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert text.startswith("MIT License") and 'license = { text = "MIT" }' in (ROOT / "pyproject.toml").read_text()


def test_changelog_names_the_current_version():
    version = re.search(r'^version = "(.+)"', (ROOT / "pyproject.toml").read_text(encoding="utf-8"), re.M).group(1)
    assert f"## [{version}]" in (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")

"""`r2p trace`: a claim's number back to its rule, specification, sample, tables and raw files;
`r2p trace --list`: every claim result field the documents read, and where."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import AUDIT_CLAIMS

from analysis import ROOT
from analysis.cli import main
from analysis.errors import DataError
from analysis.io import sha256_file
from analysis.sources import load_registry
from analysis.trace import list_uses, resolve_field, scan_document, trace


def _result(root: Path, cid: str) -> dict:
    return json.loads((root / "results" / "claims" / f"{cid}.json").read_text(encoding="utf-8"))


# ------------------------------------------------------------------ the chain, on the real data


def test_trace_rc1_estimate_reaches_the_raw_file_checksums(audit_root):
    r = _result(audit_root, "RC1")
    out = "\n".join(trace("RC1.estimate", audit_root))
    lines = out.splitlines()
    # the number and its file
    assert lines[0] == f"RC1.primary.estimate = {r['primary']['estimate']!r}"
    assert r["primary"]["estimate"] == pytest.approx(6 / 41)  # 6 of the 41 PRIF v0.3 interventions
    assert f"results/claims/RC1.json  (sha256 {sha256_file(audit_root / 'results/claims/RC1.json')})" in out
    # the rule, the registry entry and the test function
    assert r["decided_by"]["test"] in out and r["decision_rule"]["text"] in out
    assert f"entry sha256 {r['registry_entry_sha256']}" in out
    assert "analysis/claims/regime_change.py:" in out and "rc1_regime_share()" in out
    assert f"-> verdict {r['verdict']}" in out
    # the specification
    assert f"spec_id:     {r['primary']['spec_id']}" in out and f"seed:        {r['seed']}" in out
    assert "release = 0.3" in out
    # the sample rows the result lists
    assert "primary_detail.regime_change_cases (case_id): 6" in out
    assert "Libya 2011" in out and "Uganda 1979" in out
    # the processed tables with the checksums the result recorded, and that they still match
    sha = r["data"]["inputs_sha256"]["hmi_cases.parquet"]
    assert f"data/processed/hmi_cases.parquet  sha256 {sha}  (matches the file now)" in out
    assert "columns: release, case_id, regime_change" in out
    # down to the raw files: registry checksum, on-disk check, origin, citation
    f = load_registry()["prif-hmi-0.3"].file("prif_hmi_v0-3_interventions.xlsx")
    assert f"data/raw/prif-hmi-0.3/prif_hmi_v0-3_interventions.xlsx  sha256 {f.sha256}  (on disk: matches" in out
    assert "benebck/Humanitarian-Interventions @ 2f35ff9a55d2a914bb8d796ae0a6b546e08e5264" in out
    assert "cite @gromes2019hmi" in out
    # country_year's raw files come through the panel's input tables
    assert "country_year.parquet <- via the tables it is built from:" in out
    assert "data/raw/ucdp-brd-25.1/BattleDeaths_v25_1.csv" in out


def test_trace_a_nested_field_and_a_list_element_by_key(audit_root):
    r = _result(audit_root, "RC1")
    out = trace("RC1.primary_detail.against_government.k", audit_root)
    assert out[0] == f"RC1.primary_detail.against_government.k = {r['primary_detail']['against_government']['k']}"
    # the field's own sample list comes first
    i = out.index("4. Sample rows (as listed in the result)")
    assert out[i + 1].startswith("   primary_detail.against_government.regime_change_cases: 5")
    dep = {d["period"]: d for d in r["primary_detail"]["libya_departure"]["periods"]}
    assert trace("RC1.primary_detail.libya_departure.periods.2011.k", audit_root)[0].endswith(f"= {dep['2011']['k']}")


def test_trace_lb1_lists_the_vetoed_drafts(audit_root):
    out = "\n".join(trace("LB1", audit_root))  # no field: the primary estimate
    r = _result(audit_root, "LB1")
    assert out.startswith(f"LB1.primary.estimate = {r['primary']['estimate']!r}")
    assert f"primary_detail.drafts_counted (draft): {r['primary']['n']}" in out
    assert "S/2011/612" in out  # the first Syria draft vetoed by China and Russia
    assert "unsc-vetoes/unsc_vetoes_1946_sept2022.csv" in out


def test_cli_trace_prints_and_refuses_unknown_claims_and_fields(audit_root, capsys):
    assert main(["trace", "RC1.estimate", "--root", str(audit_root)]) == 0
    assert "prif_hmi_v0-3_interventions.xlsx" in capsys.readouterr().out
    assert main(["trace", "XX9.estimate", "--root", str(audit_root)]) == 2
    err = capsys.readouterr().err
    assert "unknown claim 'XX9'" in err and "RC1" in err and "Traceback" not in err
    assert main(["trace", "RC1.no_such_field", "--root", str(audit_root)]) == 2
    err = capsys.readouterr().err
    assert "claim RC1 has no field 'no_such_field'" in err and "primary_detail" in err
    assert main(["trace", "RC1.primary.estimate.deeper", "--root", str(audit_root)]) == 2
    assert "is a value, not a record" in capsys.readouterr().err
    assert main(["trace", "--root", str(audit_root)]) == 2
    assert "name a claim result field" in capsys.readouterr().err


def test_cli_trace_runs_as_a_program(audit_root):
    p = subprocess.run(
        [sys.executable, "-m", "analysis", "trace", "LB1.n", "--root", str(audit_root)],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert p.returncode == 0, p.stderr
    assert p.stdout.startswith(f"LB1.primary.n = {_result(audit_root, 'LB1')['primary']['n']}")


# ------------------------------------------------------------------ field paths (fixtures in code)


def test_resolve_field_rules():
    r = {
        "id": "X1",
        "primary": {"estimate": 0.25, "n": 8},
        "primary_detail": {"periods": [{"period": "before", "k": 1}, {"period": "2011", "k": 2}]},
    }
    assert resolve_field(r, "estimate") == (["primary", "estimate"], 0.25)
    assert resolve_field(r, None) == (["primary", "estimate"], 0.25)
    assert resolve_field(r, "primary_detail.periods.1.k")[1] == 2
    assert resolve_field(r, "primary_detail.periods.2011.k")[1] == 2  # by value (2011 is no position)
    assert resolve_field(r, "primary_detail.periods.before.k")[1] == 1
    assert resolve_field(r, "primary_detail.periods.*.k")[1] == [1, 2]
    with pytest.raises(DataError, match="no 'later' in primary_detail.periods"):
        resolve_field(r, "primary_detail.periods.later.k")


# ------------------------------------------------------------------ --list


DOC = """---
title: "t"
---

```{python}
C = {cid: R.claim(cid, results) for cid in IDS}
rc1 = C["RC1"]
gov = rc1["primary_detail"]["against_government"]
dep = {d["period"]: d for d in rc1["primary_detail"]["periods"]}
pre = [r for r in C.values() if not r.get("exploratory")]


def section(cid):
    r = C[cid]
    return Markdown(f"{r['hypothesis']} {R.num(r['primary']['p_value'])}")
```

# First part {#sec-one}

Share `{python} R.estimate(rc1)`; against governments `{python} gov["k"]` of `{python} gov["n"]`.

## Second part

In 2011 `{python} dep["2011"]["k"]`; `{python} len(pre)` pre-declared; `{python} C["LB1"]["primary"]["n"]`.

```{python}
section("MH1")
```
"""


def test_scan_document_finds_fields_sections_and_lines(tmp_path):
    doc = tmp_path / "paper.qmd"
    doc.write_text(DOC, encoding="utf-8")
    got = {(u.field, u.section, u.line) for u in scan_document(doc, ["RC1", "MH1", "LB1"])}
    one, two = "First part", "Second part"
    assert got == {
        ("RC1.primary.estimate", one, 20),
        ("RC1.primary.ci_low", one, 20),
        ("RC1.primary.ci_high", one, 20),
        ("RC1.primary.n", one, 20),
        ("RC1.primary_detail.against_government.k", one, 20),
        ("RC1.primary_detail.against_government.n", one, 20),
        ("RC1.primary_detail.periods.2011.k", two, 24),
        # len(pre): the number is a count of the claims not marked exploratory
        ("RC1.exploratory", two, 24),
        ("MH1.exploratory", two, 24),
        ("LB1.exploratory", two, 24),
        ("LB1.primary.n", two, 24),
        ("MH1.hypothesis", two, 27),
        ("MH1.primary.p_value", two, 27),
    }


def test_list_covers_the_documents_and_every_listed_field_exists(audit_root):
    uses = list_uses(ROOT)
    where = {(u.field, u.document, u.section) for u in uses}
    assert ("RC1.primary.estimate", "policy-paper.qmd", "Regime change and the Libya precedent") in where
    assert ("MH1.primary.estimate", "policy-paper.qmd", "Moral hazard") in where
    assert ("RC1.primary.estimate", "appendix.qmd", "RC1") in where
    assert {u.document for u in uses} >= {"policy-paper.qmd", "appendix.qmd"}
    # every field listed for the claims built here is one `r2p trace` resolves (a field under a
    # record the result leaves empty, such as an exploratory claim's declaration, is read only
    # when present)
    for u in uses:
        cid, _, fld = u.field.partition(".")
        if cid not in AUDIT_CLAIMS:
            continue
        r = _result(audit_root, cid)
        parts = fld.split(".")
        for k in range(1, len(parts)):
            try:
                _, parent = resolve_field(r, ".".join(parts[:k]))
            except DataError:
                break
            if parent in (None, [], {}):
                break
        else:
            resolve_field(r, fld)
            continue
        resolve_field(r, ".".join(parts[:k]))  # the parent exists, and is empty


def test_cli_list(capsys):
    assert main(["trace", "--list"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("# ") and out[1] == "FIELD\tDOCUMENT\tSECTION\tLINE"
    assert any(line.startswith("LB1.primary.estimate\tpolicy-paper.qmd\t") for line in out)
    assert any(line.startswith("file:briefs/{slug}.json:") for line in out)  # other result files, kept apart

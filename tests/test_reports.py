"""The real report documents: dataset strings are escaped in HTML and PDF; brief data are right."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from analysis import ROOT
from analysis.briefs import case_brief, checklist, conditions_summary
from analysis.checklist import load_rules

EVIL = "<script>alert(1)</script> #set page(fill: red) $x$ @label *bold*"


def _case(**kw) -> pd.Series:
    base = dict(
        case_id=EVIL,
        slug="evil-case",
        target_country="Atlantis <b>",
        target_area=None,
        gwcode=620,
        start_date=pd.Timestamp("2011-03-19"),
        end_date=pd.Timestamp("2011-10-23"),
        ongoing=False,
        start_year=2011,
        end_year=2011,
        duration_days=218,
        interveners=["NATO", "#strong[Qatar]"],
        p5=True,
        p5_members=[],
        mandate=True,
        unsc_label="mandate or approval",
        target_label="against government",
        regime_change=True,
        status_label="clear case",
        regional_org_label="yes",
        saving=True,
        source_file="prif-hmi-0.3/x.xlsx",
        source_row=25,
    )
    base.update(kw)
    return pd.Series(base)


def _cy() -> pd.DataFrame:
    years = list(range(2006, 2016))
    return pd.DataFrame(
        {
            "year": years,
            "battle_deaths_best": [0.0] * 5 + [3762.0, 0, 305, 0, 0],
            "osv_gov_best": [0.0] * 5 + [152.0, 0, 0, 0, 0],
            "osv_nonstate_best": [0.0] * 10,
        }
    )


def _osv() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "year": [2011, 2011, 1990],
            "actor_name": [EVIL, "Government of Libya", "Old"],
            "is_government_actor": [False, True, True],
            "best": [30.0, 152.0, 99.0],
            "gwno_location_list": [["620"], ["620"], ["620"]],
        }
    )


def _checklist(
    case_id: str = EVIL, values=("met", "met", "met", "not met", "cannot be coded from these data")
) -> pd.DataFrame:
    """A checklist table (the schema's columns) for one intervention, built in code."""
    basis = ["source", "source", "by construction", "source", "source"]
    rows = [
        {
            "case_id": case_id,
            "slug": "evil-case",
            "condition": n,
            "short": f"short {n}",
            "value": v,
            "basis": b,
            "counts_as_evidence": b == "source" and v != "cannot be coded from these data",
            "timing": "at the start",
            "source": f"PRIF {EVIL}",
            "rule": "r",
            "resolution": 1973 if n == 1 else None,
            "note": f"note {n} {EVIL}",
        }
        for n, (v, b) in enumerate(zip(values, basis), start=1)
    ]
    df = pd.DataFrame(rows)
    df["resolution"] = df["resolution"].astype("Int64")
    return df


def test_case_brief_numbers_and_checklist():
    b = case_brief(_case(), _cy(), _osv(), ["0.3"], 2024, _checklist())
    fat = {f["period"]: f for f in b["fatalities"]}
    assert fat["during"]["battle_deaths_best"] == 3762 and fat["3 years after"]["battle_deaths_best"] == 305
    assert fat["3 years before"]["osv_gov_best"] == 0
    assert [p["actor"] for p in b["perpetrators"]] == ["Government of Libya", EVIL]  # 1990 is outside the window
    cells = {c["n"]: (c["value"], c["evidence"]) for c in b["checklist"]}
    assert cells == {
        1: ("met", True),
        2: ("met", True),
        3: ("met", False),
        4: ("not met", True),
        5: ("cannot be coded from these data", False),
    }
    assert b["checklist"][0]["resolution"] == 1973
    # an intervention the checklist does not hold (not in PRIF v0.3) has no cells
    assert checklist("elsewhere", _checklist()) == []


def test_fatalities_outside_ucdp_coverage_are_not_stated():
    cy = _cy().assign(year=lambda d: d.year - 30)  # 1976-1985: before UCDP coverage
    cy[["battle_deaths_best", "osv_gov_best", "osv_nonstate_best"]] = float("nan")
    b = case_brief(
        _case(
            start_year=1979, end_year=1979, start_date=pd.Timestamp("1979-01-01"), end_date=pd.Timestamp("1979-06-01")
        ),
        cy,
        _osv(),
        ["0.3"],
        2024,
        _checklist(),
    )
    assert all(f["battle_deaths_best"] is None for f in b["fatalities"])


def test_conditions_summary_counts():
    hmi = pd.DataFrame(
        [
            dict(_case(), release="0.3", regional_org=1, start_year=2011),
            dict(
                _case(case_id="B", mandate=False, regime_change=False), release="0.3", regional_org=0, start_year=1990
            ),
        ]
    )
    table = pd.concat(
        [_checklist(), _checklist("B", ("not met", "cannot be coded from these data", "met", "met", "met"))]
    )
    s = conditions_summary(hmi, table, load_rules())
    per = {p["n"]: p for p in s["per_condition"]}
    assert (per[1]["met"], per[1]["not_met"], per[1]["counted_as_evidence"]) == (1, 1, 2)
    assert (per[2]["met"], per[2]["cannot_be_coded"], per[2]["counted_as_evidence"]) == (1, 1, 1)
    assert per[3]["met"] == 2 and per[3]["counted_as_evidence"] == 0  # by construction: never evidence
    assert s["regime_change_with_mandate"] == [EVIL] and s["regime_change_rows"][EVIL]["c4"] == "not met"
    assert s["first_start_year"] == 1990 and len(s["conditions"]) == 5 and s["n_interventions"] == 2


@pytest.mark.slow
def test_brief_escapes_dataset_strings(tmp_path):
    """A case id and actor name with HTML and Typst markup render as literal text."""
    import shutil

    from analysis.render import render

    res = tmp_path / "results"
    b = case_brief(_case(), _cy(), _osv(), ["0.3"], 2024, _checklist())
    (res / "briefs").mkdir(parents=True)
    (res / "briefs" / "evil-case.json").write_text(json.dumps(b))
    figs = res / "figures" / "briefs"
    figs.mkdir(parents=True)
    fixture = ROOT / "tests" / "fixtures" / "render" / "charts"
    shutil.copyfile(fixture / "decades.vl.json", figs / "evil-case.vl.json")
    shutil.copyfile(fixture / "decades.svg", figs / "evil-case.svg")
    out = tmp_path / "out"
    paths = render(
        ROOT / "reports" / "brief.qmd",
        to=("html", "pdf"),
        out_dir=out,
        params={"slug": "evil-case", "results": str(res)},
        engine="builtin",
    )
    html = " ".join((out / "brief.html").read_text(encoding="utf-8").split())  # pandoc's line wrapping aside
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "#strong[Qatar]" in html and "Atlantis &lt;b&gt;" in html
    from pypdf import PdfReader

    text = " ".join(" ".join(p.extract_text().split()) for p in PdfReader(out / "brief.pdf").pages)
    assert "<script>alert(1)</script>" in text  # literal text, not markup
    assert "#set page(fill: red)" in text and "#strong[Qatar]" in text
    assert len(paths) == 2


@pytest.mark.slow
def test_citations_inside_callouts_are_formatted_in_both_formats(tmp_path):
    from pypdf import PdfReader

    from analysis.render import render

    render(
        ROOT / "tests" / "fixtures" / "render" / "callout-cite.qmd",
        to=("html", "pdf"),
        out_dir=tmp_path,
        engine="builtin",
    )
    text = " ".join(PdfReader(tmp_path / "callout-cite.pdf").pages[0].extract_text().split())
    assert "Gromes and Dembinski (2019; see also Brozus 2012)" in text
    html = (tmp_path / "callout-cite.html").read_text(encoding="utf-8")
    assert "Gromes and Dembinski" in html and "@gromes2019hmi" not in html


def test_pipe_table_relative_widths():
    from analysis.reporting import pipe_table

    t = pipe_table(["", "Condition", "Case"], [[1, "a*b", "met"]], "rll", widths=[1, 4, 2])
    lines = t.splitlines()
    assert lines[1] == "|---:|:------------|:------|"  # pandoc reads the widths from the dashes
    assert lines[2] == r"| 1 | a\*b | met |"
    assert pipe_table(["a", "b"], [], "ll").splitlines()[1] == "|:---|:---|"  # default: equal
    with pytest.raises(ValueError):
        pipe_table(["a", "b"], [], "ll", widths=[1])


def test_identity_block_names_version_every_source_date_and_citation(monkeypatch):
    """Each document's "About this document" block: the software version (one value in
    pyproject.toml, analysis.__version__ and CITATION.cff), every registered source with its
    version, the declared date, and how to cite."""
    import tomllib

    import yaml

    import analysis
    from analysis import ROOT
    from analysis import reporting as R

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")  # 2026-01-01
    cff = yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    version = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]
    assert cff["version"] == analysis.__version__ == version
    sources = yaml.safe_load((ROOT / "config" / "sources.yaml").read_text(encoding="utf-8"))["sources"]
    full = R.identity_block(R.document_title("policy-paper"))
    brief = R.identity_block("Intervention brief: Libya 2011", compact=True)
    for text in (full, brief):
        assert f"r2p-evidence {version}" in text and "2026-01-01" in text and "(2026)" in text
        assert f"({len(sources)} sources" in text and "**Cite as.**" in text
    assert R.document_title("policy-paper") == "Does the Evidence Behind R2P Hold Up?"
    assert all(f"`{s['id']}`" in brief for s in sources)
    from analysis.render import md_escape

    assert all(md_escape(s["title"]) in full for s in sources)
    monkeypatch.delenv("SOURCE_DATE_EPOCH")
    assert R.document_date() == str(yaml.safe_load((ROOT / "reports" / "_quarto.yml").read_text())["date"])

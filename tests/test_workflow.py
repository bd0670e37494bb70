"""End to end: `snakemake -c2 data` from a clean copy, twice; byte-identical outputs; reruns.

This is the slowest test (a few minutes): it runs the real workflow on the real data.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from analysis import ROOT
from analysis.sources import resolve_mirror

pytestmark = pytest.mark.slow


def _clean_copy(dest: Path) -> Path:
    files = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout.split(b"\0")
    for f in filter(None, files):
        src = ROOT / f.decode()
        if src.is_file():
            (dest / f.decode()).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / f.decode())
    return dest


def _snakemake(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, R2P_DATA_MIRROR=str(resolve_mirror()))
    return subprocess.run(["snakemake", "-c2", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=1800)


def _hashes(d: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(d.iterdir()) if p.is_file()}


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory):
    """Two clean copies, each running the whole default target (data, claims, reports)."""
    runs = []
    for name in ("a", "b"):
        wd = _clean_copy(tmp_path_factory.mktemp(f"clone_{name}"))
        res = _snakemake(wd)
        assert res.returncode == 0, (res.stdout + res.stderr)[-6000:]
        runs.append(wd)
    return runs


def _all_hashes(wd: Path, sub: str) -> dict[str, str]:
    root = wd / sub
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def test_data_target_builds_every_contract_table(two_runs):
    processed = two_runs[0] / "data" / "processed"
    names = {p.name for p in processed.iterdir()}
    for required in (
        "hmi_cases.parquet",
        "hmi_release_diff.csv",
        "imi_interventions.parquet",
        "country_year.parquet",
        "crosswalk_report.csv",
        "datapackage.json",
    ):
        assert required in names
    # every rule wrote its log
    assert any((two_runs[0] / "logs" / "clean").iterdir())


def test_two_clean_runs_are_byte_identical(two_runs):
    a, b = (_hashes(r / "data" / "processed") for r in two_runs)
    assert a == b
    assert len(a) >= 30


def test_claim_results_and_reports_are_byte_identical(two_runs):
    a, b = (_all_hashes(r, "results") for r in two_runs)
    assert a == b and "claims/verdicts.csv" in a and "claims/spec_curve.parquet" in a
    a, b = (_all_hashes(r, "reports/_output") for r in two_runs)
    assert a == b
    assert {"policy-paper.html", "policy-paper.pdf", "appendix.html", "appendix.pdf"} <= set(a)
    assert sum(1 for k in a if k.startswith("briefs/") and k.endswith(".pdf")) == 41


def test_published_documents_look_complete(two_runs):
    out = two_runs[0] / "reports" / "_output"
    html = (out / "policy-paper.html").read_text(encoding="utf-8")
    # the inlined Vega code uses `??`; numbering uses a no-break space, as Quarto's does
    text_html = re.sub(r"(?s)<script.*?</script>", "", html).replace("\xa0", " ")
    assert "??" not in text_html and "Figure 1" in text_html and "Table 1" in text_html
    assert not re.search(r"<(script|link|img)[^>]+(src|href)=[\"']https?://", html)
    from pypdf import PdfReader

    text = "".join(p.extract_text() for p in PdfReader(out / "policy-paper.pdf").pages).replace("\xa0", " ")
    assert "Figure 1" in text and "References" in text and "??" not in text
    for cid in ("RC1", "MH2", "LB1", "CC1"):
        assert cid in text
    # issue 17: the Council sections, each with its chart and verdict, and the appendix's coding tables
    flat = re.sub(r"\s+", " ", text_html)
    for heading in ("The Council after Libya", "Accountability of the mandate-taker", "Regional organisations"):
        assert heading in flat and heading in text, heading
    for title in (
        "Consensus on Chapter VII resolutions",
        "Reporting duties in force authorisations",
        "Regional organisations named in resolutions",
    ):
        assert title in html, title
    # a number taken from results/ sits in a span naming its source (issue 20): read the text without them
    assert "Resolution 1973 passed 10-0-5" in re.sub(r"</?span[^>]*>", "", flat)
    assert flat.count("exploratory (declared after its result had been seen)") >= 3
    appendix = re.sub(r"</?span[^>]*>", "", (out / "appendix.html").read_text(encoding="utf-8"))
    appendix = re.sub(r"<[^>]+>", " ", appendix).replace("\xa0", " ")
    appendix = re.sub(r"\s+", " ", appendix)
    for cell in (
        "Sample (n = 103)",
        "Hold-out (n = 30)",
        "force authorised (force_auth)",
        "1.00 / 0.97 (39 of 40, 0 false)",
        "adopted resolution not in the texts",
    ):
        assert cell in appendix, cell
    brief = "".join(p.extract_text() for p in PdfReader(out / "briefs" / "libya-2011.pdf").pages)
    assert "Intervention brief: Libya 2011" in brief and "NATO" in brief


def test_snakemake_report_holds_the_annotated_outputs(two_runs):
    """`snakemake --report report.zip` on a built tree: the verdict table, every chart, the
    documents and the data-package descriptor, grouped by category, with captions; no processed
    table (some sources forbid redistribution). Runs before the tests below edit the trees."""
    import zipfile

    wd = two_runs[0]
    res = _snakemake(wd, "--report", "report.zip")
    assert res.returncode == 0, (res.stdout + res.stderr)[-4000:]
    with zipfile.ZipFile(wd / "report.zip") as z:
        names = z.namelist()
        page = z.read("report/report.html").decode("utf-8")
    files = [Path(n).name for n in names if n.startswith("report/data/raw/")]
    assert {
        "verdicts.csv",
        "verdicts.html",
        "spec_curve.parquet",
        "findings.json",
        "RC1.json",
        "spec_curve_RC1.svg",
        "hmi_timeline.svg",
        "rc1_breakdown.svg",
        "policy-paper.html",
        "policy-paper.pdf",
        "appendix.html",
        "appendix.pdf",
        "libya-2011.html",
        "libya-2011.pdf",
        "datapackage.json",
    } <= set(files)
    n_claims = len(list((wd / "results" / "claims" / "curves").glob("*.parquet")))
    assert sum(f.startswith("spec_curve_") and f.endswith(".svg") for f in files) == n_claims
    assert sum(f.endswith(".svg") for f in files) >= n_claims + 41 + 4  # curves, per-intervention, data charts
    assert sum(f.endswith(".pdf") for f in files) == 41 + 2
    assert [f for f in files if f.endswith(".parquet")] == ["spec_curve.parquet"]
    for text in (
        "Per-claim results",
        "Specification curves",
        "Intervention briefs",
        "Processed data",
        "r2p-evidence: a record of the run",
        "The verdict table: one row per claim",
        "figures_claims",
    ):
        assert text in page, text


def test_editing_one_document_rerenders_only_it(two_runs):
    wd = two_runs[1]
    qmd = wd / "reports" / "appendix.qmd"
    qmd.write_text(qmd.read_text(encoding="utf-8") + "\nA sentence added by an editor.\n", encoding="utf-8")
    res = _snakemake(wd, "-n")
    out = res.stdout + res.stderr
    assert "wildcards: doc=appendix" in out and "doc=policy-paper" not in out
    assert "rule brief:" not in out and "rule briefs_execute" not in out and "rule briefs_render" not in out
    assert "rule claim" not in out, out[-3000:]


def test_rerun_does_nothing_and_one_raw_change_reruns_only_dependents(two_runs):
    wd = two_runs[0]
    res = _snakemake(wd, "-n")
    assert res.returncode == 0 and "Nothing to be done" in res.stdout + res.stderr
    # a changed raw file reruns its cleaners and what depends on them, nothing else
    # (Snakemake compares checksums, so the content must change, not only the mtime)
    raw = wd / "data" / "raw" / "unsc-vetoes" / "unsc_vetoes_1946_sept2022.csv"
    raw.write_bytes(raw.read_bytes() + b"\n")
    res = _snakemake(wd, "-n", "data")
    out = res.stdout + res.stderr
    jobs = set(re.findall(r"wildcards: table=(\w+)", out))
    # the veto list also feeds the meetings outcomes joined to it (issue 17), and the panel's
    # crosswalk report maps the vetoing members named there; nothing else reruns
    assert jobs == {
        "unsc_vetoes",
        "unsc_vetoes_by_member",
        "unsc_outcomes",
        "unsc_outcome_vetoes",
        "unsc_meetings_join_report",
    }, out[-3000:]
    assert "rule country_year" in out and "rule hmi_release_diff" not in out
    assert "rule datapackage" in out


# ------------------------------------------------------------------ the documents say no more than the verdicts

#: words that claim more than an inconclusive verdict allows (the claims issue's list)
OVERSTATEMENTS = (
    "stands out",
    " shows",
    "proves",
    "confirms",
    "the exception",
    "have the numbers on their side",
    "rarely set out to",
    "under the registry's decision rule",
    "is supported",
    "is contradicted",
)


def _fabricate(src: Path, dest: Path, verdict: str, finding: str) -> Path:
    """A copy of `results/` in which every claim has `verdict` and every finding `finding`."""
    import json

    shutil.copytree(src, dest)
    for p in (dest / "claims").glob("*.json"):
        r = json.loads(p.read_text(encoding="utf-8"))
        if p.name == "findings.json":
            for f in r["findings"]:
                f["finding"], f["reason"] = finding, "fabricated for a test"
                f["verdicts"] = {c: verdict for c in f["verdicts"]}
        else:
            r["verdict"] = verdict
            r["verdict_reason"] = "fabricated for a test (data too thin)"
        p.write_text(json.dumps(r), encoding="utf-8")
    return dest


def _render_text(wd: Path, doc: str, results: Path, out: Path) -> str:
    env = dict(os.environ, R2P_DATA_MIRROR=str(resolve_mirror()))
    res = subprocess.run(
        [
            "python",
            "-m",
            "analysis",
            "render",
            f"reports/{doc}.qmd",
            "--to",
            "html",
            "--engine",
            "builtin",
            "--out-dir",
            str(out),
            "-P",
            f"results:{results}",
        ],
        cwd=wd,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert res.returncode == 0, res.stderr[-3000:]
    html = (out / f"{doc}.html").read_text(encoding="utf-8")
    text = re.sub(r"(?s)<(script|style)\b.*?</\1>", " ", html)
    text = re.sub(r"<[^>]+>", " ", text).replace("\xa0", " ").replace("\u2019", "'")
    return re.sub(r"\s+", " ", text)


def test_documents_say_no_more_than_the_verdicts(two_runs, tmp_path):
    wd = two_runs[0]
    fake = _fabricate(wd / "results", tmp_path / "inconclusive", "inconclusive", "inconclusive")
    paper = _render_text(wd, "policy-paper", fake, tmp_path / "out1")
    for phrase in OVERSTATEMENTS:
        assert phrase not in paper, phrase
    # no recommendation rests on an inconclusive verdict
    rec = paper.split("Recommendations", 1)[1]
    assert "(rests on " not in rec and "No recommendation rests on RC1" in rec
    assert "neither confirm nor refute" in paper and "the debate about regime change should not rest on it" in paper
    appendix = _render_text(wd, "appendix", fake, tmp_path / "out2")
    for phrase in OVERSTATEMENTS[:-3]:
        assert phrase not in appendix, phrase

    # flipped the other way, the same sentences change with the verdicts
    fake2 = _fabricate(wd / "results", tmp_path / "contradicted", "contradicted", "contradicted")
    paper2 = _render_text(wd, "policy-paper", fake2, tmp_path / "out3")
    assert "does not bear out Brozus's reading" in paper2 and "consistent with Brozus's reading" not in paper2
    assert "At least one test contradicts the no-moral-hazard claim" in paper2
    assert "Do not rest the case for R2P" in paper2 and "rests on RC1: contradicted" in paper2
    # the real verdicts: the exploratory tests are presented as exploratory
    real = (wd / "reports" / "_output" / "policy-paper.html").read_text(encoding="utf-8")
    assert "exploratory (declared after its result had been seen)" in real


def test_frictionless_validates_the_data_package(two_runs):
    """`frictionless validate data/processed/datapackage.json` passes on a clean build: every
    table's types, pandera constraints (ranges, allowed values, required, keys), row counts."""
    import json
    import sys

    wd = two_runs[0] / "data" / "processed"
    exe = Path(sys.executable).with_name("frictionless")
    res = subprocess.run(
        [str(exe) if exe.exists() else "frictionless", "validate", "--json", "datapackage.json"],
        cwd=wd,
        capture_output=True,
        text=True,
        timeout=3600,
    )
    report = json.loads(res.stdout)
    bad = [(t["name"], e["type"], e.get("fieldName"), e["note"]) for t in report["tasks"] for e in t["errors"]][:10]
    assert res.returncode == 0 and report["valid"], bad or res.stderr[-2000:]
    pkg = json.loads((wd / "datapackage.json").read_text(encoding="utf-8"))
    assert len(report["tasks"]) == len(pkg["resources"])

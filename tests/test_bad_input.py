"""Bad input through the real CLI and cleaners: each error names source, file, column and row,
exits non-zero and leaves no processed output."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

from analysis import ROOT
from analysis.cli import main as cli
from analysis.sources import CACHE_NAME

SRC, FILE = "ucdp-acd-25.1", "UcdpPrioConflict_v25_1.csv"


@pytest.fixture()
def acd(raw_root, tmp_path):
    """A private raw tree holding a copy of the ACD file, and an empty output directory."""
    raw = tmp_path / "raw"
    (raw / SRC).mkdir(parents=True)
    shutil.copyfile(raw_root / SRC / FILE, raw / SRC / FILE)
    out = tmp_path / "processed"
    out.mkdir()
    return raw, out


def _rows(path: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))


def _write(path: Path, rows: list[list[str]]) -> None:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    path.write_text(buf.getvalue(), encoding="utf-8")


def _run(raw: Path, out: Path, capsys) -> str:
    rc = cli(["clean", "ucdp_acd", "--raw", str(raw), "--out", str(out), "--no-verify"])
    err = capsys.readouterr().err
    assert rc == 2, err
    assert f"source {SRC}" in err and f"file {FILE}" in err
    assert list(out.iterdir()) == [], "no processed output may be left behind"
    return err


def _edit(raw: Path, row: int, column: str, value: str) -> None:
    p = raw / SRC / FILE
    rows = _rows(p)
    rows[row][rows[0].index(column)] = value  # rows[0] is the header, so rows[row] is data row `row`
    _write(p, rows)


def test_truncated_csv(acd, capsys):
    raw, out = acd
    p = raw / SRC / FILE
    data = p.read_bytes()
    p.write_bytes(data[: len(data) - 40])  # cut inside the last record
    err = _run(raw, out, capsys)
    assert "truncated" in err


def test_renamed_column(acd, capsys):
    raw, out = acd
    p = raw / SRC / FILE
    text = p.read_text(encoding="utf-8")
    p.write_text(text.replace("type_of_conflict", "conflict_type", 1), encoding="utf-8")
    err = _run(raw, out, capsys)
    assert "column 'type_of_conflict'" in err


def test_unknown_code_value(acd, capsys):
    raw, out = acd
    _edit(raw, 17, "type_of_conflict", "7")
    err = _run(raw, out, capsys)
    assert "column 'type_of_conflict'" in err and "row 17" in err


def test_unparseable_date(acd, capsys):
    raw, out = acd
    _edit(raw, 5, "start_date", "1946-13-45")
    err = _run(raw, out, capsys)
    assert "column 'start_date'" in err and "row 5" in err


def test_duplicate_key(acd, capsys):
    raw, out = acd
    p = raw / SRC / FILE
    rows = _rows(p)
    rows.insert(11, list(rows[10]))  # data row 10 duplicated as data row 11
    _write(p, rows)
    err = _run(raw, out, capsys)
    assert "duplicate" in err and "conflict_id" in err and "10" in err and "11" in err


def test_missing_raw_file(tmp_path, capsys):
    out = tmp_path / "processed"
    out.mkdir()
    rc = cli(["clean", "ucdp_acd", "--raw", str(tmp_path / "nowhere"), "--out", str(out)])
    err = capsys.readouterr().err
    assert rc == 2 and f"source {SRC}" in err and "missing" in err
    assert list(out.iterdir()) == []


# --------------------------------------------------------------------------- the corpus
# Each case sets up one kind of bad input in a private tree (sources, the registry, the
# configuration, documents, the command line, the file system), runs the real `r2p`
# command (or `snakemake` where the workflow is the one to refuse), and asserts the exit
# status, the file (and column / row / key) the message names, and that the command's
# output location holds nothing new afterwards.


@pytest.fixture()
def proc(processed_dir, panel, tmp_path):
    """A private copy of processed tables (the panel's inputs and the panel)."""
    from analysis.io import write_parquet

    d = tmp_path / "proc"
    shutil.copytree(processed_dir, d)
    write_parquet(panel[0], d / "country_year.parquet")
    return d


def _corrupt(p: Path) -> None:
    data = p.read_bytes()
    p.write_bytes(data[: len(data) // 2] + b"\0garbage")


def _cli(args, capsys) -> tuple[int, str]:
    rc = cli(args)
    return rc, capsys.readouterr().err


def _listing(d: Path) -> set[str]:
    return {str(p.relative_to(d)) for p in d.rglob("*")} if d.exists() else set()


def _registry_copy(tmp_path: Path, edit) -> Path:
    data = yaml.safe_load((ROOT / "config" / "sources.yaml").read_text(encoding="utf-8"))
    edit(data)
    p = tmp_path / "sources.yaml"
    p.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return p


# --- sources: raw files -------------------------------------------------------------


def test_edited_raw_file_is_refused_by_the_cleaner(acd, capsys):
    raw, out = acd
    p = raw / SRC / FILE
    p.write_bytes(p.read_bytes().replace(b"Colombia", b"Colombie", 1))
    rc, err = _cli(["clean", "ucdp_acd", "--raw", str(raw), "--out", str(out)], capsys)
    assert rc == 2 and f"source {SRC}" in err and f"file {FILE}" in err and "not the registered version" in err
    assert list(out.iterdir()) == []


def test_edited_raw_file_with_the_same_size_and_mtime_is_caught(acd, capsys):
    # the stat-signature cache must not hide an edit that keeps size and mtime
    raw, out = acd
    p = raw / SRC / FILE
    rc, _ = _cli(["clean", "ucdp_acd", "--raw", str(raw), "--out", str(out)], capsys)
    assert rc == 0 and (raw / CACHE_NAME).exists()
    (out / "ucdp_acd.parquet").unlink()
    st = p.stat()
    data = bytearray(p.read_bytes())
    i = data.index(b"Colombia")
    data[i : i + 8] = b"Colombie"
    p.write_bytes(bytes(data))
    os.utime(p, ns=(st.st_atime_ns, st.st_mtime_ns))
    rc, err = _cli(["clean", "ucdp_acd", "--raw", str(raw), "--out", str(out)], capsys)
    assert rc == 2 and f"file {FILE}" in err and "sha256" in err
    assert list(out.iterdir()) == []


def test_empty_raw_csv(acd, capsys):
    raw, out = acd
    (raw / SRC / FILE).write_bytes(b"")
    rc, err = _cli(["clean", "ucdp_acd", "--raw", str(raw), "--out", str(out), "--no-verify"], capsys)
    assert rc == 2 and f"file {FILE}" in err and ("empty" in err or "cannot read" in err)
    assert list(out.iterdir()) == []


def test_header_only_raw_csv(acd, capsys):
    raw, out = acd
    p = raw / SRC / FILE
    p.write_text(p.read_text(encoding="utf-8").splitlines()[0] + "\n", encoding="utf-8")
    rc, err = _cli(["clean", "ucdp_acd", "--raw", str(raw), "--out", str(out), "--no-verify"], capsys)
    assert rc == 2 and f"file {FILE}" in err
    assert list(out.iterdir()) == []


def test_non_numeric_value_in_a_numeric_column(acd, capsys):
    raw, out = acd
    _edit(raw, 8, "year", "nineteen")
    rc, err = _cli(["clean", "ucdp_acd", "--raw", str(raw), "--out", str(out), "--no-verify"], capsys)
    assert rc == 2 and f"file {FILE}" in err and "'year'" in err
    assert list(out.iterdir()) == []


def test_corrupt_r_data_file(raw_root, tmp_path, capsys):
    raw = tmp_path / "raw"
    (raw / "gw-states").mkdir(parents=True)
    (raw / "gw-states" / "gw_states.rda").write_bytes(b"RDX2\nthis is not R data" * 10)
    out = tmp_path / "out"
    rc, err = _cli(["clean", "gw_states", "--raw", str(raw), "--out", str(out), "--no-verify"], capsys)
    assert rc == 2 and "source gw-states" in err and "file gw_states.rda" in err
    assert _listing(out) == set()


def test_fetch_mirror_copy_with_wrong_checksum_and_no_download(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("R2P_DATA_MIRROR", raising=False)  # the environment's mirror would win over --mirror
    mirror = tmp_path / "mirror"
    (mirror / SRC).mkdir(parents=True)
    (mirror / SRC / FILE).write_bytes(b"not the file\n")
    raw = tmp_path / "raw"
    rc, err = _cli(["fetch", SRC, FILE, "--raw", str(raw), "--mirror", str(mirror), "--no-download"], capsys)
    assert rc == 2 and f"source {SRC}" in err and f"file {FILE}" in err and "size" in err
    assert _listing(raw) - {SRC} == set()


def test_fetch_unknown_source(tmp_path, capsys):
    rc, err = _cli(["fetch", "no-such-source", "--raw", str(tmp_path / "raw")], capsys)
    assert rc == 2 and "source no-such-source" in err and "unknown source id" in err
    assert not (tmp_path / "raw").exists()


def test_fetch_into_read_only_raw_directory(tmp_path, capsys, monkeypatch):
    raw = tmp_path / "raw"
    (raw / SRC).mkdir(parents=True)
    raw.chmod(0o555)
    (raw / SRC).chmod(0o555)
    if os.geteuid() == 0:  # root ignores permissions: the file system refuses as a read-only mount would
        import tempfile

        real = tempfile.mkstemp

        def refuse(*a, dir=None, **kw):
            if dir is not None and Path(dir).resolve().is_relative_to(raw.resolve()):
                raise PermissionError(13, "Permission denied", str(dir))
            return real(*a, dir=dir, **kw)

        monkeypatch.setattr(tempfile, "mkstemp", refuse)
    try:
        rc, err = _cli(["fetch", SRC, FILE, "--raw", str(raw), "--no-download"], capsys)
    finally:
        raw.chmod(0o755)
        (raw / SRC).chmod(0o755)
    assert rc == 2 and f"file {FILE}" in err and "Permission denied" in err
    assert _listing(raw) == {SRC}


def test_fetch_into_raw_path_that_is_a_file(tmp_path, capsys):
    raw = tmp_path / "raw"
    raw.write_text("a file where a directory should be\n")
    rc, err = _cli(["fetch", SRC, FILE, "--raw", str(raw), "--no-download"], capsys)
    assert rc == 2 and f"file {FILE}" in err
    assert raw.read_text() == "a file where a directory should be\n"


# --- the source registry ------------------------------------------------------------


@pytest.mark.parametrize(
    "edit, needle",
    [
        (lambda d: d["sources"][0]["files"][0].__setitem__("sha256", "xyz"), "sha256"),
        (lambda d: d["sources"][1].__setitem__("id", d["sources"][0]["id"]), "duplicate source id"),
        (lambda d: d["sources"][0].pop("citation"), "citation"),
        (lambda d: d["sources"][0]["files"][0].__setitem__("bytes", -5), "bytes"),
        (
            lambda d: d["sources"][3]["coverage"].update(first=2024, last=1946),
            "sources/3/coverage (source ucdp-acd-25.1): first year 2024 is after last year 1946",
        ),
        (lambda d: d["sources"][3].pop("coverage"), "'coverage' is a required property"),
    ],
    ids=["bad-sha256", "duplicate-id", "missing-key", "negative-size", "coverage-reversed", "coverage-missing"],
)
def test_registry_errors(edit, needle, tmp_path, capsys):
    reg = _registry_copy(tmp_path, edit)
    raw = tmp_path / "raw"
    rc, err = _cli(["fetch", "--registry", str(reg), "--raw", str(raw), "--no-download"], capsys)
    assert rc == 2 and f"file {reg}" in err and needle in err
    assert not raw.exists()


def test_registry_that_is_not_yaml(tmp_path, capsys):
    reg = tmp_path / "sources.yaml"
    reg.write_text("sources:\n  - id: x\n    files: [unclosed\n", encoding="utf-8")
    rc, err = _cli(["fetch", "--registry", str(reg), "--raw", str(tmp_path / "raw")], capsys)
    assert rc == 2 and f"file {reg}" in err and "line" in err and "Traceback" not in err
    assert not (tmp_path / "raw").exists()


def test_registry_missing(tmp_path, capsys):
    rc, err = _cli(["fetch", "--registry", str(tmp_path / "nope.yaml"), "--raw", str(tmp_path / "raw")], capsys)
    assert rc == 2 and "nope.yaml" in err
    assert not (tmp_path / "raw").exists()


# --- processed tables and results ---------------------------------------------------


@pytest.mark.parametrize("name", ["crosswalk", "ucdp_brd", "hmi_cases"])
def test_corrupt_processed_table_for_the_panel(name, proc, tmp_path, capsys):
    _corrupt(proc / f"{name}.parquet")
    out = tmp_path / "out"
    rc, err = _cli(
        [
            "panel",
            "--processed",
            str(proc),
            "--first-year",
            "1946",
            "--last-year",
            "2024",
            "--output",
            str(out / "cy.parquet"),
            "--report",
            str(out / "rep.csv"),
        ],
        capsys,
    )
    assert rc == 2 and f"{name}.parquet" in err and "Parquet" in err and "Traceback" not in err
    assert _listing(out) == set()


def test_missing_processed_table_for_the_panel(proc, tmp_path, capsys):
    (proc / "gwf.parquet").unlink()
    out = tmp_path / "out"
    rc, err = _cli(
        [
            "panel",
            "--processed",
            str(proc),
            "--first-year",
            "1946",
            "--last-year",
            "2024",
            "--output",
            str(out / "cy.parquet"),
            "--report",
            str(out / "rep.csv"),
        ],
        capsys,
    )
    assert rc == 2 and "gwf.parquet" in err and "missing" in err
    assert _listing(out) == set()


@pytest.mark.parametrize(
    "first, last, needle",
    [(2024, 1946, "after panel.last_year"), (1946, 2030, "2030"), (1500, 2024, "1500")],
    ids=["reversed", "after-the-data", "before-the-data"],
)
def test_panel_years_out_of_range(first, last, needle, proc, tmp_path, capsys):
    out = tmp_path / "out"
    rc, err = _cli(
        [
            "panel",
            "--processed",
            str(proc),
            "--first-year",
            str(first),
            "--last-year",
            str(last),
            "--output",
            str(out / "cy.parquet"),
            "--report",
            str(out / "rep.csv"),
        ],
        capsys,
    )
    assert rc == 2 and needle in err
    assert _listing(out) == set()


def test_corrupt_table_for_the_release_diff(proc, tmp_path, capsys):
    _corrupt(proc / "hmi_cases.parquet")
    out = tmp_path / "diff.csv"
    rc, err = _cli(["release-diff", "--cases", str(proc / "hmi_cases.parquet"), "--output", str(out)], capsys)
    assert rc == 2 and "hmi_cases.parquet" in err
    assert not out.exists()


def test_corrupt_table_for_the_brief_data(proc, tmp_path, capsys):
    _corrupt(proc / "ucdp_onesided.parquet")
    out = tmp_path / "results"
    rc, err = _cli(["briefs-data", "--processed", str(proc), "--out", str(out)], capsys)
    assert rc == 2 and "ucdp_onesided.parquet" in err
    assert _listing(out) == set()


def test_missing_table_for_the_data_figures(proc, tmp_path, capsys):
    out = tmp_path / "figures"  # unsc_vetoes_by_member is not among the panel's tables
    rc, err = _cli(["figures", "data", "--processed", str(proc), "--out", str(out)], capsys)
    assert rc == 2 and "unsc_vetoes_by_member.parquet" in err
    assert not (out / "index-data.json").exists() and not any(out.glob("briefs/*"))


def test_corrupt_table_for_a_claim(proc, tmp_path, capsys):
    _corrupt(proc / "hmi_cases.parquet")
    out = tmp_path / "claims"
    rc, err = _cli(["claim", "RC1", "--processed", str(proc), "--out", str(out)], capsys)
    assert rc == 2 and "hmi_cases.parquet" in err and "Traceback" not in err
    assert _listing(out) == set()


def test_unknown_claim_id(proc, tmp_path, capsys):
    out = tmp_path / "claims"
    rc, err = _cli(["claim", "XX9", "--processed", str(proc), "--out", str(out)], capsys)
    assert rc == 2 and "XX9" in err and "claims.yaml" in err
    assert _listing(out) == set()


def test_damaged_claim_result_for_the_summary(tmp_path, capsys):
    out = tmp_path / "claims"
    out.mkdir()
    (out / "RC1.json").write_text('{"id": "RC1", "verdict": ', encoding="utf-8")
    rc, err = _cli(["claims-summary", "RC1", "--out", str(out)], capsys)
    assert rc == 2 and "RC1.json" in err and "not valid JSON" in err
    assert _listing(out) == {"RC1.json"}


def test_missing_claim_result_for_the_summary(tmp_path, capsys):
    out = tmp_path / "claims"
    out.mkdir()
    rc, err = _cli(["claims-summary", "RC1", "--out", str(out)], capsys)
    assert rc == 2 and "RC1.json" in err and "missing" in err
    assert _listing(out) == set()


def test_damaged_claim_result_for_the_claim_figures(tmp_path, capsys):
    claims = tmp_path / "claims"
    claims.mkdir()
    pd.DataFrame({"claim_id": ["RC1"]}).to_parquet(claims / "spec_curve.parquet")
    (claims / "RC1.json").write_text("[1, 2", encoding="utf-8")
    out = tmp_path / "figures"
    rc, err = _cli(["figures", "claims", "--claims", str(claims), "--out", str(out)], capsys)
    assert rc == 2 and ".json" in err and "not valid JSON" in err or "missing" in err
    assert _listing(out) == set()


def test_datapackage_with_a_corrupt_table(proc, raw_root, tmp_path, capsys):
    from analysis import clean

    for name in clean.registry():  # the descriptor lists every cleaned table
        if not (proc / f"{name}.parquet").exists():
            (proc / f"{name}.parquet").write_bytes((proc / "gwf.parquet").read_bytes())
    _corrupt(proc / "polity5.parquet")
    out = tmp_path / "datapackage.json"
    rc, err = _cli(["datapackage", "--processed", str(proc), "--raw", str(raw_root), "--output", str(out)], capsys)
    assert rc == 2 and "polity5.parquet" in err
    assert not out.exists()


# --- the command line ---------------------------------------------------------------


def test_clean_unknown_table(tmp_path, capsys):
    out = tmp_path / "out"
    rc, err = _cli(["clean", "no_such_table", "--out", str(out)], capsys)
    assert rc == 2 and "no_such_table" in err and "known:" in err
    assert not out.exists()


@pytest.mark.parametrize(
    "args, needle",
    [
        (["--to", "docx"], "docx"),
        (["--to", ""], "unknown output format"),
        (["-P", "slug"], "KEY:VALUE"),
        (["--execute-only"], "--freeze-dir"),
        (["--each", "slug:a,b", "--frozen", "x.json"], "--frozen"),
        (["--each", "slug:a,b", "-M", "title:x"], "-M"),
    ],
    ids=[
        "to-docx",
        "to-empty",
        "param-without-value",
        "execute-only-without-dir",
        "frozen-with-each",
        "metadata-with-each",
    ],
)
def test_render_usage_errors(args, needle, tmp_path, capsys):
    out = tmp_path / "out"
    rc, err = _cli(["render", str(ROOT / "reports" / "brief.qmd"), "--out-dir", str(out), *args], capsys)
    assert rc == 2 and needle in err and "brief.qmd" in err
    assert not out.exists()


def test_render_missing_document(tmp_path, capsys):
    out = tmp_path / "out"
    rc, err = _cli(["render", str(tmp_path / "nope.qmd"), "--out-dir", str(out), "--engine", "builtin"], capsys)
    assert rc == 2 and "nope.qmd" in err
    assert _listing(out) == set()


def test_verify_reports_each_mismatch_by_file(tmp_path, capsys):
    # a workflow directory whose raw files are missing and whose processed table was edited
    proc = tmp_path / "data" / "processed"
    proc.mkdir(parents=True)
    (proc / "t.csv").write_text("a\n1\n", encoding="utf-8")
    (proc / "datapackage.json").write_text(
        json.dumps({"resources": [{"path": "t.csv", "hash": "sha256:" + "0" * 64, "bytes": 4}]}), encoding="utf-8"
    )
    (proc / "extra.parquet").write_bytes(b"x")
    rc, err = _cli(["verify", "--root", str(tmp_path)], capsys)
    assert rc == 1
    assert "data/processed/t.csv: sha256" in err and "data/processed/extra.parquet: not listed" in err
    assert f"data/raw/{SRC}/{FILE}: missing" in err


# --- the workflow: configuration, locks, the file system ------------------------------


def _sm_copy(tmp_path: Path) -> Path:
    """The workflow's own files (no data) in a private directory."""
    wd = tmp_path / "wf"
    for rel in ("Snakefile", "rules", "config", "profiles", "analysis", "envs", "reports"):
        src = ROOT / rel
        if src.is_dir():
            shutil.copytree(src, wd / rel, ignore=shutil.ignore_patterns("__pycache__", "_output", ".quarto"))
        else:
            (wd / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, wd / rel)
    return wd


def _sm(wd: Path, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, R2P_DATA_MIRROR=str(tmp_mirror_or_real()))
    return subprocess.run(
        [sys.executable, "-m", "snakemake", "-c1", *args], cwd=wd, env=env, capture_output=True, text=True, timeout=600
    )


def tmp_mirror_or_real() -> Path:
    from analysis.sources import resolve_mirror

    return resolve_mirror()


@pytest.mark.parametrize(
    "edit, needle",
    [
        ({"panel": {"first_year": 1946, "last_year": 2030}}, "panel.last_year 2030"),
        ({"panel": {"first_year": 2024, "last_year": 1946}}, "after panel.last_year"),
        ({"panel": {"first_year": 1946, "last_year": 2024}, "bogus": 1}, "config.schema.json"),
        ({"panel": {"first_year": "1946", "last_year": 2024}}, "config.schema.json"),
    ],
    ids=["last-year-2030", "reversed-years", "unknown-key", "year-as-string"],
)
def test_workflow_refuses_bad_configuration(edit, needle, tmp_path):
    wd = _sm_copy(tmp_path)
    cfg = yaml.safe_load((wd / "config" / "config.yaml").read_text(encoding="utf-8"))
    cfg.update(edit)
    (wd / "config" / "config.yaml").write_text(yaml.safe_dump(cfg), encoding="utf-8")
    res = _sm(wd, "data")
    out = res.stdout + res.stderr
    assert res.returncode == 2, out[-2000:]
    assert "config/config.yaml" in out and needle in out and "Traceback" not in out
    assert not (wd / "data").exists() and not (wd / "results").exists()


def _shrink_to_2020(d: dict) -> None:
    for src in d["sources"]:
        cov = src["coverage"]
        cov["last"] = min(cov["last"], 2020)
        cov.pop("last_date", None)
        for span in (cov.get("tables") or {}).values():
            span["last"] = min(span["last"], 2020)


@pytest.mark.parametrize(
    "edit, needle, named",
    [
        (
            lambda d: d["sources"][3]["coverage"].update(first=2024, last=1946),
            "sources/3/coverage (source ucdp-acd-25.1): first year 2024 is after last year 1946",
            "config/sources.yaml",
        ),
        (
            lambda d: d["sources"][3]["coverage"].update(last="2024"),
            "'2024' is not of type 'integer'",
            "config/sources.yaml",
        ),
        # the sources now end in 2020: the configuration's panel.last_year 2024 is after their data
        (_shrink_to_2020, "panel.last_year 2024 is after the last year any source covers (2020", "config/config.yaml"),
    ],
    ids=["coverage-reversed", "coverage-year-as-text", "panel-after-the-coverage"],
)
def test_workflow_refuses_bad_coverage_in_the_registry(edit, needle, named, tmp_path):
    wd = _sm_copy(tmp_path)
    reg = yaml.safe_load((wd / "config" / "sources.yaml").read_text(encoding="utf-8"))
    edit(reg)
    (wd / "config" / "sources.yaml").write_text(yaml.safe_dump(reg, sort_keys=False), encoding="utf-8")
    res = _sm(wd, "data")
    out = res.stdout + res.stderr
    assert res.returncode == 2, out[-2000:]
    assert named in out and needle in out and "Traceback" not in out
    assert not (wd / "data").exists() and not (wd / "results").exists()


def test_workflow_refuses_a_second_concurrent_run(tmp_path):
    import fcntl

    wd = _sm_copy(tmp_path)
    (wd / ".snakemake").mkdir()
    with open(wd / ".snakemake" / "r2p-run.lock", "a+") as fh:  # as a running workflow holds it
        fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        fh.write("12345\n")
        fh.flush()
        res = _sm(wd, "raw")
    out = res.stdout + res.stderr
    assert res.returncode != 0 and "another run of this workflow is active" in out and "12345" in out
    assert not (wd / "data").exists()
    # once the holder is gone (however it ended), a run proceeds and clears the stale
    # Snakemake locks a killed run left
    (wd / ".snakemake" / "locks").mkdir()
    (wd / ".snakemake" / "locks" / "0.input.lock").write_text("stale\n")
    res = _sm(wd, "data/raw/gw-states/gw_states.rda")
    assert res.returncode == 0, (res.stdout + res.stderr)[-2000:]
    assert (wd / "data/raw/gw-states/gw_states.rda").is_file()
    assert not (wd / ".snakemake" / "locks" / "0.input.lock").exists()


def test_stale_temporary_files_of_a_killed_run_are_swept(tmp_path):
    from analysis.guard import sweep_debris

    wd = tmp_path
    keep = [wd / "results/claims/RC1.json", wd / "reports/_output/briefs/libya-2011.pdf"]
    debris = [
        wd / "data/processed/.ucdp_acd.parquet.k3j2_x.tmp",
        wd / "results/.briefs-executed.ab12.tmpdir/x.json",
        wd / "reports/_output/.policy-paper-build-q8z1/policy-paper.md",
        wd / "reports/_output/briefs/.libya-2011-build-zz9/a.typ",
        wd / "results/.briefs.ab12.old/y.json",
    ]
    for p in keep + debris:
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text("x")
    sweep_debris(wd)
    assert all(p.exists() for p in keep)
    left = {str(p.relative_to(wd)) for p in wd.rglob("*") if p.is_file()}
    assert left == {str(p.relative_to(wd)) for p in keep}


# --- documents: the self-containment check ------------------------------------------


def test_self_containment_check_reads_attributes_not_text():
    from analysis.render import _resource_ref

    harmless = [
        '<p>Write <code>&lt;img src="https://example.org/x.png"&gt;</code> to load an image.</p>',
        '<img alt="it said src=https://example.org/x.png" src="data:image/png;base64,AAAA">',
        '<img data-src="https://example.org/lazy.png" src="data:image/svg+xml;base64,AAAA">',
        '<script>var s = "<img src=\\"https://example.org/x.png\\">";</script>',
        '<a href="https://example.org">a link is not a resource</a>',
    ]
    for html in harmless:
        assert _resource_ref(html) is None, html
    assert _resource_ref('<p>x</p><img src="https://example.org/x.png">')[1] == "https://example.org/x.png"
    assert _resource_ref('<script src="//cdn.example.org/vega.js"></script>')[1] == "//cdn.example.org/vega.js"
    assert _resource_ref('<link rel="stylesheet" href="style.css">')[1] == "style.css"


def test_document_whose_text_mentions_src_renders(tmp_path):
    from analysis.render import render

    fix = ROOT / "tests" / "fixtures" / "render"
    for name in ("_quarto.yml", "references.bib"):
        shutil.copy(fix / name, tmp_path / name)
    os.symlink((fix / "_extensions").resolve(), tmp_path / "_extensions")
    doc = tmp_path / "mentions.qmd"
    doc.write_text(
        '---\ntitle: Mentions\n---\n\nA page must not contain `<img src="https://example.org/x.png">`'
        ' or <code>href="https://example.org/s.css"</code>; this text only mentions them.\n',
        encoding="utf-8",
    )
    (html,) = render(doc, ("html",), tmp_path / "out", engine="builtin")
    assert "example.org/x.png" in html.read_text(encoding="utf-8")

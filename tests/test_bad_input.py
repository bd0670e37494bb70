"""Bad input through the real CLI and cleaners: each error names source, file, column and row,
exits non-zero and leaves no processed output."""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

import pytest

from analysis.cli import main as cli

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

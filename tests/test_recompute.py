"""Recompute from raw: the primary estimates of RC1, RC2, MH1 and LB1 from the raw files with
plain pandas and scipy (RC5 and RC6 from the processed PRIF table), independently of
`analysis.claims`, equal the results the workflow wrote."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from analysis import ROOT
from analysis.cli import main
from analysis.recompute import FROM_RAW, RECOMPUTE, recompute_claim


def _result(root: Path, cid: str) -> dict:
    return json.loads((root / "results" / "claims" / f"{cid}.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("cid", sorted(RECOMPUTE))
def test_primary_estimate_recomputed_independently_equals_the_result(audit_root, cid):
    rec = recompute_claim(cid, audit_root)
    r = _result(audit_root, cid)
    for f, ours, theirs, ok in rec.compare(r):
        assert ok, f"{cid} {f}: recomputed {ours!r}, result {theirs!r}"
    assert rec.report(r)[-1] == "all equal"
    if cid in FROM_RAW:
        assert all(not f.startswith("data/processed") for f in rec.raw_files)


def test_the_samples_are_the_same_rows(audit_root):
    """Not only the numbers: the recomputation selects the same cases the result lists."""
    d = {cid: _result(audit_root, cid)["primary_detail"] for cid in ("RC1", "RC2", "MH1", "LB1")}
    assert recompute_claim("RC1", audit_root).sample == sorted(c["case_id"] for c in d["RC1"]["regime_change_cases"])
    # RC2: IMI's intervention_id is the raw data row; the rows against the government
    rows = recompute_claim("RC2", audit_root).sample
    assert [int(s.split()[1]) for s in rows] == [c["intervention_id"] for c in d["RC2"]["cases_with_outcome"]]
    assert sorted(recompute_claim("MH1", audit_root).sample) == sorted(
        f"{c['case_id']}: {c['order']}" for c in d["MH1"]["cases"]
    )
    assert recompute_claim("LB1", audit_root).sample == [c["draft"] for c in d["LB1"]["drafts_counted"]]


def test_recomputation_shares_no_code_with_the_analysis():
    code = "import sys, analysis.recompute; print(sorted(m for m in sys.modules if m.startswith('analysis.')))"
    p = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    mods = eval(p.stdout)
    assert set(mods) <= {"analysis.recompute", "analysis.errors"}, mods


def test_cli_recompute_passes_and_catches_a_changed_raw_file(audit_root, tmp_path, capsys):
    assert main(["trace", "LB1", "--recompute", "--root", str(audit_root)]) == 0
    out = capsys.readouterr().out
    assert "7. Independent recomputation" in out and out.rstrip().endswith("all equal")
    # a copy of the workflow whose vetoes file lost one Russian veto of 2015 (S/2015/508, Srebrenica)
    root = tmp_path / "root"
    root.mkdir()
    for name in ("config", "analysis", "reports", "results"):
        (root / name).symlink_to((audit_root / name).resolve())
    (root / "data" / "raw" / "unsc-vetoes").mkdir(parents=True)
    (root / "data" / "processed").symlink_to((audit_root / "data" / "processed").resolve())
    src = audit_root / "data" / "raw" / "unsc-vetoes" / "unsc_vetoes_1946_sept2022.csv"
    lines = src.read_text(encoding="utf-8").splitlines(keepends=True)
    hit = [i for i, line in enumerate(lines) if ",S/2015/508," in line]
    assert len(hit) == 1
    header = lines[0].rstrip("\n").split(",")
    import csv

    row = next(csv.reader([lines[hit[0]]]))
    row[header.index("Russia")] = "0"
    buf = __import__("io").StringIO()
    csv.writer(buf, lineterminator="\n").writerow(row)
    lines[hit[0]] = buf.getvalue()
    (root / "data" / "raw" / "unsc-vetoes" / src.name).write_text("".join(lines), encoding="utf-8")
    assert main(["trace", "LB1", "--recompute", "--root", str(root)]) == 1
    cap = capsys.readouterr()
    assert "n         recomputed 29" in cap.out and "DIFFERENT" in cap.out
    assert "differs from the result" in cap.err


def test_cli_recompute_unknown_claim_is_a_clear_error(audit_root, capsys):
    assert main(["trace", "CC1", "--recompute", "--root", str(audit_root)]) == 2
    assert "no independent recomputation for claim CC1" in capsys.readouterr().err

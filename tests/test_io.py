"""Atomic writers: outputs appear whole, with the usual file mode, or not at all."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys

import pytest

from analysis.io import atomic_path, write_json, write_text


def test_outputs_get_the_umask_mode_not_mkstemps_0600(tmp_path):
    old = os.umask(0o022)
    try:
        p = write_json({"b": 1, "a": 2}, tmp_path / "x.json")
    finally:
        os.umask(old)
    assert stat.S_IMODE(p.stat().st_mode) == 0o644
    assert p.read_text() == '{\n  "a": 2,\n  "b": 1\n}\n'


def test_a_failing_write_leaves_nothing(tmp_path):
    write_text("old", tmp_path / "keep.txt")
    with pytest.raises(RuntimeError):
        with atomic_path(tmp_path / "keep.txt") as tmp:
            tmp.write_text("half")
            raise RuntimeError("interrupted")
    assert (tmp_path / "keep.txt").read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keep.txt"]


def test_cleaner_schemas_are_built_only_when_used():
    from analysis import clean
    from analysis.clean.base import LazySchema

    tables = clean.registry()
    lazy = [t for t in tables.values() if isinstance(t.schema, LazySchema)]
    assert len(tables) >= 25 and len(lazy) == len(tables)  # every table, the crosswalk's too
    # the registry alone builds none (in a fresh process: tests before this one validated tables)
    code = (
        "from analysis import clean; t = clean.registry(); print(sum(v.schema._schema is not None for v in t.values()))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "0"
    calls = []
    s = LazySchema(lambda: calls.append(1) or __import__("pandera.pandas").pandas.DataFrameSchema({}))
    assert not calls
    assert s.columns == {} and s.get() is s.get() and calls == [1]  # built once, on first use


def test_atomic_dir_replaces_the_whole_set_and_leaves_nothing_on_failure(tmp_path):
    from analysis.io import atomic_dir

    d = tmp_path / "set"
    with atomic_dir(d) as t:
        (t / "a.json").write_text("1")
        (t / "b.json").write_text("2")
    with atomic_dir(d) as t:
        (t / "b.json").write_text("3")
    assert sorted(p.name for p in d.iterdir()) == ["b.json"] and (d / "b.json").read_text() == "3"
    try:
        with atomic_dir(d) as t:
            (t / "c.json").write_text("4")
            raise RuntimeError("killed half-way")
    except RuntimeError:
        pass
    assert sorted(p.name for p in d.iterdir()) == ["b.json"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["set"]


def test_read_only_invocations_are_recognised():
    from analysis.guard import read_only

    for argv in (["-n"], ["-c2", "--dry-run"], ["-np"], ["--lint"], ["--unlock"], ["--summary"], ["-c1", "-t"]):
        assert read_only(argv), argv
    for argv in ([], ["-c2"], ["-c2", "data"], ["--cores", "2", "reports"], ["-p", "-c2"], ["--forceall"]):
        assert not read_only(argv), argv


def test_publish_index_removes_outputs_of_vanished_inputs(tmp_path):
    from analysis.guard import publish_index

    d = tmp_path / "briefs"
    d.mkdir()
    for n in ("a.html", "a.pdf", "old.html", "old.pdf", ".hidden"):
        (d / n).write_text(n)
    removed = publish_index(d / "index.json", [d / "a.html", d / "a.pdf"])
    assert sorted(p.name for p in removed) == ["old.html", "old.pdf"]
    assert sorted(p.name for p in d.iterdir()) == [".hidden", "a.html", "a.pdf", "index.json"]
    assert set(json.loads((d / "index.json").read_text())["files"]) == {"a.html", "a.pdf"}


def test_incomplete_sets_are_found(tmp_path):
    from analysis.guard import incomplete_sets

    (tmp_path / "results/figures").mkdir(parents=True)
    (tmp_path / "results/figures/x.svg").write_text("")
    (tmp_path / "results/figures/index-data.json").write_text(
        json.dumps({"x": {"spec": "results/figures/x.vl.json", "svg": "results/figures/x.svg"}})
    )
    (tmp_path / "results/brief-slugs.json").write_text(json.dumps({"slugs": ["a", "b"]}))
    for sub in ("briefs", "briefs-executed"):
        (tmp_path / "results" / sub).mkdir()
        (tmp_path / "results" / sub / "a.json").write_text("{}")
        (tmp_path / "results" / sub / "b.json").write_text("{}")
    (tmp_path / "results/briefs-rendered").mkdir()
    for f in ("a.html", "a.pdf", "b.html", "b.pdf"):
        (tmp_path / "results/briefs-rendered" / f).write_text("")
    assert incomplete_sets(tmp_path) == {"results/figures/index-data.json": "results/figures/x.vl.json is missing"}
    (tmp_path / "results/briefs-executed/b.json").unlink()
    assert "results/briefs-executed" in incomplete_sets(tmp_path)
    (tmp_path / "results/briefs-rendered/a.pdf").unlink()
    assert incomplete_sets(tmp_path)["results/briefs-rendered"] == "results/briefs-rendered/a.pdf is missing"

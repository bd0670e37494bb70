"""Atomic writers: outputs appear whole, with the usual file mode, or not at all."""

from __future__ import annotations

import subprocess
import sys

import os
import stat

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
    code = ("from analysis import clean; t = clean.registry(); "
            "print(sum(v.schema._schema is not None for v in t.values()))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "0"
    calls = []
    s = LazySchema(lambda: calls.append(1) or __import__("pandera.pandas").pandas.DataFrameSchema({}))
    assert not calls
    assert s.columns == {} and s.get() is s.get() and calls == [1]  # built once, on first use

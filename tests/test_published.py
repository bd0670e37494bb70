"""Published comparisons live in config/comparisons.yaml (issue 19: facts as data): the file is
schema-checked, the code supplies only `ours`, and the claims' results carry the file's figures."""

from __future__ import annotations

import json

import pytest
import yaml

from analysis.claims import published
from analysis.errors import DataError


def _write(tmp_path, data) -> str:
    p = tmp_path / "comparisons.yaml"
    p.write_text(data if isinstance(data, str) else yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return str(p)


ENTRY = {"id": "a", "what": "a figure", "published": 3, "source": "a source", "note": "a note about it"}


def test_the_registry_file_is_valid_and_every_set_has_distinct_ids():
    sets = published.load()
    assert len(sets) == 12 and sum(len(v) for v in sets.values()) == 26
    vetoes = {e["id"]: e for e in sets["vetoes"]}
    # published-anchors.md: Russia 19 vetoes 2011-2019, 14 of them on Syria; China 11 to Aug 2020
    assert vetoes["russia-2011-2019"]["published"] == 19
    assert vetoes["russia-syria-2011-2019"]["published"] == 14
    assert vetoes["china-2011-2020"]["published"] == 11


def test_results_carry_the_files_figures(audit_root):
    """LB1's result holds the file's published figures beside its own, and its own counts."""
    res = json.loads((audit_root / "results" / "claims" / "LB1.json").read_text(encoding="utf-8"))
    by_what = {c["what"]: c for c in res["comparisons"]}
    for e in published.load()["vetoes"]:
        assert by_what[e["what"]]["published"] == e["published"]
        assert by_what[e["what"]]["source"] == e["source"]
    # the veto list counts 19 Russian vetoes 2011-2019 too (one row per member per vetoed draft)
    assert by_what["Russian vetoes, 1 Jan 2011 - 31 Dec 2019"]["ours"] == 19


def test_comparisons_fill_placeholders_and_keep_the_files_order(tmp_path):
    p = _write(tmp_path, {"s": [dict(ENTRY, what="after {year}"), dict(ENTRY, id="b", note="rcid {rcid} here")]})
    out = published.comparisons("s", {"b": 2, "a": 1}, {"year": 2005, "rcid": 7}, path=p)
    assert [c["ours"] for c in out] == [1, 2]
    assert out[0]["what"] == "after 2005" and out[1]["note"] == "rcid 7 here"
    assert list(out[0]) == ["what", "published", "ours", "source", "note"]


def test_code_and_file_must_name_the_same_entries(tmp_path):
    p = _write(tmp_path, {"s": [ENTRY]})
    with pytest.raises(DataError, match=r"the file has \['a'\] that the code does not compute"):
        published.comparisons("s", {}, path=p)
    with pytest.raises(DataError, match=r"computes \['b'\] that the file lacks"):
        published.comparisons("s", {"a": 1, "b": 2}, path=p)
    with pytest.raises(DataError, match="no comparison set 'other'"):
        published.comparisons("other", {"a": 1}, path=p)


@pytest.mark.parametrize(
    "data,message",
    [
        ({"s": [{k: v for k, v in ENTRY.items() if k != "source"}]}, r"line 2: s/0: 'source' is a required property"),
        ({"s": [dict(ENTRY, extra=1)]}, "Additional properties are not allowed"),
        ({"s": [ENTRY, ENTRY]}, r"duplicate ids \['a'\]"),
        ({"Bad Name": [ENTRY]}, "does not match"),
        ("s:\n  - id: [unclosed\n", "YAML syntax error"),
    ],
)
def test_a_bad_file_names_itself_and_the_line(tmp_path, data, message):
    p = _write(tmp_path, data)
    published.load.cache_clear()
    with pytest.raises(DataError, match=message) as e:
        published.load(p)
    assert e.value.file == p

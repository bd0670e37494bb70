"""IMI interventions: facts from the real file, plus small fixtures for the edge cases."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis import clean
from analysis.clean import imi
from analysis.clean.base import RawFiles
from analysis.errors import DataError

# --------------------------------------------------------------------------- real data


@pytest.fixture(scope="module")
def t(table):
    return table("imi_interventions").set_index("intervention_id", drop=False)


def test_row_count_and_id(t):
    # The file holds 1,111 interventions (a published description says 1,114).
    assert len(t) == 1111
    assert (t.intervention_id == t.source_row).all()
    assert t.intervention_id.tolist() == list(range(1, 1112))
    assert not t.duplicated(["intervener_cowcode", "target_cowcode", "start_raw"]).any()
    assert not any(c.startswith("unnamed") for c in t.columns)


def test_first_row(t):
    r = t.loc[1]  # UK in Indonesia, 1946: "Indon. Insurg.-NYT/Jessup"
    assert (r.intervener_cowcode, r.target_cowcode) == (200, 210)
    assert r.start_date == pd.Timestamp("1946-01-01") and r.end_date == pd.Timestamp("1946-11-29")
    assert r.direction == 2 and r.direction_label == "oppose rebels or opposition groups"
    assert not r.against_government
    assert pd.isna(r.humanitarian) and r.humanitarian_label == "not coded (9)"
    assert r.description == "Indon. Insurg.-NYT/Jessup"
    assert pd.isna(r.intervener_casualties) and r.intervener_casualties_missing == "not ascertained (code 999)"


def test_us_iraq_2003_ongoing_against_government(t):
    r = t.loc[1026]
    assert (r.intervener_cowcode, r.target_cowcode) == (2, 645)
    assert r.start_date == pd.Timestamp("2003-03-20")
    assert r.ongoing and pd.isna(r.end_date) and r.end_precision == "ongoing" and r.end_raw == 88888888
    assert r.direction == 3 and r.against_government
    assert r.intervener_casualties == 23385
    assert r.target_casualties_missing == "not ascertained (code 9999999)"
    assert r.collection == "kisangani_pickering_1989_2005"


def test_humanitarian_coding(t):
    counts = t.humanitarian_label.value_counts().to_dict()
    assert counts == {"no": 686, "yes": 273, "not coded (9)": 152}
    assert t.humanitarian.isna().sum() == 152
    # US troops in Somalia (Restore Hope), from 1992-12-09: humanitarian, neutral direction.
    r = t.loc[805]
    assert (r.intervener_cowcode, r.target_cowcode, r.start_date) == (2, 520, pd.Timestamp("1992-12-09"))
    assert r.humanitarian == 1 and r.direction == 0 and r.against_government == False  # noqa: E712


def test_dates_rules(t):
    assert t.start_precision.value_counts().to_dict() == {"day": 1105, "day_clamped": 5, "unknown": 1}
    assert t.end_precision.value_counts().to_dict() == {
        "day": 1043,
        "ongoing": 44,
        "unknown": 14,
        "day_clamped": 8,
        "corrected": 2,
    }
    # the one unknown start (99999999): Cuba / South Yemen, Dhofar; ends 1976, so Pearson-Baumann.
    r = t.loc[1111]
    assert r.start_raw == 99999999 and pd.isna(r.start_date) and r.collection == "pearson_baumann_1946_88"
    # 1953-02-29 does not exist: clamped to the 28th.
    assert t.loc[83, "start_date"] == pd.Timestamp("1953-02-28")
    assert t.loc[83, "start_precision"] == "day_clamped"
    # documented corrections of impossible values
    assert (t.loc[340, "end_raw"], t.loc[340, "end_date"]) == (10720718, pd.Timestamp("1972-07-18"))
    assert (t.loc[883, "end_raw"], t.loc[883, "end_date"]) == (199705170, pd.Timestamp("1997-05-17"))
    # UNMEE: 88888889 read as "ongoing"
    assert t.loc[990, "end_raw"] == 88888889 and t.loc[990, "ongoing"]
    assert t[t.end_before_start].intervention_id.tolist() == [697, 754, 809, 1080]
    assert t.start_year.min() == 1946 and t.start_year.max() == 2005


def test_io_flags(t):
    assert t.intervener_is_io.sum() == 123  # 33 with code 1 (UN, 1946-88) + 90 with codes >= 1000
    assert (t.intervener_cowcode == 1).sum() == 33
    assert t[t.intervener_cowcode == 1014].intervener_io_name.eq("United Nations").all()
    assert t.loc[761, "intervener_io_name"] == "Operation Provide Comfort coalition"
    assert t.loc[761, "humanitarian"] == 1
    assert t[t.target_is_io].intervention_id.tolist() == [87]  # N. Korea vs UN forces at the DMZ
    assert t.intervener_io_name.notna().sum() == 123


def test_collections_and_against_government(t):
    assert t.collection.value_counts().to_dict() == {
        "pearson_baumann_1946_88": 668,
        "kisangani_pickering_1989_2005": 443,
    }
    ag = t.against_government
    assert ag.isna().sum() == int(t.direction.isin([5, 6]).sum() + t.direction.isna().sum())
    assert ag[t.direction.isin([3, 4])].all() and not ag[t.direction.isin([0, 1, 2])].any()


def test_schema_rejects_unknown_code(table):
    reg = clean.registry()["imi_interventions"]
    bad = table("imi_interventions").copy()
    bad.loc[5, "target_cowcode"] = 5000
    with pytest.raises(DataError) as e:
        clean.validate(reg, bad)
    assert e.value.column == "target_cowcode" and e.value.row == 6


# --------------------------------------------------------------------------- fixtures

HEADER = ",".join(imi.RAW_COLUMNS) + "," * 30
BASE = {c: "0" for c in imi.RAW_COLUMNS}
BASE.update(
    intervener="2",
    target="645",
    source="1",
    start="20030320",
    end="20030501",
    direction="1",
    type="5",
    amount="4",
    **{"target casualties": "999", "int_contig": "1.0"},
    description="Fixture row",
)


def _row(**kw) -> str:
    vals = dict(BASE, **kw)
    return ",".join(vals[c] for c in imi.RAW_COLUMNS) + "," * 30


def _build(tmp_path, rows: list[str], newline_at_end: bool = False) -> pd.DataFrame:
    d = tmp_path / imi.SOURCE
    d.mkdir(parents=True, exist_ok=True)
    text = "\ufeff" + "\r\n".join([HEADER, *rows]) + ("\r\n" if newline_at_end else "")
    (d / imi.FILE).write_text(text, encoding="utf-8")
    return imi.build(RawFiles(tmp_path))


def test_fixture_sentinels(tmp_path):
    df = _build(
        tmp_path,
        [
            _row(),
            _row(humanitarian="9", direction="9", start="99999999", end="88888888"),
            _row(start="19800500", end="19800500", intervener="1014", **{"intervener_casualties": "998"}),
            _row(start="19800000", end="19800000", territorial="2"),
        ],
    )
    reg = clean.registry()["imi_interventions"]
    df = clean.validate(reg, df)
    assert df.loc[0, "humanitarian"] == 0 and df.loc[0, "humanitarian_label"] == "no"
    assert pd.isna(df.loc[1, "humanitarian"]) and df.loc[1, "humanitarian_label"] == "not coded (9)"
    assert pd.isna(df.loc[1, "direction"]) and pd.isna(df.loc[1, "against_government"])
    assert df.loc[1, "start_precision"] == "unknown" and df.loc[1, "end_precision"] == "ongoing"
    assert df.loc[1, "ongoing"] and pd.isna(df.loc[1, "end_date"])
    # day 00: start -> first of month, end -> last of month; month 00: whole year
    assert (df.loc[2, "start_date"], df.loc[2, "end_date"]) == (pd.Timestamp("1980-05-01"), pd.Timestamp("1980-05-31"))
    assert df.loc[2, "start_precision"] == "month"
    assert (df.loc[3, "start_date"], df.loc[3, "end_date"]) == (pd.Timestamp("1980-01-01"), pd.Timestamp("1980-12-31"))
    assert df.loc[3, "end_precision"] == "year"
    assert df.loc[2, "intervener_is_io"] and df.loc[2, "intervener_io_name"] == "United Nations"
    assert pd.isna(df.loc[2, "intervener_casualties"]) and df.loc[2, "intervener_casualties_missing"].startswith("998")
    assert df.loc[3, "territorial_label"] == "code 2 (meaning not verified)"
    assert df.loc[0, "against_government"] == False  # noqa: E712  (direction 1: support government)
    assert pd.isna(df.loc[0, "target_casualties"])


def test_fixture_unknown_direction_code(tmp_path):
    with pytest.raises(DataError) as e:
        _build(tmp_path, [_row(), _row(direction="7")])
    assert e.value.column == "direction" and e.value.row == 2


def test_fixture_unknown_motive_code(tmp_path):
    with pytest.raises(DataError) as e:
        _build(tmp_path, [_row(humanitarian="3")])
    assert e.value.column == "humanitarian" and e.value.row == 1


@pytest.mark.parametrize("value", ["19751332", "2003032", "abc", "88888888"])
def test_fixture_unparseable_start(tmp_path, value):
    with pytest.raises(DataError) as e:
        _build(tmp_path, [_row(), _row(), _row(start=value)])
    assert e.value.column == "start" and e.value.row == 3


def test_fixture_truncated_last_record(tmp_path):
    rows = [_row(), _row()]
    rows[-1] = rows[-1][: rows[-1].index("Fixture")]  # cut mid-record
    with pytest.raises(DataError, match="truncated"):
        _build(tmp_path, rows)


def test_fixture_final_newline_is_fine(tmp_path):
    assert len(_build(tmp_path, [_row(), _row()], newline_at_end=True)) == 2


def test_fixture_data_in_trailing_column(tmp_path):
    row = _row() + "surprise"  # the 56th (last, empty) field gets a value
    with pytest.raises(DataError) as e:
        _build(tmp_path, [_row(), row])
    assert e.value.column.startswith("Unnamed") and e.value.row == 2

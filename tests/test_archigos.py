"""Archigos 4.1 leader spells: facts from the real file, plus small fixtures for the edge cases."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from analysis import clean
from analysis.clean import archigos
from analysis.clean.base import RawFiles
from analysis.errors import DataError


@pytest.fixture(scope="module")
def a(table):
    return table("archigos").set_index("obsid", drop=False)


def test_row_count_and_key(a):
    assert len(a) == 3409
    assert a.obsid.is_unique
    assert a.leadid.nunique() == 2802
    assert a.end_date.max() == pd.Timestamp("2015-12-31")
    assert a.start_date.min() == pd.Timestamp("1840-07-23")


def test_qaddafi(a):
    r = a.loc["LIB-1969"]
    assert r.leader == "Qaddafi" and r.gwcode == 620
    assert r.start_date == pd.Timestamp("1969-09-01") and r.end_date == pd.Timestamp("2011-08-23")
    assert r.exit == "Irregular" and r.irregular_exit
    assert r.exitcode == "Removed by Rebels, with Foreign Support"
    assert r.foreign_supported and not r.foreign_removed and r.foreign_imposed
    assert r.entry == "Irregular"


def test_saddam_removed_by_other_state(a):
    r = a.loc["IRQ-1979"]
    assert r.leader == "Saddam Hussein" and r.gwcode == 645
    assert r.end_date == pd.Timestamp("2003-04-09")
    assert r.exit == "Foreign" and r.exit_label == "Removed by another state"
    assert r.exitcode == "Removed through Threat of Foreign Force"
    assert r.foreign_removed and r.foreign_imposed and not r.foreign_supported and not r.irregular_exit
    # his spell as ruler of occupied Kuwait is a separate, foreign-imposed one (own leadid)
    k = a.loc["KUW-1990"]
    assert (
        k.leader == "Saddam Hussein" and k.gwcode == 690 and k.entry == "Foreign Imposition" and k.entry_foreign_imposed
    )


def test_noriega_and_first_spell(a):
    r = a.loc["PAN-1983"]
    assert (r.leader, r.gwcode, r.end_date) == ("Noriega", 95, pd.Timestamp("1990-01-03"))
    assert r.foreign_removed
    g = a.loc["USA-1869"]
    assert (g.leader, g.source_row, g.start_date) == ("Grant", 1, pd.Timestamp("1869-03-04"))


def test_flag_counts(a):
    assert a.irregular_exit.sum() == 600
    assert a.foreign_removed.sum() == 72
    assert a.foreign_supported.sum() == 25
    assert a.foreign_imposed.sum() == 97
    assert a.entry_foreign_imposed.sum() == 40
    assert a.still_in_office.sum() == 168
    assert a[a.still_in_office].end_date.value_counts().to_dict() == {
        pd.Timestamp("2015-12-31"): 165,
        pd.Timestamp("2014-12-31"): 3,
    }
    assert (a.exitcode == "Removed through Threat of Foreign Force").sum() == 45
    assert a.exitcode.nunique() == 15 and a.exit.nunique() == 8
    assert a.yrborn.isna().sum() == 19


def test_schema_rejects_unknown_exitcode(table):
    reg = clean.registry()["archigos"]
    bad = table("archigos").copy()
    bad.loc[10, "exitcode"] = "Removed by Aliens"
    with pytest.raises(DataError) as e:
        clean.validate(reg, bad)
    assert e.value.column == "exitcode" and e.value.row == int(bad.loc[10, "source_row"])


# --------------------------------------------------------------------------- fixtures


class _FakeRaw(RawFiles):
    def __init__(self, df: pd.DataFrame):
        super().__init__("/nonexistent")
        self.df = df

    def read_rdata(self, source, name, obj=None):
        return self.df.copy()


def _fixture(changes: dict | None = None) -> pd.DataFrame:
    df = pd.DataFrame(
        {
            "obsid": ["LIB-1969", "IRQ-1979", "JOR-1999 "],
            "gwcode": [620.0, 645.0, 663.0],
            "leadid": [
                "823c217e-1e42-11e4-b4cd-db5882bf8def",
                "823e3aa0-1e42-11e4-b4cd-db5882bf8def",
                "8240849a-1e42-11e4-b4cd-db5882bf8def",
            ],
            "leader": ["Qaddafi", "Saddam Hussein", "Abdullah"],
            "yrborn": [1942.0, 1937.0, float("nan")],
            "gender": ["M", "M", "M"],
            "startdate": [dt.date(1969, 9, 1), dt.date(1979, 7, 16), dt.date(1999, 2, 7)],
            "enddate": [dt.date(2011, 8, 23), dt.date(2003, 4, 9), dt.date(2015, 12, 31)],
            "entry": ["Irregular", "Regular", "Regular"],
            "exit": ["Irregular", "Foreign", "Still in Office"],
            "exitcode": [
                "Removed by Rebels, with Foreign Support",
                "Removed through Threat of Foreign Force",
                "Still in Office",
            ],
        }
    )
    for (col, row), value in (changes or {}).items():
        df[col] = df[col].astype(object)
        df.at[row, col] = value
    return df


def _build(df):
    return clean.validate(clean.registry()["archigos"], archigos.build(_FakeRaw(df)))


def test_fixture_builds_and_flags():
    out = _build(_fixture())
    assert out.obsid.tolist() == ["LIB-1969", "IRQ-1979", "JOR-1999"]  # trimmed
    assert out.foreign_supported.tolist() == [True, False, False]
    assert out.foreign_removed.tolist() == [False, True, False]
    assert out.still_in_office.tolist() == [False, False, True]
    assert pd.isna(out.loc[2, "yrborn"])


def test_fixture_unknown_exitcode():
    with pytest.raises(DataError) as e:
        archigos.build(_FakeRaw(_fixture({("exitcode", 1): "Removed by Other State"})))
    assert e.value.column == "exitcode" and e.value.row == 2


def test_fixture_unknown_exit():
    with pytest.raises(DataError) as e:
        archigos.build(_FakeRaw(_fixture({("exit", 2): "Retired"})))
    assert e.value.column == "exit" and e.value.row == 3


@pytest.mark.parametrize("value", ["not a date", "2011-02-30"])
def test_fixture_unparseable_date(value):
    with pytest.raises(DataError) as e:
        archigos.build(_FakeRaw(_fixture({("enddate", 1): value})))
    assert e.value.column == "enddate" and e.value.row == 2


def test_fixture_missing_column():
    with pytest.raises(DataError) as e:
        archigos.build(_FakeRaw(_fixture().drop(columns="exitcode")))
    assert e.value.column == "exitcode"


def test_fixture_end_before_start_fails_validation():
    with pytest.raises(DataError, match="end_after_start"):
        _build(_fixture({("enddate", 0): dt.date(1960, 1, 1)}))

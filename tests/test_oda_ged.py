"""WDI net ODA and UCDP GED (precise subset): cleaners, crosswalk report, helpers, bad input.

Facts are read from the real files (through the mirror) and cross-checked with plain
pandas on the raw file where the issue asks for it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyreadr
import pytest

from analysis import daily_order as do
from analysis import oda as oda_h
from analysis.clean import registry
from analysis.clean.base import RawFiles
from analysis.clean.ucdp_ged import build_ged
from analysis.clean.wdi import WB_AGGREGATES, build_oda
from analysis.cli import main as cli
from analysis.errors import DataError

ODA_SRC, ODA_FILE = "wdi-oda", "development_aid.rds"
GED_SRC, GED_FILE = "ucdp-ged-21.1-precise", "ged.rda"
LIBYA_START = pd.Timestamp("2011-03-19")


@pytest.fixture(scope="module")
def raw_oda(raw_root) -> pd.DataFrame:
    return pyreadr.read_r(str(raw_root / ODA_SRC / ODA_FILE))[None]


@pytest.fixture(scope="module")
def raw_ged(raw_root) -> pd.DataFrame:
    return pyreadr.read_r(str(raw_root / GED_SRC / GED_FILE))["ged"]


# --------------------------------------------------------------------------- wdi_oda: real facts


def test_oda_shape_and_coverage(table, raw_oda):
    o = table("wdi_oda")
    assert len(raw_oda) == 15_840 and raw_oda.loc[raw_oda["year"] == 2019, "development_aid"].isna().all()
    # 264 economies and aggregates x 59 years (1960-2018); the empty 2019 is dropped
    assert len(o) == 264 * 59 and o["year"].min() == 1960 and o["year"].max() == 2018
    assert int(o["is_aggregate"].sum()) == 47 * 59
    assert set(o.loc[o["is_aggregate"], "iso2c"]) == set(WB_AGGREGATES)
    assert o.loc[o["is_aggregate"], "gwcode"].isna().all()
    # R's "NA" is Namibia (GW 565 from independence in 1990), not a missing value
    na = o[o["iso2c"] == "NA"]
    assert len(na) == 59 and set(na["country"]) == {"Namibia"}
    assert na.loc[na["year"] >= 1990, "gwcode"].eq(565).all() and na.loc[na["year"] < 1990, "gwcode"].isna().all()


@pytest.mark.parametrize(
    "iso2c, year, gwcode, usd",
    [
        ("LY", 2011, 620, 641_099_975.585938),  # Libya in the year of the intervention: US$641.1 million
        ("RW", 1994, 517, 711_750_000.0),  # Rwanda 1994
        ("CN", 2017, 710, -989_940_002.441406),  # a negative net flow (repayments exceed disbursements), kept
    ],
)
def test_oda_named_country_years(table, raw_oda, iso2c, year, gwcode, usd):
    o = table("wdi_oda")
    row = o[(o["iso2c"] == iso2c) & (o["year"] == year)]
    assert len(row) == 1 and int(row["gwcode"].iloc[0]) == gwcode
    raw_value = raw_oda.loc[(raw_oda["iso2c"] == iso2c) & (raw_oda["year"] == year), "development_aid"]
    assert len(raw_value) == 1
    assert row["oda_net_current_usd"].iloc[0] == raw_value.iloc[0]  # the value as published
    assert row["oda_net_current_usd"].iloc[0] == pytest.approx(usd, abs=0.01)


def test_oda_serbia_before_2006_is_yugoslavia(table):
    o = table("wdi_oda")
    rs = o[o["iso2c"] == "RS"].set_index("year")["gwcode"]
    assert rs[1999] == 345 and rs[2005] == 345 and rs[2006] == 340
    # one economy per GW state and year: no double counting after the mapping
    c = o.dropna(subset=["gwcode"])
    assert not c.duplicated(["gwcode", "year"]).any()


def test_oda_description_says_nominal():
    t = registry()["wdi_oda"]
    assert "current US$" in t.description and "not deflated" in t.description
    assert t.tables == ("crosswalk",) and "worldbank2020wdi" in t.citation


# --------------------------------------------------------------------------- ucdp_ged: real facts


def test_ged_counts_match_the_subset(table, raw_ged):
    g = table("ucdp_ged")
    assert len(g) == len(raw_ged) == 176_579  # SOURCES.md: 176,579 of 261,864 events
    assert g["type_of_violence_label"].value_counts().to_dict() == {
        "state-based": 126_778,
        "one-sided": 27_162,
        "non-state": 22_639,
    }
    # one-sided violence by a government (side A "Government of ...")
    assert int(((g["type_of_violence"] == 3) & g["side_a_government"]).sum()) == 10_437
    assert g["date"].min() == pd.Timestamp("1989-01-01") and g["date"].max() <= pd.Timestamp("2020-12-31")
    # the one event not in a GW state: Namibia in 1989, before independence
    miss = g[g["gwcode"].isna()]
    assert len(miss) == 1 and miss["country"].iloc[0] == "Namibia" and miss["year"].iloc[0] == 1989


def test_ged_description_states_the_bias():
    d = registry()["ucdp_ged"].description
    assert "precise location" in d and "two thirds" in d and "biased low" in d


def test_ged_government_codes(table):
    g = table("ucdp_ged")
    ly = g[(g["country"] == "Libya") & (g["year"] == 2011)]
    assert set(ly["side_a"]) == {"Government of Libya"}
    assert ly["gov_a_gwno_list"].map(lambda v: tuple(v) == ("620",)).all()
    coalition = g[g["side_b"] == "Government of United Kingdom, Government of United States of America"]
    assert len(coalition) > 0 and coalition["gov_b_gwno_list"].map(lambda v: tuple(v) == ("200", "2")).all()
    yu = g[g["country"] == "Serbia (Yugoslavia)"]
    assert set(yu["gwcode"]) == {345}


def _raw_libya(raw_ged: pd.DataFrame) -> pd.DataFrame:
    """Plain pandas on the raw file: Libya's events with their date and relative week."""
    d = raw_ged[raw_ged["country"] == "Libya"].copy()
    d["date"] = pd.to_datetime(dict(year=d["year"].astype(int), month=d["month"].astype(int), day=d["day"].astype(int)))
    d["rel_day"] = (d["date"] - LIBYA_START).dt.days
    return d[(d["rel_day"] >= -28) & (d["rel_day"] < 28)].assign(rel_week=lambda x: x["rel_day"] // 7)


def test_libya_weeks_around_19_march_2011(table, raw_ged):
    ev = do.events_around(table("ucdp_ged"), 620, LIBYA_START, before=28, after=28)
    c = do.counts(ev, by="week", before=28, after=28)
    got = {(int(r.rel_week), r.actor_class): int(r.events) for r in c.itertuples() if r.events}
    assert got == {
        (-4, "one-sided: target government"): 2,  # 19-25 Feb
        (-3, "state-based: target government"): 10,  # 26 Feb - 4 Mar
        (-3, "one-sided: target government"): 2,
        (-2, "state-based: target government"): 11,  # 5-11 Mar
        (-1, "state-based: target government"): 4,  # 12-18 Mar
        (0, "state-based: target government"): 11,  # 19-25 Mar, the intervention's first week
        (0, "one-sided: target government"): 2,
        (1, "state-based: target government"): 8,
        (2, "state-based: target government"): 5,
        (3, "state-based: target government"): 5,
    }
    # the same count from the raw file with plain pandas
    raw = _raw_libya(raw_ged)
    by_type = raw.groupby(["rel_week", "type_of_violence"]).size()
    label = {
        "state-based: target government": "State-based violence",
        "one-sided: target government": "One-sided violence",
    }
    assert {(w, label[k]): n for (w, k), n in got.items()} == {k: int(v) for k, v in by_type.items()}
    # the whole grid is there, zeros included: 8 weeks x 6 classes
    assert len(c) == 8 * 6 and int(c["events"].sum()) == len(raw) == 60
    ba = do.before_after(ev).set_index("actor_class")
    assert ba.loc["state-based: target government", "events_before"] == 25
    assert ba.loc["state-based: target government", "events_after"] == 29
    assert ba.loc["one-sided: target government", ["events_before", "events_after"]].tolist() == [4, 2]


def test_libya_first_dates_before_the_start(table, raw_ged):
    ev = do.events_around(table("ucdp_ged"), 620, LIBYA_START, before=90, after=90)
    fd = do.first_dates(ev)
    assert fd.first_gov_onesided == pd.Timestamp("2011-02-21")
    assert fd.first_state_based == pd.Timestamp("2011-02-28")
    assert fd.order == "government killing first"
    # plain pandas: the earliest 2011 event of each type in Libya's raw rows
    d = raw_ged[(raw_ged["country"] == "Libya") & (raw_ged["year"] == 2011)]
    first = d.sort_values(["month", "day"]).groupby("type_of_violence").first()
    assert (first.loc["One-sided violence", ["month", "day"]].tolist()) == [2, 21]
    assert (first.loc["State-based violence", ["month", "day"]].tolist()) == [2, 28]


def test_case_summary_for_interventions_since_1989(table):
    t = do.hmi_targets(table("hmi_cases"), table("crosswalk"))
    assert t["start_date"].min() >= pd.Timestamp("1989-01-01")
    assert len(t) == 35  # PRIF 0.3 interventions starting 1989 or later
    s = do.case_summary(table("ucdp_ged"), t).set_index("case_id")
    ly = s.loc["Libya 2011"]
    assert ly["gwcode"] == 620 and ly["window_covered"]
    assert ly["gov_onesided_days_before"] == 26 and ly["state_based_days_before"] == 19
    assert ly["order"] == "government killing first" and not ly["left_censored"]
    assert ly["sb_gov_events_before"] == 25 and ly["os_gov_events_before"] == 4
    # East Timor 1999 is located in Indonesia (GW 850), as UCDP places the events
    assert s.loc["East Timor 1999", "gwcode"] == 850


@pytest.mark.parametrize("before,after", [(90, 90), (30, 0), (365, 0), (7, 14)])
def test_case_summary_equals_the_per_event_tables(table, before, after):
    """case_summary counts on sorted arrays; the same numbers from events_around, first_dates and
    before_after, which filter and group the events table case by case."""
    ged = table("ucdp_ged")
    t = do.hmi_targets(table("hmi_cases"), table("crosswalk"))
    s = do.case_summary(ged, t, before, after).set_index("case_id")
    keys = dict(zip(do.ACTOR_CLASSES, ("sb_gov", "sb_other", "os_gov", "os_other", "os_nonstate", "nonstate")))
    for r in t.itertuples(index=False):
        start = pd.Timestamp(r.start_date)
        ev = do.events_around(ged, int(r.gwcode), start, before, after)
        prior = do.events_around(ged, int(r.gwcode), start - pd.Timedelta(days=before), before, 0)
        fd = do.first_dates(ev)
        row = s.loc[r.case_id]
        assert row["order"] == fd.order
        for got, want in (
            (row["first_state_based"], fd.first_state_based),
            (row["first_gov_onesided"], fd.first_gov_onesided),
        ):
            assert (pd.isna(got) and want is None) or got == want
        assert row["prior_state_based"] == (prior["actor_class"] == do.ACTOR_CLASSES[0]).sum()
        assert row["prior_gov_onesided"] == (prior["actor_class"] == do.ACTOR_CLASSES[2]).sum()
        ba = do.before_after(ev).set_index("actor_class")
        for cls, k in keys.items():
            for p in ("before", "after"):
                assert row[f"{k}_events_{p}"] == ba.loc[cls, f"events_{p}"]
                assert row[f"{k}_deaths_best_{p}"] == ba.loc[cls, f"deaths_best_{p}"]


def test_comparison_countries_treat_missing_codes_as_not_met():
    """A missing region never matches; a missing conflict or intervention flag counts as no."""
    f = pd.DataFrame(
        {
            "gwcode": [1, 2, 2, 3, 3, 4, 4, 5],
            "year": [2000, 2000, 2001, 2000, 2001, 2000, 2001, 2000],
            "region": pd.array(["A", "A", "A", None, "A", "A", "A", "A"], dtype="string"),
            "intra_active": pd.array([True, True, None, True, True, True, True, None], dtype="boolean"),
            "hmi_ongoing": pd.array([False, None, None, False, False, False, True, False], dtype="boolean"),
        }
    )
    assert oda_h.comparison_countries(f, 1, 2000, 2000, 0) == [2, 4]  # 5: conflict flag missing
    assert oda_h.comparison_countries(f, 1, 2000, 2001, 0) == [2]  # 4 intervened in 2001
    assert oda_h.comparison_countries(f, 1, 2000, None, 0, last_year=2001) == [2]  # ongoing: to the last year
    assert oda_h.comparison_countries(f, 1, 2000, 2000, 1) == []  # no state has 1999
    assert oda_h.comparison_countries(f, 3, 2000, 2000, 0) == []  # the target's region is missing
    with pytest.raises(ValueError, match="not a system member"):
        oda_h.comparison_countries(f, 1, 1999, 2000, 0)


def test_lists_contain_matches_membership():
    lists = pd.Series(
        [
            np.array(["620"], dtype=object),
            np.array([], dtype=object),
            np.array(["2", "620"], dtype=object),
            np.array(["6200"], dtype=object),
            np.array(["2"], dtype=object),
        ]
    )
    assert do._lists_contain(lists, "620").tolist() == [True, False, True, False, False]
    assert do._lists_contain(lists.iloc[[1]], "620").tolist() == [False]


# --------------------------------------------------------------------------- crosswalk report


def test_report_lists_aggregates_and_unmatched(panel):
    _, rep = panel
    w = rep[rep["source"] == "wdi_oda"]
    agg = w[w["outcome"] == "aggregate"]
    assert set(agg["value"]) == set(WB_AGGREGATES)
    arab = agg[agg["value"] == "1A"].iloc[0]
    assert arab["n_rows"] == 59 and "Arab World" in arab["action"]
    assert "JG" in set(w.loc[w["outcome"] == "non-state/other", "value"])  # Channel Islands
    assert "AD" in set(w.loc[w["outcome"] == "unmatched", "value"])  # Andorra, a microstate
    g = rep[rep["source"] == "ucdp_ged"]
    nam = g[(g["value"] == "Namibia") & (g["column"] == "country")]
    assert len(nam) == 1 and nam["year_range"].iloc[0] == "1989" and nam["n_rows"].iloc[0] == 1
    assert "Serbia (Yugoslavia)" in set(g.loc[g["outcome"] == "mapped-by-exception", "value"])


# --------------------------------------------------------------------------- ODA helper


def test_oda_before_after_libya(table):
    s = oda_h.country_series(table("wdi_oda"))
    r = oda_h.before_after(s, 620, 2011, 2011, 3)
    o = table("wdi_oda")
    ly = o[o["iso2c"] == "LY"].set_index("year")["oda_net_current_usd"].astype(float)
    assert r["mean_before"] == pytest.approx(ly[[2008, 2009, 2010]].mean())
    assert r["mean_after"] == pytest.approx(ly[[2012, 2013, 2014]].mean())
    assert r["n_before"] == r["n_after"] == 3 and r["complete"]
    assert r["mean_before"] == pytest.approx(40.62e6, rel=1e-3) and r["mean_after"] == pytest.approx(142.08e6, rel=1e-3)
    # shares of all GW states' net ODA in a year sum to one
    assert s.groupby("year")["oda_share"].sum().round(12).eq(1).all()
    ongoing = oda_h.before_after(s, 520, 2007, None, 3)
    assert np.isnan(ongoing["mean_after"]) and "ongoing" in ongoing["reason"]


def test_oda_comparison_countries_follow_the_rule(table, panel):
    cy, _ = panel
    comp = oda_h.comparison_countries(cy, 620, 2011, 2011, 3)
    # African (COW 400-626) conflict countries in 2011 without a PRIF intervention 2008-2014
    assert comp == [433, 475, 500, 517, 530, 615]
    yr = cy[cy["year"] == 2011].set_index("gwcode")
    assert yr.loc[comp, "intra_active"].all() and (yr.loc[comp, "region"] == yr.loc[620, "region"]).all()
    span = cy[cy["year"].between(2008, 2014) & cy["gwcode"].isin(comp)]
    assert not span["hmi_ongoing"].fillna(False).any()
    t = oda_h.case_comparison(oda_h.country_series(table("wdi_oda")), cy, 620, 2011, 2011, 3)
    assert t["role"].tolist() == ["target"] + ["comparison"] * 6
    summ = oda_h.target_vs_comparisons(t)
    assert summ["n_comparisons"] == 6 and np.isfinite(summ["difference"])


# --------------------------------------------------------------------------- fixtures built in code


class _FakeRaw(RawFiles):
    def __init__(self, df: pd.DataFrame, crosswalk: pd.DataFrame):
        super().__init__("/nonexistent", tables=lambda name: crosswalk)
        self.df = df

    def read_rdata(self, source, name, obj=None):
        return self.df.copy()


def _oda_fixture() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "iso2c": ["1A", "1A", "LY", "LY", "NA"],
            "country": ["Arab World", "Arab World", "Libya", "Libya", "Namibia"],
            "development_aid": [1.0e9, np.nan, 7.61e6, np.nan, -2.5e6],
            "year": np.array([2010, 2019, 2010, 2019, 2010], dtype="int32"),
        }
    )


def _ged_fixture() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "id": [1.0, 2.0, 3.0],
            "year": [2011.0, 2011.0, 1989.0],
            "month": [2.0, 2.0, 6.0],
            "day": np.array([21, 28, 1], dtype="int32"),
            "country": ["Libya", "Libya", "Namibia"],
            "type_of_violence": ["One-sided violence", "State-based violence", "State-based violence"],
            "conflict_name": ["Government of Libya - Civilians", "Libya: Government", "South Africa: Namibia"],
            "side_a": ["Government of Libya", "Government of Libya", "Government of South Africa"],
            "side_b": ["Civilians", "NTC", "SWAPO"],
            "latitude": [32.9, 32.1, -22.5],
            "longitude": [13.2, 20.1, 17.1],
            "low_death": [20.0, 60.0, 1.0],
            "best_death": [26.0, 67.0, 1.0],
            "high_death": [30.0, 70.0, 2.0],
        }
    )


def test_oda_fixture_builds(table):
    out = build_oda(_FakeRaw(_oda_fixture(), table("crosswalk")))
    assert out["year"].tolist() == [2010, 2010, 2010]  # the empty year 2019 dropped
    assert out["gwcode"].tolist()[1:] == [620, 565] and pd.isna(out["gwcode"].iloc[0])
    assert out["is_aggregate"].tolist() == [True, False, False]
    assert out["oda_net_current_usd"].iloc[2] == -2.5e6  # negative net flow kept


@pytest.mark.parametrize(
    "change, column, row, words",
    [
        ({"iso2c": (2, "QQ")}, "iso2c", 3, "maps to no Gleditsch-Ward state"),
        ({"country": (0, "Arab States")}, "country", 1, "aggregate code 1A"),
        ({"development_aid": (2, "lots")}, "development_aid", 3, "not a number"),
        ({"iso2c": (4, None)}, "iso2c", 5, "two-character"),
    ],
)
def test_oda_bad_input(table, change, column, row, words):
    df = _oda_fixture().astype({"development_aid": object, "iso2c": object})
    for col, (i, v) in change.items():
        df.loc[i, col] = v
    with pytest.raises(DataError) as e:
        build_oda(_FakeRaw(df, table("crosswalk")))
    assert e.value.source == ODA_SRC and e.value.file == ODA_FILE
    assert e.value.column == column and e.value.row == row and words in e.value.message


def test_ged_fixture_builds(table):
    out = build_ged(_FakeRaw(_ged_fixture(), table("crosswalk")))
    assert out["date"].dt.strftime("%Y-%m-%d").tolist() == ["2011-02-21", "2011-02-28", "1989-06-01"]
    assert out["type_of_violence"].tolist() == [3, 1, 1]
    assert out["gwcode"].tolist()[:2] == [620, 620] and pd.isna(out["gwcode"].iloc[2])  # Namibia 1989: kept, reported
    assert out["gov_a_gwno_list"].tolist() == [["620"], ["620"], ["560"]]
    assert out["deaths_best"].tolist() == [26, 67, 1]


@pytest.mark.parametrize(
    "change, column, words",
    [
        ({"day": 30}, "day", "is not a date"),  # 30 February
        ({"month": 13.0}, "day", "is not a date"),
        ({"country": "Atlantis"}, "country", "not known to the Gleditsch-Ward crosswalk"),
        ({"side_a": "Government of Atlantis"}, "side_a", "not known to the Gleditsch-Ward crosswalk"),
        ({"type_of_violence": "Riots"}, "type_of_violence", "unknown type of violence"),
        ({"best_death": -1.0}, "best_death", "negative deaths"),
    ],
)
def test_ged_bad_input(table, change, column, words):
    df = _ged_fixture()
    for col, v in change.items():
        df[col] = df[col].astype(object)
        df.loc[1, col] = v
    with pytest.raises(DataError) as e:
        build_ged(_FakeRaw(df, table("crosswalk")))
    assert e.value.source == GED_SRC and e.value.file == GED_FILE
    assert e.value.column == column and e.value.row == 2 and words in e.value.message
    assert "event 2" in e.value.message  # the record


def test_ged_bad_date_through_the_cli(table, tmp_path, capsys):
    """A real .rda with an impossible date: exit 2, file/column/row/event named, nothing written."""
    raw, out = tmp_path / "raw", tmp_path / "processed"
    (raw / GED_SRC).mkdir(parents=True)
    out.mkdir()
    df = _ged_fixture()
    df.loc[1, "day"] = 31  # 31 February
    pyreadr.write_rdata(str(raw / GED_SRC / GED_FILE), df, df_name="ged")
    table("crosswalk").to_parquet(out / "crosswalk.parquet")
    rc = cli(["clean", "ucdp_ged", "--raw", str(raw), "--out", str(out), "--no-verify"])
    err = capsys.readouterr().err
    assert rc == 2, err
    assert f"source {GED_SRC}" in err and f"file {GED_FILE}" in err and "column 'day'" in err and "row 2" in err
    assert "event 2" in err and "Traceback" not in err
    assert sorted(p.name for p in out.iterdir()) == ["crosswalk.parquet"]


def test_hmi_without_start_date_is_an_error(table):
    h = table("hmi_cases").copy()
    i = h.index[(h["release"] == "0.3") & (h["case_id"] == "Libya 2011")][0]
    h.loc[i, "start_date"] = pd.NaT
    with pytest.raises(DataError) as e:
        do.hmi_targets(h, table("crosswalk"))
    assert "Libya 2011" in e.value.message and e.value.column == "start_date" and e.value.file == "hmi_cases.parquet"


def test_actor_classes_fixture():
    ev = pd.DataFrame(
        {
            "type_of_violence": [1, 1, 3, 3, 3, 2],
            "side_a_government": [True, True, True, True, False, False],
            "gov_a_gwno_list": [["620"], ["2"], ["620"], ["2"], [], []],
            "gov_b_gwno_list": [[], [], [], [], [], []],
        }
    )
    assert do.actor_class(ev, 620).astype(str).tolist() == [
        "state-based: target government",
        "state-based: other government",
        "one-sided: target government",
        "one-sided: other government",
        "one-sided: non-state actor",
        "non-state",
    ]

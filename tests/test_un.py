"""UN sources: Security Council vetoes, General Assembly roll calls and ideal points."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pyreadr
import pytest

from analysis import clean
from analysis.clean import unga, unsc
from analysis.errors import DataError

# ============================================================== UNSC vetoes


def _member_counts(long: pd.DataFrame, start: str, end: str) -> dict[str, int]:
    w = long[(long.date >= pd.Timestamp(start)) & (long.date <= pd.Timestamp(end))]
    return w.member.value_counts().to_dict()


def test_vetoes_shape_and_key(table):
    v = table("unsc_vetoes")
    assert len(v) == 214  # one row per vetoed draft resolution
    assert not v.duplicated(["date", "draft", "draft_seq"]).any()
    assert v.date.min() == pd.Timestamp("1946-02-16")
    assert v.date.max() == pd.Timestamp("2022-07-08")
    # three vetoed drafts at the 49th meeting (26 June 1946) share `draft` "S/PV.49";
    # two of them are identical rows in the raw file
    pv49 = v[v.draft == "S/PV.49"]
    assert pv49.draft_seq.tolist() == [1, 2, 3]
    assert pv49.source_row.tolist() == [3, 4, 5]
    # written procedure (2020): two letters in one field
    w = v[v.draft == "S/2020/654"].iloc[0]
    assert w.meeting_record_list == ["S/2020/661", "S/2020/657"]
    assert w.members_list == ["Russia", "China"]


def test_veto_totals_per_member(table):
    """Per draft resolution, 1946 - Sept 2022: the Library's published totals."""
    long = table("unsc_vetoes_by_member")
    assert len(long) == 265
    assert long.member.value_counts().to_dict() == {
        "Russia": 121,
        "United States": 82,
        "United Kingdom": 29,
        "China": 17,
        "France": 16,
    }
    assert long.member_raw.value_counts()[["USSR", "Russia"]].tolist() == [90, 31]
    assert long[long.member_raw == "USSR"].date.max() < pd.Timestamp("1991-12-26")
    assert long[long.member_raw == "Russia"].date.min() > pd.Timestamp("1991-12-26")
    # every "China" veto in the list is by the People's Republic (seat from Oct 1971)
    assert long[long.member == "China"].date.min() > pd.Timestamp("1971-10-25")
    # wide and long tables agree
    v = table("unsc_vetoes")
    assert int(v.n_members.sum()) == len(long)
    assert int(v.russia_ussr.sum()) == 121 and int(v.usa.sum()) == 82 and int(v.france.sum()) == 16


def test_veto_anchors_2011_onwards(table):
    long = table("unsc_vetoes_by_member")
    # 2011 - end of 2019: Russia 19 vetoes, 14 of them on Syria
    c = _member_counts(long, "2011-01-01", "2019-12-31")
    assert c == {"Russia": 19, "China": 9, "United States": 3}
    ru = long[(long.member == "Russia") & long.date.between("2011-01-01", "2019-12-31")]
    assert int(ru.syria.sum()) == 14 and int(ru.syria_conflict.sum()) == 14
    # 2011 - August 2020: Russia 21, China 11, US 4
    assert _member_counts(long, "2011-01-01", "2020-08-31") == {"Russia": 21, "China": 11, "United States": 4}
    # first Syria veto: 4 Oct 2011, S/2011/612, Russia and China
    first = long[long.syria_conflict].sort_values("date").iloc[0]
    assert first.date == pd.Timestamp("2011-10-04") and first.draft == "S/2011/612"
    assert set(long[long.draft == "S/2011/612"].member) == {"Russia", "China"}


def test_syria_flags_and_raw_dummies(table):
    v = table("unsc_vetoes")
    assert int(v.syria_conflict.sum()) == 17  # crisis_topic "Syria" (civil war, 2011-2022)
    assert int(v.syria.sum()) == 20  # + agenda items naming Syria in 1946 and 1986 (x2)
    extra = v[v.syria & ~v.syria_conflict]
    assert extra.year.tolist() == [1946, 1986, 1986]
    # the raw per-member dummies miss a named member in 26 rows; flags come from member_veto1..3
    assert int(v.dummies_disagree.sum()) == 26
    namibia = v[v.draft == "S/12211"].iloc[0]  # 19 Oct 1976, France, UK, US
    assert namibia.dummies_disagree and namibia.france and namibia.uk and namibia.usa
    assert namibia.members_list == ["France", "United Kingdom", "United States"]


def _write_vetoes(raw_root, tmp_path, mutate, final_newline: bool = False):
    """The first 5 rows of the real file, edited by `mutate`, under tmp_path/unsc-vetoes/."""
    src = raw_root / unsc.SOURCE / unsc.FILE
    df = pd.read_csv(src, dtype=str, keep_default_na=False).head(5)
    mutate(df)
    d = tmp_path / unsc.SOURCE
    d.mkdir(parents=True)
    text = df.to_csv(index=False, lineterminator="\n")
    (d / unsc.FILE).write_text(text if final_newline else text.rstrip("\n"))
    return tmp_path


def test_veto_unknown_member_names_column_and_row(raw_root, tmp_path):
    def unknown(df):
        df.loc[2, "member_veto1"] = "Germany"

    root = _write_vetoes(raw_root, tmp_path, unknown)
    with pytest.raises(DataError) as e:
        clean.build(clean.registry()["unsc_vetoes"], root)
    assert e.value.column == "member_veto1" and e.value.row == 3
    assert "Germany" in str(e.value)


def test_veto_bad_dummy_and_date(raw_root, tmp_path):
    def bad_dummy(df):
        df.loc[1, "UK"] = "2"

    root = _write_vetoes(raw_root, tmp_path / "a", bad_dummy, final_newline=True)
    with pytest.raises(DataError) as e:
        clean.build(clean.registry()["unsc_vetoes"], root)
    assert e.value.column == "UK" and e.value.row == 2

    def bad_date(df):
        df.loc[3, "date"] = "13/40/1946"

    root = _write_vetoes(raw_root, tmp_path / "b", bad_date)
    with pytest.raises(DataError) as e:
        clean.build(clean.registry()["unsc_vetoes"], root)
    assert e.value.column == "date" and e.value.row == 4


def test_veto_truncated_last_record(raw_root, tmp_path):
    root = _write_vetoes(raw_root, tmp_path, lambda df: None)
    p = root / unsc.SOURCE / unsc.FILE
    p.write_text(p.read_text()[:-20])  # cut inside the last record
    with pytest.raises(DataError, match="incomplete") as e:
        clean.build(clean.registry()["unsc_vetoes"], root)
    assert e.value.row == 5


def test_veto_unknown_region_fails_schema(table):
    v = table("unsc_vetoes").copy()
    v.loc[7, "region"] = "Atlantis"
    with pytest.raises(DataError) as e:
        clean.validate(clean.registry()["unsc_vetoes"], v)
    assert e.value.column == "region" and e.value.row == int(v.loc[7, "source_row"])


# ============================================================== UNGA roll calls


def test_votes_counts_and_key(table):
    votes = table("unga_votes")
    assert len(votes) == 870_109
    assert votes.vote.value_counts().to_dict() == {"yes": 693_664, "abstain": 110_897, "no": 65_548}
    assert not votes.duplicated(["rcid", "country"]).any()
    assert votes.country.nunique() == 200
    # ISO2 code missing for three historical states only
    na = votes[votes.country_code.isna()]
    assert na.country.value_counts().to_dict() == {
        "Yemen Arab Republic": 3291,
        "Federal Republic of Germany": 2151,
        "Zanzibar": 2,
    }
    # every code names one country and vice versa
    coded = votes.dropna(subset=["country_code"])
    assert (coded.groupby("country_code").country.nunique() == 1).all()
    assert (coded.groupby("country").country_code.nunique() == 1).all()
    assert set(votes.rcid) == set(table("unga_roll_calls").rcid)


def test_roll_calls_and_issues(table):
    rc = table("unga_roll_calls")
    assert len(rc) == 6203 and rc.rcid.is_unique
    assert rc.session.min() == 1 and rc.session.max() == 74
    assert rc.date.min() == pd.Timestamp("1946-01-01") and rc.date.max() == pd.Timestamp("2020-01-14")
    assert rc.importantvote.isna().sum() == 605 and int(rc.importantvote.sum()) == 411
    assert rc.amend.isna().sum() == 3335 and rc.para.isna().sum() == 2995
    assert rc.unres.isna().sum() == 159
    iss = table("unga_roll_call_issues")
    assert len(iss) == 5745
    assert iss.short_name.value_counts().to_dict() == {
        "di": 1092,
        "me": 1061,
        "hr": 1015,
        "co": 957,
        "nu": 855,
        "ec": 765,
    }
    assert set(iss.rcid) <= set(rc.rcid)


def test_ga_resolution_66_253_syria(table):
    rc = table("unga_roll_calls")
    r = rc[rc.unres == "R/66/253"]
    assert len(r) == 1
    r = r.iloc[0]
    assert r.rcid == 5180 and r.session == 66 and r.date == pd.Timestamp("2012-02-16")
    assert r.descr.startswith("The situation in the Syrian Arab Republic")
    votes = table("unga_votes")
    v = votes[votes.rcid == 5180]
    assert v.vote.value_counts().to_dict() == {"yes": 137, "abstain": 17, "no": 12}  # published 137-12-17
    no = set(v[v.vote == "no"].country)
    assert {"China", "Russia", "Cuba", "Nicaragua", "Venezuela"} <= no
    assert no == {
        "Belarus",
        "Bolivia",
        "China",
        "Cuba",
        "Ecuador",
        "Iran",
        "Nicaragua",
        "North Korea",
        "Russia",
        "Syria",
        "Venezuela",
        "Zimbabwe",
    }
    # not a "situation of human rights" resolution, and untagged in the issue table
    assert not r.country_specific_hr
    assert 5180 not in set(table("unga_roll_call_issues").rcid)


#: Every roll call flagged as a country-specific human-rights resolution (163).
CSHR_RCIDS = (
    145,
    146,
    147,
    176,
    471,
    472,
    473,
    474,
    584,
    771,
    909,
    1555,
    1624,
    1708,
    1803,
    1924,
    1925,
    1926,
    2051,
    2168,
    2171,
    2300,
    2330,
    2454,
    2455,
    2456,
    2609,
    2610,
    2611,
    2758,
    2759,
    2760,
    2865,
    2866,
    2867,
    2868,
    2869,
    3073,
    3074,
    3075,
    3076,
    3077,
    3199,
    3200,
    3205,
    3357,
    3360,
    3487,
    3578,
    3653,
    3654,
    3729,
    3730,
    3731,
    3732,
    3792,
    3793,
    3794,
    3795,
    3865,
    3866,
    3867,
    3868,
    3869,
    3870,
    3955,
    3956,
    3957,
    3958,
    3959,
    3960,
    3961,
    4006,
    4007,
    4008,
    4009,
    4010,
    4011,
    4012,
    4096,
    4097,
    4098,
    4099,
    4100,
    4101,
    4102,
    4163,
    4164,
    4165,
    4166,
    4228,
    4229,
    4230,
    4231,
    4232,
    4233,
    4279,
    4280,
    4281,
    4282,
    4361,
    4362,
    4363,
    4364,
    4439,
    4440,
    4441,
    4455,
    4456,
    4457,
    4527,
    4528,
    4529,
    4602,
    4603,
    4604,
    4605,
    4606,
    4723,
    4724,
    4725,
    4749,
    4807,
    4813,
    4814,
    4820,
    4882,
    4889,
    4902,
    5029,
    5030,
    5043,
    5108,
    5110,
    5133,
    5134,
    5135,
    5145,
    5240,
    5241,
    5291,
    5303,
    5377,
    5378,
    5379,
    5458,
    5459,
    5465,
    5487,
    5488,
    5489,
    5556,
    5558,
    5575,
    5593,
    6124,
    6133,
    6155,
    6158,
    9111,
    9121,
    9124,
    9131,
)


def test_country_specific_hr_flag(table):
    rc = table("unga_roll_calls")
    flagged = rc[rc.country_specific_hr]
    assert tuple(flagged.rcid) == CSHR_RCIDS
    assert flagged.country_specific_hr_rule.value_counts().to_dict() == {"title": 131, "subject": 27, "listed": 5}
    assert set(flagged[flagged.country_specific_hr_rule == "listed"].rcid) == set(unga.CSHR_LISTED)
    # every flagged roll call carries the packager's human-rights tag
    iss = table("unga_roll_call_issues")
    assert set(flagged.rcid) <= set(iss[iss.short_name == "hr"].rcid)
    by = rc.set_index("rcid")
    assert by.loc[5135, "country_specific_hr"]  # 66/176 Situation of human rights in the Syrian Arab Republic
    assert by.loc[9124, "country_specific_hr"]  # 74/246 Rohingya Muslims ... in Myanmar
    assert by.loc[1555, "country_specific_hr_rule"] == "subject"  # 1974 HUMAN RIGHTS, CHILE
    # Israeli-occupied-territory human-rights items are excluded
    israeli = rc[rc.descr.fillna("").str.startswith("Israeli practices affecting the human rights")]
    assert len(israeli) > 0 and not israeli.country_specific_hr.any()


def test_country_specific_hr_regex_cases():
    s = pd.Series(
        [
            "Situation of human rights in the Islamic Republic of Iran : resolution",
            "Question of human rights and fundamental freedoms in Afghanistan",
            "Situation of human rights of Rohingya Muslims and other minorities in Myanmar",
            "Human rights situation in Kosovo",
            "Israeli practices affecting the human rights of the Palestinian people in the Occupied Palestinian Territory",
            "Human rights and unilateral coercive measures : resolution",
            "Human rights in the occupied Palestinian territory",
        ]
    )
    got = unga.country_specific_hr_rule(pd.Series(range(1, 8)), pd.Series([None] * 7, dtype="string"), s)
    assert got.notna().tolist() == [True, True, True, True, False, False, False]


def _write_rda(tmp_path, name: str, obj: str, df: pd.DataFrame):
    d = tmp_path / unga.VOTES_SRC
    d.mkdir(parents=True, exist_ok=True)
    pyreadr.write_rdata(str(d / name), df, df_name=obj)
    return tmp_path


def test_unknown_vote_value_names_column_and_row(tmp_path):
    df = pd.DataFrame(
        {
            "rcid": [3.0, 3.0, 4.0],
            "country": ["United States", "Canada", "Cuba"],
            "country_code": ["US", "CA", "CU"],
            "vote": ["yes", "no", "absent"],
        }
    )
    root = _write_rda(tmp_path, unga.VOTES_FILE, "un_votes", df)
    with pytest.raises(DataError) as e:
        clean.build(clean.registry()["unga_votes"], root)
    assert e.value.column == "vote" and e.value.row == 3
    assert "absent" in str(e.value)


def test_fractional_rcid_and_bad_flag_fail(tmp_path):
    df = pd.DataFrame({"rcid": [3.0, 3.5], "country": ["A", "B"], "country_code": ["US", "CA"], "vote": ["yes", "no"]})
    root = _write_rda(tmp_path, unga.VOTES_FILE, "un_votes", df)
    with pytest.raises(DataError) as e:
        clean.build(clean.registry()["unga_votes"], root)
    assert e.value.column == "rcid" and e.value.row == 2

    rc = pd.DataFrame(
        {
            "rcid": [3, 4],
            "session": [1.0, 1.0],
            "importantvote": [0.0, 2.0],
            "date": [dt.date(1946, 1, 1), dt.date(1946, 1, 2)],
            "unres": ["R/1/66", ""],
            "amend": [1.0, None],
            "para": [0.0, None],
            "short": ["A", "B"],
            "descr": ["x", "y"],
        }
    )
    root = _write_rda(tmp_path, unga.ROLL_CALLS_FILE, "un_roll_calls", rc)
    with pytest.raises(DataError) as e:
        clean.build(clean.registry()["unga_roll_calls"], root)
    assert e.value.column == "importantvote" and e.value.row == 2


# ============================================================== UNGA ideal points


def test_idealpoints_facts(table):
    ip = table("unga_idealpoints")
    assert len(ip) == 11_238
    assert not ip.duplicated(["cowcode", "session"]).any()
    sessions = set(ip.session)
    assert sessions == set(range(1, 79)) - {19}  # no ideal points for the 1964-65 session
    assert (ip.year == ip.session + 1945).all()
    usa = ip[ip.cowcode == 2]
    assert len(usa) == 77 and (usa.agree_us == 1).all()
    syr = ip[(ip.cowcode == 652) & (ip.session == 66)].iloc[0]
    assert syr.iso3 == "SYR" and syr.country == "Syria" and syr.n_votes == 64
    assert syr.ideal_point == pytest.approx(-1.654483)
    assert syr.agree_us == pytest.approx(0.0625) and syr.agree_russia == pytest.approx(0.6875)
    assert ip[ip.cowcode == 365].country.unique().tolist() == ["Russia"]  # USSR and Russia: one code
    # the source labels Yemen's two states both "YAR" and both Germanies "DEU"
    assert set(ip[ip.iso3 == "YAR"].cowcode) == {678, 680}
    assert set(ip[ip.iso3 == "DEU"].cowcode) == {255, 260}
    # agreement with China is missing before the PRC took the seat (session 26)
    assert ip[ip.agree_china.notna()].session.min() == 26
    assert ip.agree_china.isna().sum() == 2089


def test_idealpoints_out_of_range_fails(table):
    ip = table("unga_idealpoints").copy()
    ip.loc[10, "agree_us"] = 1.5
    with pytest.raises(DataError) as e:
        clean.validate(clean.registry()["unga_idealpoints"], ip)
    assert e.value.column == "agree_us" and e.value.row == int(ip.loc[10, "source_row"])

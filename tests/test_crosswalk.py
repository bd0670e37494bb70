"""Crosswalk GW <-> COW <-> ISO <-> names: table facts, mapping facts, and the report."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis import clean
from analysis import crosswalk as cx
from analysis.clean.base import RawFiles, sentinels_to_na
from analysis.errors import DataError


@pytest.fixture(scope="module")
def raw(raw_root) -> RawFiles:
    return RawFiles(raw_root)


@pytest.fixture(scope="module")
def cw(raw) -> pd.DataFrame:
    return clean.build(cx.TABLE, raw.root)


@pytest.fixture(scope="module")
def polity_lookup(raw) -> pd.DataFrame:
    return cx.build_polity_lookup(raw)


@pytest.fixture
def mapper(cw, polity_lookup) -> cx.Mapper:
    """A fresh mapper per test, so each report holds only that test's values."""
    return cx.Mapper(cw, polity_lookup)


def rows(cw, g):
    return cw[cw.gwcode == g].sort_values("valid_from").reset_index(drop=True)


# --------------------------------------------------------------------------- the table


def test_table_shape_and_key(cw):
    assert list(cw.columns) == cx.COLUMNS
    assert len(cw) == 218  # 216 GW spells + West Germany, Yemen split where the COW code changes
    assert not cw.duplicated(list(cx.TABLE.key)).any()
    assert cw.method.value_counts().to_dict() == {"identical-code": 208, "data": 7, "exception": 3}


def test_known_links(cw):
    usa = rows(cw, 2)
    assert usa.loc[0, ["cowcode", "iso3", "iso2", "valid_from"]].tolist() == [2, "USA", "US", 1816]
    assert pd.isna(usa.loc[0, "valid_to"])  # still a state when the list ends
    assert usa.loc[0, "evidence"] == "polity5+gwf_all"
    # West Germany: COW 260 until 1989, COW 255 (Germany) from 1990 (GWF codes 1990 as 255)
    g = rows(cw, 260)
    assert g[["cowcode", "valid_from"]].values.tolist() == [[260, 1949], [255, 1990]]
    assert g.loc[0, "valid_to"] == 1989 and g.loc[1, "method"] == "data"
    assert (g.iso3 == "DEU").all()
    # Serbia is COW 345 in both GW spells; Yugoslavia is 345 in both lists
    s = rows(cw, 340)
    assert s[["cowcode", "valid_from", "method"]].values.tolist() == [[345, 1878, "data"], [345, 2006, "data"]]
    assert s.loc[0, "valid_to"] == 1915 and (s.iso3 == "SRB").all()
    y = rows(cw, 345)
    assert y.loc[0, ["cowcode", "valid_from", "valid_to", "iso3"]].tolist() == [345, 1918, 2006, "YUG"]
    # Yemen (Arab Republic) becomes COW 679 with unification in 1990
    assert rows(cw, 678)[["cowcode", "valid_from"]].values.tolist() == [[678, 1918], [679, 1990]]
    assert rows(cw, 680).loc[0, "iso3"] == "YMD"
    # Libya: two GW spells, both LBY
    lby = rows(cw, 620)
    assert lby.valid_from.tolist() == [1816, 1951] and (lby.iso3 == "LBY").all()
    assert rows(cw, 365).loc[0, "iso3"] == "RUS"
    assert rows(cw, 816).loc[0, "iso3"] == "VNM" and pd.isna(rows(cw, 817).loc[0, "iso3"])


def test_states_without_cow(cw):
    no_cow = cw[cw.cowcode.isna()].set_index("gwcode")
    assert sorted(no_cow.index) == [89, 99, 563, 564, 711, 815]
    # the data (Polity5's cown) say so for three; the documented exception table for the rest
    assert (no_cow.loc[[89, 99, 564], "method"] == "data").all()
    assert (no_cow.loc[[563, 711, 815], "method"] == "exception").all()
    assert no_cow.loc[711, "note"].startswith("Tibet: added by Gleditsch & Ward (1999)")


def test_no_gw_year_has_two_cow_codes_and_periods_stay_in_spells(cw, table):
    end = cw.valid_to.fillna(2017).astype(int)
    years = pd.DataFrame(
        [(g, y, c) for g, a, b, c in zip(cw.gwcode, cw.valid_from, end, cw.cowcode) for y in range(a, b + 1)],
        columns=["gwcode", "year", "cowcode"],
    )
    assert not years.duplicated(["gwcode", "year"]).any()
    gw = table("gw_states")
    spell_years = {
        (g, y) for g, a, b in zip(gw.gwcode, gw.start_date.dt.year, gw.end_date.dt.year) for y in range(a, b + 1)
    }
    assert set(zip(years.gwcode, years.year)) == spell_years


def test_iso3_names_one_state_per_year(cw):
    end = cw.valid_to.fillna(2017).astype(int)
    x = pd.DataFrame(
        [
            (i, g, y)
            for i, g, a, b in zip(cw.iso3, cw.gwcode, cw.valid_from, end)
            if pd.notna(i)
            for y in range(a, b + 1)
        ],
        columns=["iso3", "gwcode", "year"],
    ).drop_duplicates()
    assert not x.duplicated(["iso3", "year"]).any()


def test_crosswalk_agrees_with_idealpoint_iso_codes(raw, mapper):
    """COW -> GW -> ISO3 reproduces the ideal points' own iso3c, except two documented slips."""
    ip = raw.read_csv("unga-idealpoints", "IdealpointestimatesAll_Jun2024.csv")
    year = ip.session + 1945
    gw = mapper.to_gw(ip.ccode, "cow", year, source="unga-idealpoints", column="ccode")
    iso = mapper.from_gw(gw, "iso3", year)
    d = pd.DataFrame({"ccode": ip.ccode, "iso3c": ip.iso3c, "year": year, "iso": iso})
    d = d[d.iso.notna()]
    bad = d[d.iso != d.iso3c].groupby(["ccode", "iso3c", "iso"]).year.agg(["min", "max"]).reset_index()
    # the file keeps "YUG" for Serbia from 2006, uses the non-ISO "YAR" for North Yemen
    # (ISO: YEM) and labels South Yemen (ISO 3166-3: YMD) "YAR" as well
    assert bad.values.tolist() == [
        [345, "YUG", "SRB", 2006, 2023],
        [678, "YAR", "YEM", 1947, 1990],
        [680, "YAR", "YMD", 1967, 1989],
    ]


def test_schema_rejects_overlapping_periods(cw):
    bad = cw.copy()
    i = bad.index[(bad.gwcode == 260) & (bad.cowcode == 260)][0]
    bad.loc[i, "valid_to"] = 1995  # overlaps the COW 255 period from 1990
    with pytest.raises(DataError, match="periods_disjoint_per_gwcode"):
        clean.validate(cx.TABLE, bad)
    bad = cw.copy()
    bad.loc[0, "method"] = "guess"
    with pytest.raises(DataError, match="method"):
        clean.validate(cx.TABLE, bad)


def test_mid_year_code_change_takes_the_code_that_continues():
    links = pd.DataFrame(
        {"gwcode": [1] * 5, "cow": [10, 10, 11, 11, 11], "year": [2000, 2001, 2001, 2002, 2002], "src": ["a"] * 5}
    )
    codes, _ = cx._spell_years(links, 1, 1999, 2003)
    assert codes == [10, 10, 11, 11, 11]  # 1999 and 2003 filled from the nearest covered year
    undecidable = pd.DataFrame({"gwcode": [1, 1], "cow": [10, 11], "year": [2000, 2000], "src": ["a", "b"]})
    with pytest.raises(DataError, match="several COW codes"):
        cx._spell_years(undecidable, 1, 2000, 2000)


# --------------------------------------------------------------------------- mapping


def test_cow_to_gw_by_year(mapper):
    codes = [255, 255, 260, 260, 255, 345, 345, 345, 679, 678, 2]
    years = [1930, 1995, 1960, 1990, 1990, 1980, 1900, 2010, 1995, 1990, 2000]
    got = mapper.to_gw(codes, "cow", years, source="t", column="c").tolist()
    assert got == [255, 260, 260, 260, 260, 345, 340, 340, 678, 678, 2]
    assert mapper.report().empty  # all clean


def test_cow_transition_year_and_no_year(mapper):
    got = mapper.to_gw([345, 345, 255], "cow", [2006, None, None], source="t", column="c")
    assert got.tolist() == [340, pd.NA, pd.NA]
    rep = mapper.report().set_index("value")
    assert rep.loc["345"].outcome.tolist() == ["ambiguous", "ambiguous"]
    assert rep.loc["255", "action"] == "left missing: COW 255 names GW 255, 260 without a year"
    mapped = rep[rep.mapped_gwcode.notna()]
    assert mapped.year_range.tolist() == ["2006"] and "in force at year end" in mapped.action.iloc[0]


def test_iso_and_names(mapper):
    assert mapper.to_gw(["RUS", "LBY", "USA", "DEU", "DEU"], "iso3", [2000, 2000, 2000, 1930, 1995]).tolist() == [
        365,
        620,
        2,
        255,
        260,
    ]
    assert mapper.to_gw(["Russian Federation", "Russia", "United States", "Libya"], "name", 2000).tolist() == [
        365,
        365,
        2,
        620,
    ]
    assert mapper.to_gw(["us", " RU", "YU", "YU"], "iso2", [2000, 2000, 1980, 2010]).tolist() == [2, 365, 345, 340]
    assert mapper.to_gw(["Yugoslavia", "Yugoslavia", "USSR"], "name", [1980, 2010, 1960]).tolist() == [345, 340, 365]
    rep = mapper.report()
    exc = rep[rep.outcome == "mapped-by-exception"]
    assert sorted(zip(exc.scheme, exc.value, exc.mapped_gwcode)) == [
        ("iso2", "YU", 340),
        ("name", "USSR", 365),
        ("name", "Yugoslavia", 340),
    ]


def test_unknown_values_are_reported_not_dropped(mapper):
    values = pd.Series([2, 999, 999, None, 1014, 221], index=[10, 11, 12, 13, 14, 15])
    got = mapper.to_gw(values, "cow", 2000, source="demo", column="code")
    assert got.index.tolist() == values.index.tolist()
    assert got.tolist() == [2, pd.NA, pd.NA, pd.NA, pd.NA, pd.NA]
    rep = mapper.report().set_index("value")
    assert rep.loc["999", ["outcome", "n_rows", "year_range"]].tolist() == ["unmatched", 2, "2000"]
    assert rep.loc["1014", "outcome"] == "international-organisation"
    assert rep.loc["221", "action"] == "left missing: COW 221 is Monaco, a microstate outside the GW list"
    s = mapper.summary().iloc[0]
    assert (s.n_rows, s.n_missing_input, s.n_mapped, s.n_left_missing) == (6, 1, 1, 4)
    mapper.to_gw(["XXX", "Atlantis"], "iso3", None, source="demo", column="iso")
    mapper.to_gw(["Atlantis"], "name", None, source="demo", column="name")
    rep = mapper.report().set_index(["scheme", "value"])
    assert rep.loc[("name", "Atlantis"), "action"] == "left missing: not recognised as a country name"
    assert rep.loc[("iso3", "ATLANTIS"), "action"] == "left missing: unknown ISO3 code"


def test_polity_codes(mapper):
    codes = [342, 347, 341, 348, 626, 525, 364, 529, 265, 769]
    years = [1900, 2000, 2010, 2010, 2015, 2015, 1960, 2000, 1990, 1960]
    # Serbia, Serbia & Montenegro, Kosovo, Montenegro, Sudan, South Sudan, USSR, Ethiopia, GDR, Pakistan
    assert mapper.to_gw(codes, "polity", years, source="t", column="p").tolist() == [
        340,
        345,
        347,
        341,
        625,
        626,
        365,
        530,
        265,
        770,
    ]
    assert mapper.to_gw([342], "polity", [1850]).isna().all()
    assert mapper.report().outcome.tolist() == ["non-state/other"]


def test_year_as_dates(mapper):
    dates = pd.Series(pd.to_datetime(["1960-05-01", "1995-01-01"]))
    assert mapper.to_gw([255, 255], "cow", dates).tolist() == [pd.NA, 260]


# --------------------------------------------------------------------------- real code columns


def test_prif_target_codes_all_map(raw, mapper):
    p = raw.read_excel("prif-hmi-0.3", "prif_hmi_v0-3_interventions.xlsx")
    assert len(p) == 41
    # every target code is the COW code of a GW state
    assert set(p.COWCC) <= set(mapper.crosswalk.cowcode.dropna())
    year = pd.to_datetime(p.HMISTART).dt.year
    by_year = mapper.to_gw(p.COWCC, "cow", year, source="prif", column="COWCC")
    # only East Timor 1999 is not a GW state in its year (GW 860 from 2002)
    assert p.HMIID[by_year.isna()].str.strip().tolist() == ["East Timor 1999"]
    wb = mapper.to_gw(p.WBCC, "iso3", year, source="prif", column="WBCC")
    bad = mapper.compare(by_year, wb, p.COWCC, p.WBCC, source="prif", column="COWCC|WBCC", year=year)
    # WBCC "MDV" (Maldives) for Moldova; "BGD" for the 1971 intervention in Pakistan
    assert sorted(p.WBCC[bad]) == ["BGD", "MDV"]
    rep = mapper.report()
    assert set(rep.outcome) == {"non-state/other", "mapped-by-exception", "inconsistent"}
    assert rep[rep.outcome == "mapped-by-exception"].value.tolist() == ["ZAR"]


def test_prif_interveners_with_io_codes(raw, mapper):
    p = raw.read_excel("prif-hmi-0.3", "prif_hmi_v0-3_interventions.xlsx")
    v = sentinels_to_na(p, ["I1CCC"])["I1CCC"]
    got = mapper.to_gw(
        v, "cow", pd.to_datetime(p.HMISTART).dt.year, source="prif", column="I1CCC", special=cx.IMI_SPECIAL_CODES
    )
    rep = mapper.report()
    assert set(rep.outcome) == {"international-organisation"}
    assert sorted(rep.value.astype(int)) == [619, 1014, 1060, 2220, 2400, 2420]
    assert got.notna().sum() + rep.n_rows.sum() + v.isna().sum() == 41


def test_imi_codes(raw, mapper):
    d = raw.read_csv("imi", "interventions_IMI_1946-2005.csv", encoding="utf-8-sig")
    year = (d.start // 10000).where(d.start != 99999999)
    tgt = mapper.to_gw(d.target, "cow", year, source="imi", column="target", special=cx.IMI_SPECIAL_CODES)
    assert int(tgt.notna().sum()) == 1086  # of 1,111
    rep = mapper.report()
    unmatched = rep[rep.outcome == "unmatched"].set_index("value")
    assert sorted(unmatched.index.astype(int)) == [55, 695, 709, 749, 761, 935]
    assert unmatched.loc["55", "action"] == "left missing: COW 55 is Grenada, a microstate outside the GW list"
    # IMI codes the target 1999 interventions in East Timor as 860 (a GW state from 2002)
    assert "860" in rep[rep.outcome == "non-state/other"].value.tolist()

    ivr = mapper.to_gw(d.intervener, "cow", year, source="imi", column="intervener", special=cx.IMI_SPECIAL_CODES)
    rep = mapper.report()
    io = rep[(rep.column == "intervener") & (rep.outcome == "international-organisation")]
    n_io_codes = int((d.intervener >= 1000).sum())
    assert n_io_codes == 90
    assert int(io[io.value.astype(int) >= 1000].n_rows.sum()) == n_io_codes
    assert int(io.n_rows.sum()) == 90 + 33 + 3 + 5 + 6 + 1  # + UN (1), OAS, OAU, Arab League, MFO
    # nothing vanishes: every row is mapped or reported as left missing
    for col, got in (("target", tgt), ("intervener", ivr)):
        r = rep[rep.column == col]
        assert int(got.notna().sum()) + int(r[r.mapped_gwcode.isna()].n_rows.sum()) == len(d)


def test_report_all_is_deterministic(raw, cw, polity_lookup):
    pol = raw.read_rdata("polity5", "polity5.rda", "polity5")
    vet = raw.read_csv("unsc-vetoes", "unsc_vetoes_1946_sept2022.csv")

    def run():
        m = cx.Mapper(cw, polity_lookup)
        inputs = [
            ("unsc-vetoes", "crisis_topic", "name", vet.crisis_topic, vet.year),
            ("polity5", "polity_annual_ccode", "polity", pol.polity_annual_ccode, pol.year),
        ]
        return cx.report_all(inputs, m), m.summary()

    a, sa = run()
    b, _ = run()
    pd.testing.assert_frame_equal(a, b)
    assert list(a.columns) == cx.REPORT_COLUMNS
    assert set(a.outcome) <= set(cx.OUTCOMES)
    assert a.source.is_monotonic_increasing
    topics = a[a.source == "unsc-vetoes"].set_index("value")
    assert topics.loc["Israel-Palestine", ["outcome", "n_rows"]].tolist() == ["ambiguous", 41]
    assert topics.loc["Namibia", "outcome"] == "non-state/other"  # independent (GW 565) only from 1990
    assert topics.loc["Admission", "outcome"] == "unmatched"
    # Polity5 rows whose GWn is a GW state in that year (Polity's own in_GW_system flag: 16,566)
    assert sa.set_index("column").loc["polity_annual_ccode", "n_mapped"] == 16656


# --------------------------------------------------------------------------- exceptions as data


def test_exceptions_file_is_the_one_the_mapper_uses():
    """config/crosswalk.yaml holds the exceptions (issue 19: facts as data); the module's tables are read from it."""
    from analysis import crosswalk as cw

    x = cw.load_exceptions()
    assert {r["gw"] for r in x["gw_cow_exceptions"]} == {563, 711, 815}  # Transvaal, Tibet, Annam
    assert cw.ISO3_ALIASES["YUG"][0] == 345 and cw.ISO2_ALIASES["RS"][0] == 345
    assert cw.NAME_ALIASES["serbia (yugoslavia)"][0] == 345
    assert len(cw.MICROSTATES) == 21 and ("KIR" in {m[2] for m in cw.MICROSTATES})
    assert cw.IMI_SPECIAL_CODES[1][0] == "international-organisation"


@pytest.mark.parametrize(
    "edit,message",
    [
        (lambda d: d.pop("microstates"), "'microstates' is a required property"),
        (lambda d: d["iso3_aliases"][0].update(code="yug"), r"iso3_aliases/0/code: 'yug' does not match"),
        (lambda d: d["name_aliases"][0]["names"].append("West Germany"), "does not match"),
        (lambda d: d["gw_cow_exceptions"][0].update(cow="none"), "gw_cow_exceptions/0/cow"),
    ],
)
def test_a_bad_exceptions_file_is_refused_naming_it(tmp_path, edit, message):
    import yaml

    from analysis import crosswalk as cw

    d = cw.load_exceptions()
    d = yaml.safe_load(yaml.safe_dump(d))  # a copy
    edit(d)
    p = tmp_path / "crosswalk.yaml"
    p.write_text(yaml.safe_dump(d), encoding="utf-8")
    with pytest.raises(DataError, match=message) as e:
        cw.load_exceptions(p)
    assert e.value.file == str(p)

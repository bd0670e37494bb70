"""EWP 2025, PITF genocide/politicide and Ulfelder-Valentino mass killings.

Facts below were read off the raw files (ewp-2025/*.csv, pitf-mk/*).
"""

from __future__ import annotations

import pandas as pd
import pytest

from analysis import clean
from analysis.clean import ewp, pitf
from analysis.clean.base import RawFiles
from analysis.errors import DataError


def row(df: pd.DataFrame, **kw) -> pd.Series:
    m = pd.Series(True, index=df.index)
    for k, v in kw.items():
        m &= df[k] == v
    sel = df[m]
    assert len(sel) == 1, f"{kw}: {len(sel)} rows"
    return sel.iloc[0]


# --------------------------------------------------------------------------- real data: EWP


def test_ewp_base_known_facts(table):
    b = table("ewp_base")
    assert len(b) == 11313
    assert b.cowcode.nunique() == 173
    assert (b.year.min(), b.year.max()) == (1934, 2024)
    assert int(b.mk_onset_count.sum()) == 157
    # Syria 2011: onset of the state-led episode; 2012 adds a non-state-led one.
    syr = row(b, cowcode=652, year=2011)
    assert syr.mk_onset == 1 and syr.mk_ongoing == 1
    assert syr.mk_ongoing_code_list == ["syr2011s1"]
    assert syr.mk_ongoing_state_led == 1 and syr.mk_ongoing_nonstate_led == 0
    assert row(b, cowcode=652, year=2012).mk_ongoing_code_list == ["syr2011s1", "syr2012ns1"]
    # Sudan/Darfur: onset 2003, ongoing to its 2019 offset, nothing ongoing in 2020.
    assert row(b, cowcode=625, year=2003).mk_onset == 1
    darfur = b[(b.cowcode == 625) & b.year.between(2003, 2019)]
    assert len(darfur) == 17
    assert darfur.mk_ongoing_code_list.map(lambda c: "sdn2003s1" in c).all()
    assert row(b, cowcode=625, year=2019).mk_offset == 1
    assert row(b, cowcode=625, year=2020).mk_ongoing == 0
    # Rwanda 1994: three episodes ongoing, two end; narrow (one-group) targeting.
    rwa = row(b, cowcode=517, year=1994)
    assert rwa.mk_ongoing_code_list == ["rwa1990s1", "rwa1994ns1", "rwa1994s1"]
    assert (rwa.mk_ongoing_count, rwa.mk_offset_count) == (3, 2)
    assert rwa.narrowtargeting == 1 and rwa.mk_ethnicflag == 1
    # "; NA" ethnic flag (Sri Lanka 1988-92) -> missing; "" -> missing.
    assert pd.isna(row(b, cowcode=780, year=1990).mk_ethnicflag)
    assert b.mk_ethnicflag.isna().sum() == 9756 + 5
    # Germany is 255 throughout (EWP convention), East Germany 265 until 1989.
    assert b[b.cowcode == 255].year.agg(["min", "max"]).tolist() == [1934, 2024]
    assert b[b.cowcode == 265].year.max() == 1989


def test_ewp_predictors_known_facts(table):
    p = table("ewp_predictors")
    assert len(p) == 9463
    assert (p.year.min(), p.year.max()) == (1960, 2024)
    assert p.region.value_counts().to_dict() == {
        "afr": 2665,
        "eur": 2250,
        "na": 1637,
        "eap": 1209,
        "mna": 1112,
        "sca": 590,
    }
    us = row(p, cowcode=2, year=1960)
    assert us.population == 180_671_000  # 2 ** 27.4287897129285
    assert us.infant_mortality == pytest.approx(5.1349099310504**2)
    assert us.gdppcgrowth == pytest.approx(0.794470482737013)
    assert us.region_label == "Americas"
    assert row(p, cowcode=517, year=1994).region_label == "Sub-Saharan Africa"
    syr = row(p, cowcode=652, year=2011)
    assert (syr.mk_onset, syr.mk_onset_1, syr.mk_onset_1or2) == (1, 1, 1)
    assert syr.region == "mna"
    assert p.popsize_log2.isna().sum() == 46 and p.gdppcgrowth.isna().sum() == 125
    # Leads are missing only in a country's last data years.
    assert p.mk_onset_1.isna().sum() == 173


def test_ewp_predictors_match_base(table):
    """The predictors are the base frame's country-years from 1960 on."""
    b, p = table("ewp_base"), table("ewp_predictors")
    m = p.merge(b, on=["cowcode", "year"], how="left", suffixes=("", "_b"), validate="1:1")
    assert m.ewp_name_b.notna().all()
    assert (m.mk_onset == m.mk_onset_b).all()
    assert (m.widetargeting == m.widetargeting_b).all()


def test_ewp_coups_known_facts(table):
    c = table("ewp_coups")
    assert len(c) == 776
    assert int(c.cou_any.sum()) == 443
    assert c.coup_source.value_counts().to_dict() == {"powell_thyne": 426, "csp": 350}
    assert row(c, cowcode=155, year=1973).cou_any == 1  # Chile
    assert row(c, cowcode=775, year=2021).cou_any == 1  # Myanmar
    assert row(c, cowcode=800, year=2014).cou_any == 1  # Thailand


# --------------------------------------------------------------------------- real data: PITF, Ulfelder


def test_pitf_genocide_known_facts(table):
    g = table("pitf_genocide")
    assert len(g) == 280
    assert g.episode_id.nunique() == 44
    assert (g.year.min(), g.year.max()) == (1956, 2014)
    onsets = g[g.onset == 1]
    # Harff (2003) anchor, different universe: episodes in this release starting 1955-1997.
    assert int(onsets.begin_year.between(1955, 1997).sum()) == 38
    rwa = row(g, sftgcode="RWA", year=1994)
    assert (rwa.begin_month, rwa.begin_year, rwa.end_month, rwa.end_year) == (4, 1994, 7, 1994)
    assert rwa.onset == 1 and rwa.ended == 1
    assert rwa.deathmag == 5.0 and rwa.deathmag_label == "256,000 or more"
    assert rwa.deaths_min == 256_000 and pd.isna(rwa.deaths_max)
    assert rwa.ptype_label == "genocide/politicide"
    assert "Tutsis" in rwa.desc
    darfur = g[g.episode_id == "SUD-2003-07"]
    assert darfur.year.tolist() == list(range(2003, 2012))
    # 99 / 9999 = ongoing at release: Central African Republic 2013-, Iraq 2014-.
    ongoing = g[g.ongoing_at_release == 1]
    assert sorted(ongoing.episode_id.unique()) == ["CEN-2013-12", "IRQ-2014-08"]
    assert ongoing.end_year.isna().all() and (ongoing.end_year_missing == "ongoing at release").all()
    assert row(g, sftgcode="ARG", year=1977).deathmag_label == "2,000-4,000"


def test_mk_ulfelder_known_facts(table):
    m = table("mk_ulfelder")
    assert len(m) == 9329
    assert m.sftgcode.nunique() == 179
    assert int(m.mkl_start.sum()) == 115
    assert row(m, sftgcode="RWA", year=1994).mkl_start == 1
    syr = row(m, sftgcode="SYR", year=2011)
    assert syr.mkl_start == 1 and syr.mkl_type_label == "uprising"
    assert row(m, sftgcode="CAM", year=1975).mkl_type_label == "repression"
    assert row(m, sftgcode="SUD", year=2005).mkl_ongoing == 1
    # Source slips kept as given: Egypt's 2013 onset has no type (it sits in 2011).
    egy = row(m, sftgcode="EGY", year=2013)
    assert pd.isna(egy.mkl_type) and egy.mkl_type_missing == "onset without a type"
    assert row(m, sftgcode="EGY", year=2011).mkl_type == 2
    assert (m.mkl_type_missing == "no onset this year").sum() == 9212


# --------------------------------------------------------------------------- fixtures (edge cases)

GENO_COLS = [
    "COUNTRY",
    "SCODE",
    "CCODE",
    "YEAR",
    "MOBEGIN",
    "YRBEGIN",
    "MOEND",
    "YREND",
    "PTYPE",
    "DEATHMAG",
    "DESC",
    "DESC2",
]


class SheetRaw(RawFiles):
    """RawFiles whose spreadsheet read returns an in-code frame."""

    def __init__(self, root, sheet: pd.DataFrame):
        super().__init__(root)
        self.sheet = sheet

    def read_excel(self, source, name, **kw):
        return self.sheet.copy()


def geno_sheet() -> pd.DataFrame:
    rows = [
        ["Rwanda ", "RWA", 517, 1994, 4, 1994, 7, 1994, 4, 5.0, "Hutu-led government ...", 1],
        ["Iraq", "IRQ", 645, 2014, 8, 2014, 99, 9999, 4, 1.0, "ISIS ...", 1],
    ]
    return pd.DataFrame(rows, columns=GENO_COLS)


def test_pitf_fixture_sentinels_become_missing(tmp_path):
    out = pitf.build_genocide(SheetRaw(tmp_path, geno_sheet()))
    irq = out.iloc[1]
    assert pd.isna(irq.end_year) and pd.isna(irq.end_month)
    assert irq.end_year_missing == "ongoing at release" and irq.end_month_missing == "ongoing at release"
    assert irq.ongoing_at_release == 1 and irq.ended == 0
    assert out.iloc[0].country == "Rwanda"  # trimmed
    clean.validate(clean.registry()["pitf_genocide"], out)


@pytest.mark.parametrize(
    "col, value",
    [("PTYPE", 7), ("DEATHMAG", 6.0), ("MOBEGIN", 13), ("YREND", 8888), ("MOEND", 98)],
)
def test_pitf_fixture_unknown_code_fails(tmp_path, col, value):
    sheet = geno_sheet()
    sheet[col] = sheet[col].astype(object)
    sheet.loc[1, col] = value
    with pytest.raises(DataError) as e:
        pitf.build_genocide(SheetRaw(tmp_path, sheet))
    assert e.value.column == col and e.value.row == 2
    assert col in str(e.value) and "row 2" in str(e.value)


def write(tmp_path, source, name, text) -> RawFiles:
    d = tmp_path / source
    d.mkdir(parents=True, exist_ok=True)
    (d / name).write_text(text)
    return RawFiles(tmp_path)


MKL_HEAD = '"sftgcode","year","mkl.start","mkl.end","mkl.ongoing","mkl.type","mkl.ever"\n'


def test_mkl_fixture_type_zero_is_missing_and_unknown_type_fails(tmp_path):
    raw = write(tmp_path, "pitf-mk", "mkl.csv", MKL_HEAD + '"SYR",2010,0,0,0,0,1\n" SYR",2011,1,0,1,2,1\n')
    out = pitf.build_mkl(raw)
    assert pd.isna(out.mkl_type[0]) and out.mkl_type_missing[0] == "no onset this year"
    assert out.mkl_type_label[1] == "uprising" and out.sftgcode[1] == "SYR"
    raw = write(tmp_path, "pitf-mk", "mkl.csv", MKL_HEAD + '"SYR",2010,0,0,0,0,1\n"SYR",2011,1,0,1,5,1\n')
    with pytest.raises(DataError) as e:
        pitf.build_mkl(raw)
    assert e.value.column == "mkl.type" and e.value.row == 2


def test_mkl_fixture_schema_check_names_row(tmp_path):
    """An onset in a year not flagged ongoing passes the code reads but fails validation."""
    raw = write(tmp_path, "pitf-mk", "mkl.csv", MKL_HEAD + '"SYR",2011,1,0,0,2,1\n"SYR",2012,0,0,1,0,1\n')
    out = pitf.build_mkl(raw)
    with pytest.raises(DataError, match="onset_implies_ongoing"):
        clean.validate(clean.registry()["mk_ulfelder"], out)


def test_coups_fixture_bad_flag_fails(tmp_path):
    raw = write(tmp_path, "ewp-2025", "all-coups.csv", "ccode,country,year,cou.any\n2,USA,1945,0\n155,Chile,1973,2\n")
    with pytest.raises(DataError) as e:
        ewp.build_coups(raw)
    assert e.value.column == "cou.any" and e.value.row == 2


BASE_HEAD = (
    '"","year","country","ccode","datastartyear","dataendyear","independence_year","mk_onset_count",'
    '"mk_offset_count","mk_ongoing_count","mk_location_ever","mk_responsible_ever","mk_ongoing_widescope",'
    '"mk_ongoing_code","mk_ethnicflag","mk_ongoing","mk_onset","mk_offset","widetargeting","narrowtargeting","ewp_name"\n'
)


def base_line(i, year, flag='"; 1"', code='"; rwa1994s1"', onset=1, onset_count=None, ccode=517):
    n = onset if onset_count is None else onset_count
    return f'"{i}",{year},"Rwanda",{ccode},1962,2024,1962,{n},0,1,1,1,0,{code},{flag},1,{onset},0,0,1,"Rwanda"\n'


def test_ewp_base_fixture_sentinel_and_unknown_code(tmp_path):
    raw = write(
        tmp_path,
        "ewp-2025",
        "basedata2025_4august2025.csv",
        BASE_HEAD + base_line(1, 1994) + base_line(2, 1995, flag='"; NA"', onset=0),
    )
    out = ewp.build_base(raw)
    assert out.mk_ethnicflag.tolist()[0] == 1 and pd.isna(out.mk_ethnicflag[1])
    assert out.mk_ongoing_code_list[0] == ["rwa1994s1"]
    clean.validate(clean.registry()["ewp_base"], out)
    raw = write(
        tmp_path,
        "ewp-2025",
        "basedata2025_4august2025.csv",
        BASE_HEAD + base_line(1, 1994) + base_line(2, 1995, flag='"; 7"', onset=0),
    )
    with pytest.raises(DataError) as e:
        ewp.build_base(raw)
    assert e.value.column == "mk_ethnicflag" and e.value.row == 2


def test_ewp_base_fixture_out_of_range_code_fails_validation(tmp_path):
    raw = write(
        tmp_path,
        "ewp-2025",
        "basedata2025_4august2025.csv",
        BASE_HEAD + base_line(1, 1994) + base_line(2, 1995, onset=0, ccode=1000),
    )
    out = ewp.build_base(raw)
    with pytest.raises(DataError) as e:
        clean.validate(clean.registry()["ewp_base"], out)
    assert e.value.column == "cowcode" and e.value.row == 2


def test_ewp_base_fixture_inconsistent_flags_name_the_row(tmp_path):
    """mk_onset 1 with mk_onset_count 0 fails the row-wise consistency check at that row."""
    bad = base_line(2, 1995, onset=1, onset_count=0)
    raw = write(tmp_path, "ewp-2025", "basedata2025_4august2025.csv", BASE_HEAD + base_line(1, 1994) + bad)
    out = ewp.build_base(raw)
    assert out.mk_onset.tolist() == [1, 1] and out.mk_onset_count.tolist() == [1, 0]
    with pytest.raises(DataError, match="counts_flags_codes_consistent") as e:
        clean.validate(clean.registry()["ewp_base"], out)
    assert e.value.row == 2


def test_predictor_region_decoding_rejects_two_regions(tmp_path):
    p = RawFiles(tmp_path)
    cols = ["ewp_name", "year", *ewp.PREDICTORS, "ccode"]
    vals = {c: 0 for c in cols}
    vals.update(
        {
            "ewp_name": "X",
            "year": 2000,
            "ccode": 2,
            "year_sq": 4_000_000,
            "popsize.log2": 20.0,
            "reg.na": 1,
            "reg.eur": 1,
        }
    )
    text = ",".join(cols) + "\n" + ",".join(str(vals[c]) for c in cols) + "\n"
    write(tmp_path, "ewp-2025", "prepared2024predictors-2025-09-03.csv", text)
    with pytest.raises(DataError, match="more than one region"):
        ewp.build_predictors(p)

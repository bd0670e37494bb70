"""PRIF HMI: facts verified by reading the raw files, plus in-code fixtures for edge cases."""

import pandas as pd
import pandera.errors as pa_errors
import pytest

from analysis.clean import prif
from analysis.clean.base import RawFiles
from analysis.errors import DataError

LIBYA = "Libya 2011"
AFG = "Afghanistan 2003-2014"
REGIME_CASES_03 = {
    "Côte d'Ivoire 2011",
    "Haiti 1994",
    "Libya 2011",
    "Sierra Leone 1997-1999",
    "Uganda 1979",
    "Yugoslavia (Kosovo) 1999",
}


@pytest.fixture(scope="module")
def t03(table):
    return table("prif_hmi_03")


@pytest.fixture(scope="module")
def t19(table):
    return table("prif_hmi_2019_years")


@pytest.fixture(scope="module")
def cases(table):
    return table("hmi_cases")


@pytest.fixture(scope="module")
def raw19(raw_root):
    return prif.read_2019_raw(RawFiles(raw_root))


@pytest.fixture(scope="module")
def raw03(raw_root):
    return RawFiles(raw_root).read_excel(prif.SRC03, prif.FILE03)


def _case(df, case_id, **kw):
    m = df["case_id"] == case_id
    for k, v in kw.items():
        m &= df[k] == v
    assert m.sum() == 1, (case_id, kw)
    return df[m].iloc[0]


# --------------------------------------------------------------------------- v0.3


def test_v03_counts_and_regime_change(t03):
    assert len(t03) == 41
    assert t03["case_id"].is_unique
    assert set(t03.loc[t03["regime"] == 1, "case_id"]) == REGIME_CASES_03
    assert (t03["status"] == 2).sum() == 36 and (t03["status"] == 1).sum() == 5
    assert (t03["unsc"] == 2).sum() == 29 and (t03["unsc"] == 0).sum() == 12


def test_v03_ids_trimmed_raw_kept(t03):
    rw = _case(t03, "Rwanda 1994")
    assert rw["hmiid_raw"] == "Rwanda 1994 "
    assert rw["source_row"] == 29
    assert not t03["case_id"].str.match(r"^\s|.*\s$").any()


def test_v03_known_values(t03):
    libya = _case(t03, LIBYA)
    assert libya["unsc"] == 2 and libya["unsc_label"] == "mandate or approval"
    assert libya["target"] == 1 and libya["target_label"] == "against government"
    assert libya["hmistart"] == pd.Timestamp("2011-03-19")
    assert libya["hmiend"] == pd.Timestamp("2011-10-23")
    assert libya["interven1"] == "NATO" and libya["i1_cowcode"] == 1060
    assert libya["cowcode"] == 620 and libya["iso3"] == "LBY"
    assert libya["ucdpid_list"] == ["11346"]
    assert _case(t03, AFG)["status"] == 2
    # "89,489" (no space) and a non-numeric actor are both split.
    assert _case(t03, "DR Congo 2013-")["actorid_list"][:3] == ["89", "489", "528"]
    assert _case(t03, "Congo 1960-1964")["actorid_list"] == ["89", "Government of Belgium"]


def test_v03_sentinels_and_reasons(t03):
    alb = _case(t03, "Albania 1997")
    assert pd.isna(alb["fatality"]) and pd.isna(alb["fatalcom"])  # -99, -999
    assert pd.isna(alb["ucdpid"]) and alb["ucdpid_list"] == []  # -99
    mali = _case(t03, "Mali 2013-")
    assert pd.isna(mali["hmiend"]) and mali["hmiend_missing"] == "ongoing"  # blank cell
    assert pd.isna(mali["fatal2"]) and mali["fatal2_missing"] == "ongoing"  # -88
    assert pd.isna(mali["newviol"]) and mali["newviol_missing"] == "not applicable"
    tj = _case(t03, "Tajikistan 1993-1996")
    assert pd.isna(tj["i1_cowcode"]) and tj["i1_cowcode_missing"] == "no COW code"  # CIS: -88
    # FATALCOM -88.5 is a real value (Somalia), not the -88 sentinel.
    assert _case(t03, "Somalia 1992-1995")["fatalcom"] == -88.5
    # GROUNDAR -0.2009 = -88 / 438: a ratio computed from the GROUNDNO sentinel.
    irq = _case(t03, "Iraq 2014-")
    assert pd.isna(irq["groundar"]) and irq["groundar_missing"] == prif.NEG_RATIO


def test_v03_date_encodings(t03):
    mol = _case(t03, "Moldova 1992")  # Excel serial numbers 33776 / 33816 stored as integers
    assert mol["starinte"] == pd.Timestamp("1992-06-21")
    assert mol["endinte"] == pd.Timestamp("1992-07-31")
    mali = _case(t03, "Mali 2013-")  # the string "11.1.2013", day first
    assert mali["starlost"] == pd.Timestamp("2013-01-11")
    assert mali["endlost_missing"] == "ongoing"  # -77
    sl = _case(t03, "Sri Lanka 1987-1990")  # -88 formatted as a date: 1899-10-03
    assert pd.isna(sl["starcivi"]) and sl["starcivi_missing"] == "not applicable"
    sle = _case(t03, "Sierra Leone 1997-1999")  # "10.03.199" corrected (FIXES)
    assert sle["endlost"] == pd.Timestamp("1999-03-10")
    assert len(sle["source_fixes"]) == 1 and "ENDLOST" in sle["source_fixes"][0]


# --------------------------------------------------------------------------- 2019


def test_2019_raw_file_shape(raw19):
    assert len(raw19) == 162
    ids = raw19["HMIID"]
    empty = prif._empty_rows(raw19, prif.COLUMNS_2019)
    assert empty.sum() == 9
    assert raw19.loc[empty, "source_row"].tolist() == list(range(154, 163))
    assert ids.nunique() == 43  # includes "" (the empty rows)
    nonempty = ids[ids.str.strip() != ""]
    assert nonempty.nunique() == 42
    assert nonempty.str.strip().nunique() == 41
    # The one ID spelled both with and without a trailing space:
    spellings = nonempty.groupby(nonempty.str.strip()).agg(lambda s: frozenset(s))
    assert spellings[spellings.map(len) > 1].to_dict() == {AFG: frozenset({AFG, AFG + " "})}


def test_2019_years_table(t19, t03):
    assert len(t19) == 153
    assert t19["case_id"].nunique() == 41
    assert set(t19["case_id"]) == set(t03["case_id"])
    assert not t19.duplicated(["case_id", "year"]).any()
    assert t19["source_row"].min() == 1 and t19["source_row"].max() == 153
    afg = t19[t19["case_id"] == AFG]
    assert afg["year"].tolist() == list(range(2003, 2015))
    assert set(afg["hmiid_raw"]) == {AFG, AFG + " "}
    assert (afg["status"] == 1).all()  # borderline in 2019, clear (2) in v0.3
    assert t19["year"].max() == 2016  # ongoing cases run past 2014 in this release


def test_2019_1899_12_31_is_ongoing(t19, raw19):
    raw_ongoing = raw19["HMIEND"] == pd.Timestamp("1899-12-31")
    assert raw_ongoing.sum() == 41
    assert t19["hmiend"].isna().sum() == 41
    assert (t19.loc[t19["hmiend"].isna(), "hmiend_missing"] == "ongoing").all()
    assert (t19.loc[t19["hmiend"].isna(), "endtype"] == 0).all()
    # -88 stored as the date 1899-10-04
    regi = t19["starregi_missing"].value_counts()
    assert regi.to_dict() == {"not applicable": 146}


def test_2019_fill_series_fixes(t19, raw19):
    raw_mali = raw19[raw19["HMIID"].str.strip() == "Mali 2013-"]
    assert raw_mali["COWCC"].tolist() == [432, 433, 434, 435]  # as stored
    mali = t19[t19["case_id"] == "Mali 2013-"]
    assert (mali["cowcode"] == 432).all()
    assert mali["ucdpid_list"].map(tuple).nunique() == 1
    assert mali["source_fixes"].map(len).tolist() == [0, 2, 2, 2]
    bos = t19[t19["case_id"] == "Bosnia and Herzegovina 1993-1995"]
    assert (bos["countarm"] == 1).all()
    assert t19["countarm"].dropna().isin([0, 1]).all()


def test_2019_blank_cells(t19):
    geo = _case(t19, "Georgia (Abkhazia) 1992-1993", year=1993)
    assert geo["source_row"] == 64
    assert pd.isna(geo["violarea"]) and pd.isna(geo["airforce"])
    assert geo["idtroops_missing"] == prif.BLANK


def test_within_case_variation(t19):
    v = prif.within_case_variation(t19, ["regime", "status", "target", "unsc", "cowcode", "fatal1", "colony2"])
    got = {(r.column, r.case_id) for r in v.itertuples()}
    assert got == {
        ("regime", "Sierra Leone 1997-1999"),
        ("fatal1", "Iraq (Kurds) 1991-1997"),
        ("colony2", "Haiti 2004-2005"),
    }


# --------------------------------------------------------------------------- hmi_cases


def test_cases_shape(cases):
    assert len(cases) == 82
    assert cases.groupby("release").size().to_dict() == {"0.3": 41, "2019": 41}
    assert not cases.duplicated(["release", "case_id"]).any()
    assert cases.groupby("release")["regime_change"].sum().to_dict() == {"0.3": 6, "2019": 6}


def test_libya_mandate_both_releases(cases):
    for rel in ("0.3", "2019"):
        ly = _case(cases, LIBYA, release=rel)
        assert ly["unsc"] == 2 and ly["mandate"] and ly["unsc_label"] == "mandate or approval"
        assert ly["target_label"] == "against government"
        assert ly["regime_change"] is True or ly["regime_change"] == True  # noqa: E712 (pd.BooleanDtype)
        assert ly["interveners"] == ["NATO", "Jordan", "Qatar"]
        assert ly["p5"] and ly["p5_members"] == []  # NATO led; P5 codes 1 via the contingents rule
        assert ly["start_year"] == 2011 and ly["duration_days"] == 218
        assert ly["cowcode"] == 620 and ly["iso3"] == "LBY" and ly["ucdp_ids"] == ["11346"]
    assert _case(cases, LIBYA, release="2019")["fatalities_during"] == 1706


def test_cases_aggregation_rules(cases):
    sle = _case(cases, "Sierra Leone 1997-1999", release="2019")
    assert sle["regime_change"] == True  # noqa: E712  max over years (REGIME 1, 1, 0)
    assert sle["n_years"] == 3 and sle["source_row"] == 106 and sle["n_source_rows"] == 3
    afg = _case(cases, AFG, release="2019")
    assert afg["interveners"] == ["NATO", "Australia", "Macedonia", "New Zealand", "Georgia"]
    assert afg["status_label"] == "borderline case"
    iq = _case(cases, "Iraq (Kurds) 1991-1997", release="2019")
    assert iq["fatal1"] == 47.88  # first year (1995 says 47.85)
    assert iq["p5_members"] == ["USA", "UK", "France"]
    assert iq["target_country"] == "Iraq" and iq["target_area"] == "Kurds"


def test_cases_ongoing_and_cold_war(cases):
    ongoing = cases.loc[cases["ongoing"], "case_id"]
    assert set(ongoing) == {
        "Central African Republic 2013-",
        "DR Congo 2013-",
        "Iraq 2014-",
        "Mali 2013-",
        "Somalia 2007-",
        "South Sudan 2011-",
        "Sudan (Darfur) 2007-",
    }
    assert cases.loc[cases["ongoing"], "duration_days"].isna().all()
    assert (cases["cold_war"] == cases["coldwar_coded"]).all()
    assert set(cases.loc[cases["cold_war"], "case_id"]) == {
        "Congo 1960-1964",
        "Lebanon 1976-1979",
        "Lebanon 1982-1984",
        "Pakistan 1971",
        "Sri Lanka 1987-1990",
        "Uganda 1979",
    }


def test_slugs_unique_and_safe(cases):
    for _, g in cases.groupby("release"):
        assert g["slug"].is_unique
    assert cases["slug"].str.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*").all()
    assert cases.groupby("case_id")["slug"].nunique().eq(1).all()  # same slug in both releases
    assert _case(cases, "Côte d'Ivoire 2002-2005", release="0.3")["slug"] == "cote-divoire-2002-2005"
    assert _case(cases, "Central African Republic 2013-", release="0.3")["slug"] == "central-african-republic-2013"


@pytest.mark.parametrize(
    "raw, slug",
    [
        ("Yugoslavia (Kosovo) 1999", "yugoslavia-kosovo-1999"),
        ("São Tomé  2000-", "sao-tome-2000"),
        ("Côte d’Ivoire 2011 ", "cote-divoire-2011"),
    ],
)
def test_slugify(raw, slug):
    assert prif.slugify(raw) == slug


# --------------------------------------------------------------------------- release_diff


def test_release_diff_real(cases):
    d = prif.release_diff(cases[cases["release"] == "0.3"], cases[cases["release"] == "2019"])
    assert list(d.columns) == ["case_id", "change", "column", "value_0_3", "value_2019"]
    assert set(d["change"]) == {"changed"}  # same 41 interventions
    st = d[(d["case_id"] == AFG) & (d["column"] == "status")]
    assert st[["value_0_3", "value_2019"]].values.tolist() == [["2", "1"]]
    fp = d[(d["case_id"] == "Sierra Leone 1997-1999") & (d["column"] == "fatality_prior")]
    assert fp[["value_0_3", "value_2019"]].values.tolist() == [["8844", "8848"]]
    assert set(d["column"]) <= set(prif.DIFF_COLUMNS)
    assert not (d["case_id"] == LIBYA).any()


def test_release_diff_fixture():
    def frame(rows):
        return pd.DataFrame(rows, columns=["case_id", "status", "interveners", "end_date"])

    a = frame([["A 1990", 2, ["UN", "UK"], pd.NaT], ["B 1991", 1, ["X"], pd.Timestamp("1991-05-01")]])
    b = frame([["A 1990", 1, ["UK", "UN"], pd.NaT], ["C 1992", 2, ["Y"], pd.NaT]])
    d = prif.release_diff(a, b)
    assert d.to_dict("records") == [
        {"case_id": "A 1990", "change": "changed", "column": "status", "value_0_3": "2", "value_2019": "1"},
        {"case_id": "B 1991", "change": "removed", "column": None, "value_0_3": None, "value_2019": None},
        {"case_id": "C 1992", "change": "added", "column": None, "value_0_3": None, "value_2019": None},
    ]


# --------------------------------------------------------------------------- errors (fixtures)


def test_unknown_target_code_raises():
    raw = pd.Series([0, 2, 7, 1])
    rows = pd.Series([1, 2, 3, 4])
    with pytest.raises(DataError) as e:
        prif.decode_column(raw, rows, "TARGET", prif.SRC03, prif.FILE03)
    assert e.value.column == "TARGET" and e.value.row == 3
    assert "unknown code 7" in str(e.value) and "row 3" in str(e.value)


def test_unknown_target_code_in_sheet_raises(raw03):
    df = raw03.copy()
    df.loc[4, "TARGET"] = 4  # data row 5
    with pytest.raises(DataError) as e:
        prif.clean_03(df)
    assert e.value.column == "TARGET" and e.value.row == 5


def test_unsc_code_1_is_not_in_codebook():
    with pytest.raises(DataError) as e:
        prif.decode_column(pd.Series(["2", "1"]), pd.Series([10, 11]), "UNSC", prif.SRC19, prif.FILE19)
    assert e.value.column == "UNSC" and e.value.row == 11


def test_1899_12_31_becomes_nat():
    raw = pd.Series([pd.Timestamp("1899-12-31"), pd.Timestamp("2011-03-19"), pd.Timestamp("1899-10-15")])
    rows = pd.Series([1, 2, 3])
    end = prif.decode_column(raw[:2], rows[:2], "HMIEND", prif.SRC19, prif.FILE19)
    assert pd.isna(end["hmiend"][0]) and end["hmiend"][1] == pd.Timestamp("2011-03-19")
    assert end["hmiend_missing"][0] == "ongoing"
    regi = prif.decode_column(raw, rows, "ENDREGI", prif.SRC19, prif.FILE19)
    assert regi["endregi"].isna().tolist() == [True, False, True]
    assert regi["endregi_missing"].tolist()[::2] == ["no date", "ongoing"]  # 0, -77
    # An unknown sentinel date (1899-11-01 = -60) is an error, not silently missing.
    with pytest.raises(DataError) as e:
        prif.decode_column(pd.Series([pd.Timestamp("1899-11-01")]), pd.Series([7]), "ENDREGI", prif.SRC19, prif.FILE19)
    assert e.value.column == "ENDREGI" and e.value.row == 7


def test_sentinels_fixture():
    out = prif.decode_column(
        pd.Series([-99, -88, 12, None]), pd.Series([1, 2, 3, 4]), "NEWFATAL", prif.SRC03, prif.FILE03
    )
    assert out["newfatal"].isna().tolist() == [True, True, False, True]
    assert out["newfatal_missing"].tolist()[:2] == ["no data", "not applicable"]
    assert out["newfatal_missing"][3] == prif.BLANK
    with pytest.raises(DataError) as e:  # -5 is no sentinel and counts cannot be negative
        prif.decode_column(pd.Series([3, -5]), pd.Series([1, 2]), "NEWFATAL", prif.SRC03, prif.FILE03)
    assert e.value.column == "NEWFATAL" and e.value.row == 2


def test_renamed_column_raises(raw03):
    with pytest.raises(DataError) as e:
        prif.clean_03(raw03.rename(columns={"TARGET": "TARGET1"}))
    assert e.value.column == "TARGET"


def test_fix_expects_exact_raw_value(raw19):
    df = raw19.copy()
    i = df.index[(df["HMIID"].str.strip() == "Mali 2013-") & (df["YEAR"] == 2014)][0]
    df.loc[i, "COWCC"] = 999
    with pytest.raises(DataError) as e:
        prif.clean_2019(df)
    assert e.value.column == "COWCC" and e.value.row == 100


def test_schema_rejects_bad_values(t03):
    bad = t03.copy()
    bad.loc[0, "target"] = 5
    with pytest.raises(pa_errors.SchemaError):
        prif.SCHEMA_03.validate(bad)

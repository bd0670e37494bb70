"""Regime and coup sources: GWF, Polity5, V-Dem ERT, Colpus.

Facts below were read from the raw files (data/raw/<source>/...) before being written here.
"""

import numpy as np
import pandas as pd
import pytest

from analysis import clean
from analysis.clean import colpus, gwf, polity
from analysis.clean.base import RawFiles
from analysis.errors import DataError


def _row(df, **where):
    m = pd.Series(True, index=df.index)
    for k, v in where.items():
        m &= df[k] == v
    hit = df[m]
    assert len(hit) == 1, f"{where}: {len(hit)} rows"
    return hit.iloc[0]


# --------------------------------------------------------------------------- GWF


def test_gwf_counts_and_codes(table):
    g = table("gwf")
    assert len(g) == 7954
    assert (g.year.min(), g.year.max()) == (1946, 2010)
    assert int(g.autocracy.sum()) == 4591  # = rows of gwf_autocratic.rda, all joined
    assert int(g.source_row_autocratic.notna().sum()) == 4591
    assert int(g.gwf_fail.sum()) == 339  # regime ends of any kind
    assert int((g.gwf_fail & g.autocracy).sum()) == 223  # autocratic regime ends
    # How the 223 autocratic regimes ended (GWF codebook codes).
    counts = g.loc[g.gwf_fail & g.autocracy, "gwf_fail_type"].value_counts().to_dict()
    assert counts == {5: 77, 4: 38, 3: 31, 2: 28, 6: 17, 1: 10, 7: 10, 8: 7, 9: 5}
    # Failure type is not coded for non-autocratic years (e.g. democratic breakdowns).
    assert g.loc[~g.autocracy, "gwf_fail_type"].isna().all()


def test_gwf_iraq_2003_foreign_imposition(table):
    g = table("gwf")
    r = _row(g, country="Iraq", year=2003)
    assert r.gwf_casename == "Iraq 79-03" and r.gwf_regimetype == "personal"
    assert r.gwf_fail
    assert r.gwf_fail_type == 7 and r.gwf_fail_type_label == "foreign imposition or invasion"
    assert r.gwf_fail_subsregime == 3 and r.gwf_fail_violent == 4
    assert r.gwf_enddate == pd.Timestamp("2003-04-07")
    assert r.gwf_next == "foreign-occupied"
    nxt = _row(g, country="Iraq", year=2004)
    assert nxt.gwf_regime == "foreign-occupied" and not nxt.autocracy
    assert pd.isna(nxt.gwf_fail_type)


def test_gwf_libya(table):
    g = table("gwf")
    r = _row(g, country="Libya", year=1969)
    assert r.gwf_casename == "Libya 51-69" and r.gwf_fail
    assert r.gwf_fail_type_label == "military coup" and r.gwf_fail_subsregime_label == "autocracy"
    assert r.gwf_enddate == pd.Timestamp("1969-09-01")
    r = _row(g, country="Libya", year=2010)
    assert r.gwf_casename == "Libya 69-NA" and r.gwf_regimetype == "personal" and not r.gwf_fail
    assert r.gwf_fail_type == 0 and r.gwf_prior == "monarchy"


def test_gwf_keeps_both_country_codes(table):
    g = table("gwf")
    # GWF codes Germany 255 throughout; democracyData's COW code is 260 for West Germany before 1991.
    r = _row(g, gwf_cowcode=255, year=1950)
    assert (r.cowcode, r.gwcode) == (260, 260)
    r = _row(g, gwf_cowcode=255, year=2000)
    assert (r.cowcode, r.gwcode) == (255, 260)


def test_gwf_unknown_failure_code_fails_validation(table):
    g = table("gwf").copy()
    i = g.index[(g.country == "Iraq") & (g.year == 2003)][0]
    g.loc[i, "gwf_fail_type"] = 12
    with pytest.raises(DataError) as e:
        clean.validate(clean.registry()["gwf"], g)
    assert e.value.column == "gwf_fail_type"
    assert e.value.row == int(g.loc[i, "source_row"])


def test_gwf_autocratic_row_missing_from_all_is_an_error(raw_root):
    raw = RawFiles(raw_root)
    a = raw.read_rdata("gwf", "gwf_all.rda", "gwf_all")
    b = raw.read_rdata("gwf", "gwf_autocratic.rda", "gwf_autocratic")
    a_small = a[a.gwf_cowcode != 40]  # drop Cuba from gwf_all only
    with pytest.raises(DataError) as e:
        gwf.transform(a_small, b)
    assert "missing from gwf_all" in str(e.value)
    assert e.value.rows[0] == 1  # Cuba 1953 is the first row of gwf_autocratic.rda


# --------------------------------------------------------------------------- Polity5


def test_polity5_facts(table):
    p = table("polity5")
    assert len(p) == 17574
    r = _row(p, scode="LIB", year=2010)
    assert (r.polity2, r.polity, r.democ, r.autoc) == (-7, -7, 0, 7)
    # Libya 2011: interregnum (-77); polity2 codes it 0.
    r = _row(p, scode="LIB", year=2011)
    assert pd.isna(r.polity) and r.polity_missing == "interregnum" and r.polity2 == 0
    assert pd.isna(r.democ) and pd.isna(r.autoc)
    # Iraq 2009: interruption (-66); polity2 missing too.
    r = _row(p, scode="IRQ", year=2009)
    assert r.polity_missing == "interruption" and pd.isna(r.polity2) and r.polity2_missing == "interruption"
    # Egypt 2012: transition (-88); polity2 interpolated to -3.
    r = _row(p, scode="EGY", year=2012)
    assert r.polity_missing == "transition" and r.polity2 == -3 and pd.isna(r.polity2_missing)
    assert p.polity_missing.value_counts().to_dict() == {"transition": 312, "interruption": 260, "interregnum": 237}
    assert int(p.polity2.isna().sum()) == 267
    assert _row(p, scode="USA", year=2020).polity2 == 5  # the file runs to 2020 for the USA only


def test_polity5_code_schemes(table):
    p = table("polity5")
    assert not p.duplicated(["polity_ccode", "year"]).any()
    # Polity's 626 is Sudan-North; its COW code is 625.
    r = _row(p, polity_ccode=626, year=2012)
    assert r.country == "Sudan-North" and r.cowcode == 625
    # In 2011 Polity has both Sudan (625) and Sudan-North (626): the COW code is shared.
    both = p[(p.cowcode == 625) & (p.year == 2011)]
    assert sorted(both.polity_ccode) == [625, 626] and both.cowcode_shared.all()
    assert int(p.cowcode_shared.sum()) == 14


def _polity_fixture(**over):
    base = {
        "p5": 0.0,
        "polity_annual_ccode": 999.0,
        "scode": "XXX",
        "polity_annual_country": " Testland ",
        "year": 2000.0,
        "flag": 0.0,
        "fragment": np.nan,
        "democ": 6.0,
        "autoc": 1.0,
        "polity": 5.0,
        "polity2": 5.0,
        "durable": 3.0,
        "regtrans": np.nan,
        "extended_country_name": "Testland",
        "GWn": 999.0,
        "cown": 999.0,
        "in_GW_system": True,
    }
    rows = [dict(base), dict(base, year=2001.0, **over)]
    return pd.DataFrame(rows)


def test_polity_minus88_becomes_missing_with_reason():
    df = polity.transform(_polity_fixture(democ=-88.0, autoc=-88.0, polity=-88.0, polity2=np.nan))
    assert df.loc[0, "country"] == "Testland"  # trimmed
    r = df.iloc[1]
    assert pd.isna(r.polity) and pd.isna(r.democ) and pd.isna(r.autoc)
    assert r.polity_missing == "transition" and r.polity2_missing == "transition"
    assert pd.isna(df.loc[0, "polity_missing"])
    polity.SCHEMA.validate(df)


def test_polity_inconsistent_special_code_names_column_and_row():
    with pytest.raises(DataError) as e:
        polity.transform(_polity_fixture(democ=-88.0))  # polity itself is 5
    assert e.value.column == "democ" and e.value.row == 2


# --------------------------------------------------------------------------- V-Dem ERT


def test_vdem_ert_facts(table):
    v = table("vdem_ert")
    assert len(v) == 19678
    assert v.country_id.nunique() == 183
    assert (v.year.min(), v.year.max()) == (1900, 2024)
    assert int(v.v2x_regime.isna().sum()) == 97
    r = _row(v, country_text_id="LBY", year=2010)
    assert r.v2x_regime == 0 and r.v2x_regime_label == "closed autocracy" and r.country_id == 124
    r = _row(v, country_text_id="LBY", year=2013)
    assert r.v2x_regime == 2 and r.v2x_regime_label == "electoral democracy"
    assert r.dem_ep and r.dem_ep_id == "LBY_2011_2013" and r.dem_ep_outcome_label == "preempted democratic transition"
    assert _row(v, country_text_id="EGY", year=2013).v2x_regime == 0
    assert (int(v.dem_ep.sum()), int(v.aut_ep.sum())) == (2289, 1217)


def test_vdem_unknown_regime_code_names_column_and_row(table):
    v = table("vdem_ert").head(200).copy()
    v.loc[v.index[57], "v2x_regime"] = 5
    with pytest.raises(DataError) as e:
        clean.validate(clean.registry()["vdem_ert"], v)
    assert e.value.column == "v2x_regime"
    assert e.value.row == int(v.loc[v.index[57], "source_row"]) == 58
    assert e.value.file == "ert.csv"


# --------------------------------------------------------------------------- Colpus


def test_colpus_facts(table):
    c = table("colpus_coups")
    assert len(c) == 593
    assert (c.year.min(), c.year.max()) == (1946, 2022)
    assert (int(c.success.sum()), int((~c.success).sum())) == (295, 298)
    assert int(c.military.sum()) == 569
    assert c.coup_type.value_counts().to_dict() == {"CH": 252, "SH": 149, "AD": 138, "PR": 27, "NM": 24, "WR": 3}
    assert (int(c.ambiguous.sum()), int(c.staged.sum())) == (50, 16)
    r = _row(c, cowcode=651, date=pd.Timestamp("2013-07-03"))
    assert r.country == "Egypt" and r.success and r.coup_type == "AD" and r.regime_change
    assert r.gwf_casename == "Egypt 12-13"
    r = _row(c, coup_id="651-2011-2-11")
    assert r.success and r.coup_type_label == "regime change"
    assert r.outsidesupporters_list == ["Protesters", "United States"]
    # Libya 1 Sept 1969: Qaddafi's successful coup, also GWF's "military coup" end of Libya 51-69.
    r = _row(c, coup_id="620-1969-9-1")
    assert r.success and r.coup_type == "CH" and r.gwf_casename == "Libya 51-69"
    # A raw "0" in outsidesupporters means none.
    r = _row(c, coup_id="92-1961-1-25")
    assert pd.isna(r.outsidesupporters) and list(r.outsidesupporters_list) == []


def _colpus_fixture(raw_root, **over):
    df = RawFiles(raw_root).read_excel("colpus", colpus.FILE).head(5).copy()
    for col, val in over.items():
        df[col] = df[col].astype(object)
        df.loc[3, col] = val
    return df


def test_colpus_unknown_success_code_names_column_and_row(raw_root):
    with pytest.raises(DataError) as e:
        colpus.transform(_colpus_fixture(raw_root, success=3))
    assert e.value.column == "success" and e.value.row == 4


def test_colpus_unknown_coup_type_names_column_and_row(raw_root):
    with pytest.raises(DataError) as e:
        colpus.transform(_colpus_fixture(raw_root, type="XX"))
    assert e.value.column == "type" and e.value.row == 4


def test_colpus_spelled_out_coding_must_agree(raw_root):
    with pytest.raises(DataError) as e:
        colpus.transform(_colpus_fixture(raw_root, success=2))  # row 4 says "successful anti-democratic coup"
    assert e.value.column == "cwc_coding" and e.value.row == 4

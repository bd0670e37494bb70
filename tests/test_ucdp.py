"""UCDP family: facts checked against the raw files, plus small fixtures for bad input."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pandas as pd
import pytest

from analysis import clean
from analysis.errors import DataError

UCDP_TABLES = ["ucdp_acd", "ucdp_onesided", "ucdp_onesided_21", "ucdp_brd", "ucdp_nonstate"]


def row(df: pd.DataFrame, **where) -> pd.Series:
    m = pd.Series(True, index=df.index)
    for k, v in where.items():
        m &= df[k] == v
    hit = df[m]
    assert len(hit) == 1, f"expected one row for {where}, found {len(hit)}"
    return hit.iloc[0]


# --------------------------------------------------------------------------- real data: ACD


def test_acd_shape_and_coverage(table):
    acd = table("ucdp_acd")
    assert len(acd) == 2751
    assert acd.conflict_id.nunique() == 303
    assert (acd.year.min(), acd.year.max()) == (1946, 2024)
    assert acd.type_of_conflict.value_counts().to_dict() == {3: 2003, 4: 484, 2: 147, 1: 117}


def test_acd_libya_2011(table):
    # Libya (GW 620), government incompatibility 2011: internationalized intrastate war;
    # side B lists both Gaddafi's forces and the NTC (control of the capital changed hands).
    r = row(table("ucdp_acd"), conflict_id=11346, year=2011)
    assert r.gwno_loc_list == ["620"]
    assert r.location == "Libya"
    assert r.incompatibility_label == "government"
    assert r.type_of_conflict == 4 and r.type_of_conflict_label == "internationalized intrastate"
    assert r.intensity_level == 2 and r.intensity_level_label.startswith("war")
    assert r.side_b_id_list == ["1126", "1127"]
    assert r.gwno_a_2nd_list == ["552"]
    assert r.ep_end and r.ep_end_date == pd.Timestamp("2011-11-23")
    assert r.start_date == pd.Timestamp("2011-02-28")
    assert pd.isna(r.ep_end_prec)


def test_acd_lists_and_text_quirks(table):
    acd = table("ucdp_acd")
    # interstate Iraq war 2003: four primary parties, four location codes
    iraq = row(acd, conflict_id=420, year=2003)
    assert iraq.gwno_loc_list == ["2", "200", "645", "900"]
    assert iraq.type_of_conflict_label == "interstate"
    # raw "FLN " (trailing space) is trimmed; extrasystemic Algeria located in GW 615
    alg = row(acd, conflict_id=246, year=1954)
    assert alg.side_b == "FLN" and alg.type_of_conflict == 1 and alg.gwno_loc_list == ["615"]
    assert alg.source_row == 894  # record number; one earlier record spans two lines
    # raw territory name carries a line break: "East Turkestan\n"
    assert row(acd, conflict_id=11349, year=2008).territory_name == "East Turkestan"
    # every list cell is a list of digit strings, and every row has a location
    assert acd.gwno_loc_list.map(len).min() >= 1
    assert all(isinstance(t, str) and t.isdigit() for v in acd.gwno_a_2nd_list for t in v)


# --------------------------------------------------------------------------- real data: one-sided


def test_onesided_25_facts(table):
    os25 = table("ucdp_onesided")
    assert len(os25) == 1330
    assert (os25.year.min(), os25.year.max()) == (1989, 2024)
    rw = row(os25, actor_name="Government of Rwanda", year=1994)
    assert (rw.best, rw.low, rw.high) == (759800, 344851, 1589946)
    assert rw.is_government_actor and rw.gwnoa_list == ["517"] and rw.conflict_id == 472
    assert rw.gwno_location_list == ["490", "516", "517"]
    assert row(os25, actor_name="Government of Syria", year=2013).best == 2722
    is15 = row(os25, conflict_id=506, year=2015)
    assert is15.actor_name == "IS" and is15.best == 6335 and not is15.is_government_actor
    assert is15.gwnoa_list == [] and "652" in is15.gwno_location_list
    # joint government coalition: a government actor without a single GW code
    coal = row(os25, conflict_id=15226, year=2020)
    assert coal.is_government_actor and coal.gwnoa_list == [] and coal.coalition_components_list == ["98", "97"]
    assert row(os25, conflict_id=16369, year=2024).gwnoa_list == ["432", "365"]
    # the raw "n/a" mother-tongue placeholder is missing; a wrapped name is rejoined
    assert pd.isna(row(os25, actor_name="Government of Syria", year=2013).actor_name_mothertongue)
    assert os25.actor_name_mothertongue.isna().sum() == 406
    assert "Alliance of Democratic Forces for the Liberation of Congo-Kinshasa" in set(os25.actor_name_fulltext)


def test_onesided_21_facts_and_interchangeable(table):
    os21, os25 = table("ucdp_onesided_21"), table("ucdp_onesided")
    assert len(os21) == 1060
    assert (os21.year.min(), os21.year.max()) == (1989, 2020)
    assert row(os21, actor_name="Government of Rwanda", year=1994).best == 531133
    assert row(os21, conflict_id=506, year=2015).best == 6228
    assert list(os21.columns) == list(os25.columns)
    assert (os21.dtypes == os25.dtypes).all()
    assert set(os21.version) == {"21.1"} and set(os25.version) == {"25.1"}


# --------------------------------------------------------------------------- real data: BRD, non-state


def test_brd_facts(table):
    brd = table("ucdp_brd")
    assert len(brd) == 1995
    assert brd.conflict_id.nunique() == 201
    # Libya 2011, one conflict, two dyads; the NTC dyad is internationalized
    gaddafi = row(brd, dyad_id=10885, year=2011)
    ntc = row(brd, dyad_id=11980, year=2011)
    assert gaddafi.conflict_id == ntc.conflict_id == 11346
    assert (gaddafi.bd_best, ntc.bd_best) == (713, 3049)
    assert (gaddafi.type_of_conflict, ntc.type_of_conflict) == (3, 4)
    # largest dyad-year: Ethiopia vs TPLF 2022, fought in three countries
    top = brd.loc[brd.bd_best.idxmax()]
    assert (top.dyad_id, top.year, top.bd_best, top.bd_low, top.bd_high) == (555, 2022, 162414, 162309, 164044)
    assert top.gwno_battle_list == ["531", "530", "625"] and top.gwno_loc_list == ["530"]


def test_brd_conflict_years_are_in_acd(table):
    # every dyad-year belongs to an ACD conflict-year, except Bangladesh (11350) in 2005,
    # which the BRD file lists and the (re-serialized) ACD copy does not
    acd, brd = table("ucdp_acd"), table("ucdp_brd")
    keys = set(zip(acd.conflict_id, acd.year))
    missing = sorted({(c, y) for c, y in zip(brd.conflict_id, brd.year) if (c, y) not in keys})
    assert missing == [(11350, 2005)]


def test_nonstate_facts(table):
    ns = table("ucdp_nonstate")
    assert len(ns) == 1542
    assert (ns.year.min(), ns.year.max()) == (1989, 2022)
    assert ns.org.value_counts().to_dict() == {1: 848, 3: 660, 2: 34}
    r = row(ns, conflict_id=9488, year=2021)
    assert (r.side_a_name, r.side_b_name, r.org) == ("Fulani", "Yoruba", 3)
    assert (r.best, r.low, r.high) == (41, 41, 81)
    assert r.gwno_location_list == ["475"] and r.source_row == 1
    # ep_end_prec 0 (ongoing episodes) is read as missing, like the blank cells
    assert ns.ep_end_prec.isna().sum() == 528
    assert (ns.ep_end == ns.ep_end_date.notna()).all()


@pytest.mark.parametrize("name", UCDP_TABLES)
def test_tables_sorted_and_keyed(table, name):
    t = clean.registry()[name]
    df = table(name)
    assert not df.duplicated(list(t.key)).any()
    assert df[list(t.key)].equals(df[list(t.key)].sort_values(list(t.key)).reset_index(drop=True))
    assert df.source_row.is_unique


# --------------------------------------------------------------------------- fixtures: bad input

ACD_SRC, ACD_FILE = "ucdp-acd-25.1", "UcdpPrioConflict_v25_1.csv"


@pytest.fixture()
def acd_sample(raw_root) -> tuple[list[str], list[list[str]]]:
    """Header and the first two records of the real ACD file."""
    with open(raw_root / ACD_SRC / ACD_FILE, newline="", encoding="utf-8") as fh:
        rd = csv.reader(fh)
        header = next(rd)
        rows = [next(rd), next(rd)]
    return header, rows


def write_csv(root: Path, source: str, file: str, header, rows) -> Path:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    p = root / source / file
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(buf.getvalue(), encoding="utf-8")
    return p


def build(name: str, root: Path) -> pd.DataFrame:
    return clean.build(clean.registry()[name], root)


def test_fixture_sample_builds(tmp_path, acd_sample):
    write_csv(tmp_path, ACD_SRC, ACD_FILE, *acd_sample)
    df = build("ucdp_acd", tmp_path)
    assert len(df) == 2 and set(df.conflict_id) == {11342}


def test_unknown_type_of_conflict_names_column_and_row(tmp_path, acd_sample):
    header, rows = acd_sample
    rows[1][header.index("type_of_conflict")] = "9"
    write_csv(tmp_path, ACD_SRC, ACD_FILE, header, rows)
    with pytest.raises(DataError) as e:
        build("ucdp_acd", tmp_path)
    assert e.value.column == "type_of_conflict" and e.value.row == 2
    assert e.value.source == ACD_SRC and e.value.file == ACD_FILE


def test_unknown_nonstate_org_names_column_and_row(tmp_path, raw_root):
    src, file = "ucdp-nonstate-23.1", "Nonstate_v23_1.csv"
    with open(raw_root / src / file, newline="", encoding="utf-8") as fh:
        rd = csv.reader(fh)
        header, rows = next(rd), [next(rd) for _ in range(3)]
    rows[2][header.index("org")] = "4"
    write_csv(tmp_path, src, file, header, rows)
    with pytest.raises(DataError) as e:
        build("ucdp_nonstate", tmp_path)
    assert (e.value.column, e.value.row) == ("org", 3)


def test_bad_list_token_names_column_and_row(tmp_path, acd_sample):
    header, rows = acd_sample
    rows[0][header.index("gwno_loc")] = "750, India"
    write_csv(tmp_path, ACD_SRC, ACD_FILE, header, rows)
    with pytest.raises(DataError) as e:
        build("ucdp_acd", tmp_path)
    assert (e.value.column, e.value.row) == ("gwno_loc", 1)


def test_sentinel_becomes_missing(tmp_path, acd_sample):
    header, rows = acd_sample
    rows[0][header.index("ep_end_prec")] = "-99"
    rows[0][header.index("territory_name")] = "-99"
    rows[1][header.index("gwno_b_2nd")] = " -99 "
    write_csv(tmp_path, ACD_SRC, ACD_FILE, header, rows)
    df = build("ucdp_acd", tmp_path).set_index("source_row")
    assert pd.isna(df.loc[1, "ep_end_prec"]) and pd.isna(df.loc[1, "territory_name"])
    assert df.loc[2, "gwno_b_2nd_list"] == []


def test_sentinel_in_required_column_fails(tmp_path, acd_sample):
    header, rows = acd_sample
    rows[1][header.index("year")] = "-99"
    write_csv(tmp_path, ACD_SRC, ACD_FILE, header, rows)
    with pytest.raises(DataError) as e:
        build("ucdp_acd", tmp_path)
    assert (e.value.column, e.value.row) == ("year", 2)


def test_truncated_csv_names_source_and_file(tmp_path, acd_sample):
    p = write_csv(tmp_path, ACD_SRC, ACD_FILE, *acd_sample)
    text = p.read_text(encoding="utf-8")
    p.write_text(text[: len(text) - 40], encoding="utf-8")  # cut inside the last record
    with pytest.raises(DataError) as e:
        build("ucdp_acd", tmp_path)
    assert e.value.source == ACD_SRC and e.value.file == ACD_FILE
    assert "truncated" in str(e.value)


def test_renamed_column_names_the_column(tmp_path, acd_sample):
    header, rows = acd_sample
    header = ["conflict_type" if h == "type_of_conflict" else h for h in header]
    write_csv(tmp_path, ACD_SRC, ACD_FILE, header, rows)
    with pytest.raises(DataError) as e:
        build("ucdp_acd", tmp_path)
    assert e.value.column == "type_of_conflict"


def test_truncated_rds_names_source_and_file(tmp_path, raw_root):
    src, file = "ucdp-onesided-25.1", "OneSided_v25_1.rds"
    (tmp_path / src).mkdir()
    (tmp_path / src / file).write_bytes((raw_root / src / file).read_bytes()[:2000])
    with pytest.raises(DataError) as e:
        build("ucdp_onesided", tmp_path)
    assert e.value.source == src and e.value.file == file


def test_onesided_inconsistent_government_flag_fails(tmp_path, raw_root):
    # a non-state perpetrator that carries a state GW code breaks the schema
    src, file = "ucdp-onesided-21.1", "ucdp-onesided-211.csv"
    with open(raw_root / src / file, newline="", encoding="utf-8") as fh:
        rd = csv.reader(fh)
        header, rows = next(rd), [next(rd) for _ in range(2)]
    assert rows[0][header.index("is_government_actor")] == "0"
    rows[0][header.index("gwnoa")] = "365"
    write_csv(tmp_path, src, file, header, rows)
    with pytest.raises(DataError) as e:
        build("ucdp_onesided_21", tmp_path)
    assert e.value.row == 1


def test_missing_raw_file(tmp_path):
    with pytest.raises(DataError) as e:
        build("ucdp_brd", tmp_path)
    assert e.value.source == "ucdp-brd-25.1"

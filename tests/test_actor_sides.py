"""The coding of UCDP one-sided-violence actors by side (config/coding/ucdp_osv_actor_sides.csv):
the loader's checks on small tables built here, the committed table against the real data
(every actor the moral-hazard claims can attribute to an intervention is coded, the linking
reproduces the panel's attribution), and known facts with their UCDP ids."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis import ROOT
from analysis import actor_sides as A
from analysis.crosswalk import Mapper
from analysis.errors import DataError
from analysis.panel import osv_vars

TABLE = ROOT / A.DEFAULT_PATH


# --------------------------------------------------------------------------- small tables


def _row(**kw) -> dict:
    r = {
        "actor_id": "630",
        "actor_name": "Janjaweed",
        "case_ids": "Sudan (Darfur) 2007-",
        "side": "pro_government",
        "side_vs_intervention": "neither",
        "confidence": "high",
        "side_alt": "",
        "years": "2004-2008,2010",
        "deaths_best_25_1": "1148.5",
        "deaths_best_21_1": "1148.5",
        "sources": "UN S/2005/60",
        "note": "militia",
    }
    r.update(kw)
    return r


def _write(tmp_path, rows, columns=None) -> str:
    p = tmp_path / "sides.csv"
    pd.DataFrame(rows, columns=columns or A.COLUMNS).to_csv(p, index=False)
    return str(p)


def test_loader_accepts_a_good_table_and_expands_case_lists(tmp_path):
    p = _write(
        tmp_path,
        [
            _row(),
            _row(
                actor_id="488",
                actor_name="LRA",
                side="foreign_or_other_conflict",
                side_alt="rebel",
                case_ids="South Sudan 2011-; Central African Republic 2013-",
            ),
        ],
    )
    d = A.load_actor_sides(p)
    assert d["actor_id"].tolist() == [630, 488] and d["actor_id"].dtype == "int64"
    assert d["deaths_best_25_1"].tolist() == [1148.5, 1148.5] and d["side_alt"].tolist() == ["", "rebel"]
    e = A.expand(d)
    assert sorted(zip(e["actor_id"], e["case_id"])) == [
        (488, "Central African Republic 2013-"),
        (488, "South Sudan 2011-"),
        (630, "Sudan (Darfur) 2007-"),
    ]


@pytest.mark.parametrize(
    "bad, column, row",
    [
        ({"side": "militia"}, "side", 2),
        ({"side_vs_intervention": "against"}, "side_vs_intervention", 2),
        ({"confidence": "certain"}, "confidence", 2),
        ({"side_alt": "pro_government"}, "side_alt", 2),  # same as side
        ({"actor_id": "12a"}, "actor_id", 2),
        ({"years": "2004 to 2008"}, "years", 2),
        ({"deaths_best_25_1": "-3"}, "deaths_best_25_1", 2),
        ({"sources": ""}, "sources", 2),
        ({"case_ids": "Sudan (Darfur) 2007-;;Chad 2008-2010"}, "case_ids", 2),
    ],
)
def test_loader_names_file_row_and_column_of_a_bad_value(tmp_path, bad, column, row):
    p = _write(tmp_path, [_row(actor_id="488", actor_name="LRA", side="foreign_or_other_conflict"), _row(**bad)])
    with pytest.raises(DataError) as exc:
        A.load_actor_sides(p)
    e = exc.value
    assert (e.file, e.column, e.row) == (p, column, row), str(e)


def test_loader_rejects_a_duplicate_actor_case_and_a_missing_column(tmp_path):
    p = _write(tmp_path, [_row(case_ids="Chad 2008-2010; Sudan (Darfur) 2007-"), _row(side="rebel")])
    with pytest.raises(DataError, match="duplicate key .actor_id 630, case 'Sudan .Darfur. 2007-'.") as exc:
        A.load_actor_sides(p)
    assert (exc.value.column, exc.value.row) == ("case_ids", 2)
    cols = [c for c in A.COLUMNS if c != "confidence"]
    p = _write(tmp_path, [{k: v for k, v in _row().items() if k != "confidence"}], columns=cols)
    with pytest.raises(DataError, match="missing column") as exc:
        A.load_actor_sides(p)
    assert exc.value.column == "confidence"


def test_loader_rejects_a_file_that_is_not_utf8_or_missing(tmp_path):
    p = tmp_path / "latin1.csv"
    p.write_bytes((",".join(A.COLUMNS) + "\n630,Janjaweed,C\xf4te,rebel\n").encode("latin-1"))
    with pytest.raises(DataError, match="UTF-8") as exc:
        A.load_actor_sides(p)
    assert exc.value.file == str(p)
    with pytest.raises(DataError, match="not found"):
        A.load_actor_sides(tmp_path / "nope.csv")


def test_year_ranges():
    assert A.year_ranges([1996, 1992, 1993, 1994, 1993]) == "1992-1994,1996"
    assert A.year_ranges([]) == ""


def test_linking_window_and_split_on_a_small_case():
    cw = pd.DataFrame(
        {
            "gwcode": [625, 500],
            "cowcode": [625, 500],
            "valid_from": [1956, 1962],
            "valid_to": [None, None],
            "stateabb": ["SUD", "UGA"],
            "name": ["Sudan", "Uganda"],
            "iso3": ["SDN", "UGA"],
            "iso2": ["SD", "UG"],
        }
    )
    mapper = Mapper(cw)
    osv = pd.DataFrame(
        {
            "actor_id": [112, 488, 488, 488],
            "actor_name": ["Government of Sudan", "LRA", "LRA", "LRA"],
            "is_government_actor": [True, False, False, False],
            "year": [2006, 2003, 2004, 2011],
            "best": [100, 90, 60, 30],
            "high": [100, 90, 60, 30],
            "gwnoa_list": [[625], [], [], []],
            "gwno_location_list": [[625, 500], [500], [500, 625], [625]],
        }
    )
    cases = pd.DataFrame({"case_id": ["Darfur"], "gwcode": [625], "start_year": [2007], "target": [0]})
    linked = A.case_actor_years(cases, {"25.1": osv}, mapper)
    # 2003 is outside 2004..2010 and in Uganda only; 2011 is outside; the 2004 actor-year is split in two;
    # the government's deaths stay in its own state
    assert list(zip(linked["actor_id"], linked["year"], linked["best"])) == [(112, 2006, 100.0), (488, 2004, 30.0)]
    sides = pd.DataFrame([_row(actor_id=488, case_ids="Darfur", side="foreign_or_other_conflict")], columns=A.COLUMNS)
    with pytest.raises(DataError, match="1 actor.s. linked to an intervention have no side coding: 112 Government"):
        A.with_sides(linked, sides)


# --------------------------------------------------------------------------- the committed table, real data


@pytest.fixture(scope="module")
def sides():
    return A.load_actor_sides(TABLE)


@pytest.fixture(scope="module")
def real(table):
    mapper = Mapper(table("crosswalk"))
    osv = {v: table(t) for v, t in A.OSV_VERSIONS.items()}
    cases = A.case_table(table("hmi_cases"), mapper)
    return mapper, osv, cases, A.case_actor_years(cases, osv, mapper)


def test_committed_table_is_valid_utf8_and_sorted_rows_are_unique(sides):
    assert TABLE.read_bytes().decode("utf-8")
    assert len(sides) == 131
    assert not A.expand(sides).duplicated(["actor_id", "case_id"]).any()


def test_every_actor_the_claims_can_attribute_is_coded(real, sides):
    _, _, cases, linked = real
    missing = A.uncoded(linked, sides)
    assert missing.empty, f"uncoded actors (extend {A.DEFAULT_PATH}):\n{missing.to_string()}"
    # and no row codes an actor-case pair the data do not link (a stale or mistyped row)
    e = A.expand(sides)
    have = set(zip(linked["actor_id"], linked["case_id"]))
    stale = [(a, c) for a, c in zip(e["actor_id"], e["case_id"]) if (a, c) not in have]
    assert not stale, stale
    assert set(e["case_id"]) <= set(cases["case_id"])
    # 31 of the 35 interventions starting 1990 or later have one-sided violence within 3 years of the start
    assert linked["case_id"].nunique() == 31 and (cases["start_year"] >= 1990).sum() == 35
    assert set(cases.loc[cases["start_year"] >= 1990, "case_id"]) - set(linked["case_id"]) == {
        "Albania 1997",
        "Lebanon 2006",
        "Moldova 1992",
        "Solomon Islands 2003",
    }


def test_years_and_deaths_columns_match_the_data(real, sides):
    linked = real[3]
    s = A.attribution_summary(linked, sides)
    assert s["years"].tolist() == sides["years"].tolist()
    for c in A.DEATH_COLUMNS.values():
        assert s[c].tolist() == pytest.approx(sides[c].tolist(), abs=0.051)


def test_linking_reproduces_the_panels_attribution(real):
    """Summed by country-year and actor type, the linked actor-years equal the panel's
    osv_gov/osv_nonstate columns that MH1 and MH4 read."""
    mapper, osv, _, linked = real
    for v, t in osv.items():
        ref = osv_vars(t, mapper).set_index(["gwcode", "year"])
        got = (
            linked[linked["version"] == v]
            .drop_duplicates(["actor_id", "year", "gwcode"])
            .groupby(["gwcode", "year", "is_government_actor"])["best"]
            .sum()
            .unstack(fill_value=0.0)
        )
        assert len(got) > 100
        ref = ref[["osv_gov_best", "osv_nonstate_best"]].astype(float).fillna(0.0)
        for (g, y), r in got.iterrows():
            assert r.get(True, 0.0) == pytest.approx(ref.loc[(g, y), "osv_gov_best"]), (v, g, y)
            assert r.get(False, 0.0) == pytest.approx(ref.loc[(g, y), "osv_nonstate_best"]), (v, g, y)


def _one(sides, actor_id, case_id):
    e = A.expand(sides)
    r = e[(e["actor_id"] == actor_id) & (e["case_id"] == case_id)]
    assert len(r) == 1, (actor_id, case_id)
    return r.iloc[0]


@pytest.mark.parametrize(
    "actor_id, name, case_id, side, vs",
    [
        (630, "Janjaweed", "Sudan (Darfur) 2007-", "pro_government", "neither"),
        (630, "Janjaweed", "Chad 2008-2010", "foreign_or_other_conflict", "neither"),
        (488, "LRA", "Sudan (Darfur) 2007-", "foreign_or_other_conflict", "neither"),
        (
            339,
            "Serbian Republic of Bosnia-Herzegovina",
            "Bosnia and Herzegovina 1995",
            "rebel",
            "opposed_by_intervention",
        ),
        (
            3864,
            "Serbian irregulars, Serbian Republic of Bosnia-Herzegovina",
            "Bosnia and Herzegovina 1995",
            "rebel",
            "opposed_by_intervention",
        ),
        (534, "Kamajors", "Sierra Leone 1997-1999", "pro_government", "supported_by_intervention"),
        (1131, "AJPSN", "Côte d'Ivoire 2011", "pro_government", "opposed_by_intervention"),
        (558, "FRCI", "Côte d'Ivoire 2011", "rebel", "supported_by_intervention"),
        (1160, "M23", "DR Congo 2013-", "rebel", "opposed_by_intervention"),
        (94, "Government of Rwanda", "DR Congo 2000-2013", "foreign_or_other_conflict", "neither"),
        (130, "Government of Afghanistan", "Afghanistan 2003-2014", "government", "opposed_by_intervention"),
        (111, "Government of Libya", "Libya 2011", "government", "opposed_by_intervention"),
    ],
)
def test_known_codings_with_their_ucdp_ids(sides, real, actor_id, name, case_id, side, vs):
    r = _one(sides, actor_id, case_id)
    assert (r["actor_name"], r["side"], r["side_vs_intervention"]) == (name, side, vs)
    linked = real[3]
    assert (linked.loc[linked["actor_id"] == actor_id, "actor_name"] == name).any()


def test_government_actors_are_the_target_state_or_foreign(sides, real):
    """An actor UCDP codes as a government is `government` exactly when it is the target
    state's own government, otherwise foreign; no non-state actor is coded `government`."""
    linked = real[3]
    gov_ids = set(linked.loc[linked["is_government_actor"], "actor_id"])
    e = A.expand(sides)
    assert set(e.loc[e["side"] == "government", "actor_id"]) <= gov_ids
    foreign_govs = sorted(set(e.loc[e["actor_id"].isin(gov_ids) & (e["side"] != "government"), "actor_id"]))
    assert foreign_govs == [87, 90, 94]  # Chad in CAR, Uganda and Rwanda in DR Congo


def test_recoded_non_state_deaths_darfur_two_years_before(sides, real):
    """UNAMID (2007): in 2005-2006 UCDP 25.1 'non-state' one-sided deaths in Sudan were
    mostly not rebels': the LRA and the Janjaweed outweigh the SLM/A."""
    linked = A.with_sides(real[3], sides)
    d = linked[
        (linked["version"] == "25.1")
        & (linked["case_id"] == "Sudan (Darfur) 2007-")
        & linked["rel_year"].between(-2, -1)
    ]
    by = d.groupby("side")["best"].sum()
    assert by["rebel"] == pytest.approx(63.0)  # SLM/A 2005
    assert by["pro_government"] == pytest.approx(350 / 2 + 899 / 2 + 72)  # Janjaweed (Chad/Sudan split) + SLM/A-MM
    assert by["foreign_or_other_conflict"] > by["rebel"]


def test_the_actors_the_issue_names_are_recoded_with_their_ucdp_ids(real, sides):
    """UCDP's "non-state" one-sided violence holds pro-government militias, the intervention's
    own targets and actors from other conflicts; the committed table recodes them (UCDP ids)."""
    linked = real[3]
    e = A.expand(sides).set_index(["actor_id", "case_id"])
    expected = {
        (630, "Sudan (Darfur) 2007-"): "pro_government",  # Janjaweed
        (534, "Sierra Leone 1997-1999"): "pro_government",  # Kamajors
        (488, "Sudan (Darfur) 2007-"): "foreign_or_other_conflict",  # LRA deaths charged to Darfur
        (3864, "Bosnia and Herzegovina 1995"): "rebel",  # Serbian irregulars
        (339, "Bosnia and Herzegovina 1993-1995"): "rebel",  # Republika Srpska
        (507, "Liberia 1990-1996"): "rebel",  # NPFL
        (49, "Yugoslavia (Kosovo) 1999"): "government",
    }
    for key, side in expected.items():
        assert e.loc[key, "side"] == side, key
        # each pair is linked in the real data: the actor killed civilians in the case's window
        assert ((linked["actor_id"] == key[0]) & (linked["case_id"] == key[1])).any(), key
    assert e.loc[(3864, "Bosnia and Herzegovina 1995"), "side_vs_intervention"] == "opposed_by_intervention"
    # the Janjaweed in Chad are charged to another conflict, their side there kept as the alternative
    assert e.loc[(630, "Chad 2008-2010"), "side"] == "foreign_or_other_conflict"
    assert e.loc[(630, "Chad 2008-2010"), "side_alt"] == "pro_government"

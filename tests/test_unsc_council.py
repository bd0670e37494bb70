"""The Security Council as data (issue 17): resolution texts, their coding and its validation,
meetings and outcomes, joins to the texts and the veto list; bad input for each source."""

from __future__ import annotations

import io
import shutil
import sys
import tarfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis import ROOT
from analysis.clean import unsc_coding as coding
from analysis.clean import unsc_meetings as meetings
from analysis.clean import unsc_resolutions as resolutions
from analysis.cli import main as cli
from analysis.errors import DataError

# ============================================================== resolution texts


def test_resolutions_count_and_1973(table):
    r = table("unsc_resolutions")
    assert len(r) == 2259  # S/RES/1 (1946) to S/RES/2259 (2015), one text each
    assert r.resolution.tolist() == list(range(1, 2260))
    x = r.set_index("resolution").loc[1973]
    assert x.symbol == "S/RES/1973 (2011)"
    assert x.adoption_date == pd.Timestamp("2011-03-17")
    assert x.meeting == 6498 and x.meeting_source == "header"
    assert x.date_check == "agree"
    # operative paragraph 4: the authorisation to protect civilians
    assert x.operative_paragraphs[3].startswith("Authorizes Member States that have notified the Secretary-General")
    assert "all necessary measures" in x.operative_paragraphs[3]
    assert "responsibility of the Libyan authorities to protect the Libyan population" in x.text


def test_resolution_headers_and_date_report(table):
    r = table("unsc_resolutions").set_index("resolution")
    # refworld header, meeting number in the header
    assert (r.loc[678, "adoption_date"], r.loc[678, "meeting"]) == (pd.Timestamp("1990-11-29"), 2963)
    # printed-volume header: date, no meeting number
    assert r.loc[25, "adoption_date"] == pd.Timestamp("1947-05-22") and pd.isna(r.loc[25, "meeting"])
    # meeting number from the closing line ("Adopted unanimously at the 810th meeting.")
    assert (r.loc[127, "meeting"], r.loc[127, "meeting_source"]) == (810, "footer")
    assert r.meeting.notna().sum() > 2000
    rep = table("unsc_resolution_date_report").set_index("resolution")
    # OCR fault in the header ("23 April 1943" for a 1948 resolution): the .dta date is used
    assert rep.loc[48, "date_text"] == pd.Timestamp("1943-04-23")
    assert r.loc[48, "adoption_date"] == pd.Timestamp("1948-04-23") and r.loc[48, "date_source"] == "dta"
    # two file names carry a wrong year; header and .dta agree on the right one
    assert r.loc[231, ["year", "year_file"]].tolist() == [1966, 1965]
    assert r.loc[376, ["year", "year_file"]].tolist() == [1975, 1976]
    # the .dta lacks dates for 2179-2195 (2014): the header dates are used
    assert set(range(2179, 2196)) <= set(rep.index[rep.date_check == "not-in-dta"])
    assert set(rep.index) == set(r.index[(r.date_check != "agree") | (r.year != r.year_file)])


def test_text_repair_and_paragraphs():
    assert resolutions.fix_mojibake("the illegal rÃ©gime") == "the illegal régime"
    assert resolutions.fix_mojibake("plain Windows-1252 text: café") == "plain Windows-1252 text: café"
    # a Latin-1 reading upstream left C1 controls for Windows-1252 punctuation (U+0085 for "…")
    assert resolutions.clean_text('the word "Request\x85",\n\x95 that all') == 'the word "Request…",\n• that all'
    text = (
        "Resolution 9 (1999)\nAdopted by the Security Council at its 4000th meeting, on 1 June 1999\n"
        "The Security Council,\nRecalling 2 (1946),\n1. Decides to do this; 2. Requests that; 3. Decides to remain seized."
    )
    paras, numbered = resolutions.operative_paragraphs(text)
    assert numbered and paras == ["Decides to do this;", "Requests that;", "Decides to remain seized."]
    h = resolutions.parse_header(text)
    assert (h["date_text"], h["meeting"]) == (pd.Timestamp("1999-06-01"), 4000)
    # OCR repairs: I for 1, a misspelt month
    assert resolutions.parse_header("Resolution 735 (1992) of 29 Janunry I992")["date_text"] == pd.Timestamp(
        "1992-01-29"
    )


# ============================================================== coding and its validation


def test_coding_of_1973_and_678(table):
    c = table("unsc_resolutions_coded").set_index("resolution")
    x = c.loc[1973]
    assert x.chapter7 and x.force_auth and list(x.force_to) == ["member_states"]
    assert x.report_req and x.report_freq == "immediately" and x.report_specificity == 1
    assert x.r2p_any and not x.r2p_doctrine and x.poc
    assert {"AU", "LAS", "OIC"} <= set(x.regional_orgs)
    y = c.loc[678]
    assert y.chapter7 and y.force_auth and y.report_req and y.report_freq == "regular"
    assert not c.loc[345, "chapter7"]  # "chapters VII and IX of the provisional rules of procedure"
    assert c.loc[2150, "r2p_doctrine"]  # paragraphs 138 and 139 of the World Summit Outcome
    assert not c.loc[2249, "force_auth"]  # "calls upon Member States" without Chapter VII


def test_hand_sample_is_the_recorded_draw():
    sys.path.insert(0, str(ROOT / "config" / "coding"))
    try:
        import draw_sample
    finally:
        sys.path.pop(0)
    s = coding.read_sample(ROOT / coding.SAMPLE)
    assert len(s) == 103 and s.resolution.is_unique
    rnd = sorted(np.random.default_rng(1973).choice(np.arange(1, 2260), size=64, replace=False).tolist())
    assert rnd == draw_sample.RANDOM
    assert sorted(s.loc[s["sample"].str.startswith("random"), "resolution"]) == rnd
    assert set(s.loc[s["sample"].str.endswith("force"), "resolution"]) == set(draw_sample.FORCE)


def test_coding_precision_recall_on_the_committed_sample(table):
    """The measured figures (data/processed/unsc_coding_validation.csv), from the committed sample."""
    v = coding.validate_coding(table("unsc_resolutions_coded"), coding.read_sample(ROOT / coding.SAMPLE))
    a = v[v.subset == "all"].set_index("feature")
    got = {
        f: (int(a.loc[f, "tp"]), int(a.loc[f, "fp"]), int(a.loc[f, "fn"]), int(a.loc[f, "tn"]))
        for f in ("chapter7", "force_auth", "report_req", "r2p_doctrine", "r2p_any", "poc", "any regional org")
    }
    assert got == {
        "chapter7": (49, 0, 0, 54),
        "force_auth": (39, 0, 1, 63),
        "report_req": (29, 0, 5, 69),
        "r2p_doctrine": (1, 0, 0, 102),
        "r2p_any": (11, 0, 3, 89),
        "poc": (21, 0, 0, 82),
        "any regional org": (42, 0, 0, 61),
    }
    assert a.loc["force_auth", "recall"] == pytest.approx(0.975)
    assert a.loc["report_req", "recall"] == pytest.approx(0.8529, abs=1e-4)
    assert a.loc["r2p_any", "recall"] == pytest.approx(0.7857, abs=1e-4)
    assert a.loc["regional_orgs (pooled)", "precision"] == 1.0
    assert a.loc["report_freq", "agreement"] == pytest.approx(27 / 29, abs=1e-4)
    rnd = v[v.subset == "random"].set_index("feature")
    assert int(rnd.loc["force_auth", "n"]) == 64 and int(rnd.loc["force_auth", "n_hand_positive"]) == 2


# ============================================================== meetings and outcomes


def test_outcome_of_1973_and_counts(table):
    o = table("unsc_outcomes")
    x = o[o.symbol == "S/RES/1973 (2011)"]
    assert len(x) == 1
    x = x.iloc[0]
    assert (x.yes, x.no, x.abstain) == (10, 0, 5)
    assert x.date == pd.Timestamp("2011-03-17") and x.in_texts
    adopted = o[o.outcome_type == "resolution_adopted"]
    assert adopted.resolution.max() == 2503  # the tables run to 2019
    assert adopted.resolution.nunique() == 2486 and adopted.duplicate_listing.sum() == 3
    # every text from 1 to 2259 but 17 is listed as adopted at a meeting, each joined once
    assert adopted.in_texts.sum() == 2242
    assert (o.outcome_type == "draft_vetoed").sum() == 203
    assert (o.outcome_type == "presidential_statement").sum() > 1000
    assert o[o.adopted_unanimously].shape[0] > 0 and o[o.without_vote].shape[0] > 0


def test_syria_veto_joined_to_members(table):
    v = table("unsc_outcome_vetoes")
    s = v[v.symbol == "S/2011/612"].set_index("member")
    assert sorted(s.index) == ["China", "Russia"]
    assert s.loc["China", "gwcode"] == 710 and s.loc["Russia", "gwcode"] == 365
    assert s.loc["Russia", "member_raw"] == "Russian Federation"
    assert s.in_veto_list.all() and s.member_in_veto_list.all()
    assert s.loc["Russia", "veto_date"] == pd.Timestamp("2011-10-04")
    assert (s.loc["Russia", ["yes", "no", "abstain"]].tolist()) == [9, 2, 4]
    o = table("unsc_outcomes")
    vetoed = o[o.outcome_type == "draft_vetoed"]
    assert vetoed.veto_draft.notna().sum() == 201 and vetoed.veto_members_agree.fillna(False).sum() == 201


def test_p5_gwcodes_match_the_crosswalk(table, panel):
    cw = table("crosswalk")
    now = cw[cw.valid_to.isna()].set_index("gwcode")["name"]
    assert {g: now.loc[g] for g in meetings.MEMBER_GWCODE.values()}.keys() == {2, 200, 220, 365, 710}
    # the panel maps the vetoing members' names through the crosswalk (and checks them against
    # the table's gwcode); only "USSR" needs an alias, reported as such
    _, report = panel
    r = report[report.source == "unsc_outcome_vetoes"]
    assert r[["value", "outcome", "mapped_gwcode"]].values.tolist() == [["USSR", "mapped-by-exception", 365]]


def test_join_report(table):
    rep = table("unsc_meetings_join_report")
    k = rep.kind.value_counts()
    assert k["adopted resolution not in the texts"] == 244  # S/RES/2260 to 2503 (2016-2019)
    assert k["resolution text not listed as adopted in the meetings"] == 17
    assert k["resolution number listed twice"] == 3
    late = rep[rep.kind == "veto-list draft not found as vetoed in the meetings table"]
    assert (late.year > 2019).sum() == 7
    assert rep.report_row.tolist() == list(range(1, len(rep) + 1))


def test_parse_result_cells():
    outs, rest = meetings.parse_result("S/RES/1973 (2011)\n10-0-5", 1, 2011)
    assert rest == "" and [(o["outcome_type"], o["resolution"], o["yes"], o["no"], o["abstain"]) for o in outs] == [
        ("resolution_adopted", 1973, 10, 0, 5)
    ]
    outs, _ = meetings.parse_result("Draft resolution S/2011/612 vetoed by China and Russian Federation 9-2-4", 1, 2011)
    assert outs[0]["outcome_type"] == "draft_vetoed" and outs[0]["vetoed_by"] == ["China", "Russia"]
    assert outs[0]["symbol"] == "S/2011/612" and (outs[0]["yes"], outs[0]["no"], outs[0]["abstain"]) == (9, 2, 4)
    outs, _ = meetings.parse_result("S/RES/77 (1949)9-0-2 Draft resolution S/1398 vetoed by USSR9-2-0", 1, 1949)
    assert [o["outcome_type"] for o in outs] == ["resolution_adopted", "draft_vetoed"]
    assert outs[1]["vetoed_by"] == ["Russia"] and outs[1]["yes"] == 9
    outs, _ = meetings.parse_result("S/RES/15 (1946)  adopted unanimously", 1, 1946)
    assert outs[0]["adopted_unanimously"] and outs[0]["yes"] is None
    outs, _ = meetings.parse_result("S/RES/1234 (1999) without vote\nS/PRST/1999/5", 1, 1999)
    assert outs[0]["without_vote"] and outs[1]["outcome_type"] == "presidential_statement"
    assert meetings.parse_result("--", 1, 1999) == ([], "")


# ============================================================== bad input


def _tar(path: Path, members: dict[str, bytes]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with tarfile.open(path, "w:gz") as tf:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))


@pytest.fixture()
def unsc_raw(raw_root, tmp_path):
    """A private raw tree with copies of the real files of the three Council sources."""
    raw = tmp_path / "raw"
    for rel in (
        "unsc-resolutions/all_resolutions_date.dta",
        "unsc-resolutions/unsc_resolutions_1946-2015.tar.gz",
        "unsc-meetings/sample_1946_2019.xlsx",
        "unsc-vetoes/unsc_vetoes_1946_sept2022.csv",
    ):
        (raw / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(raw_root / rel, raw / rel)
    out = tmp_path / "processed"
    out.mkdir()
    return raw, out


def _fails(table: str, raw: Path, out: Path, capsys) -> str:
    rc = cli(["clean", table, "--raw", str(raw), "--out", str(out), "--no-verify"])
    err = capsys.readouterr().err
    assert rc == 2, err
    assert "Traceback" not in err
    assert list(out.iterdir()) == [], "no processed output may be left behind"
    return err


TEXT = b"Resolution 1 (1946)\nAdopted by the Security Council at its 1st meeting, on 25 January 1946\nThe Security Council,\n1. Decides.\n"


def test_undecodable_text_file(unsc_raw, capsys):
    raw, out = unsc_raw
    _tar(
        raw / resolutions.SOURCE / resolutions.TAR,
        {"texts/S-RES-1(1946).txt": TEXT, "texts/S-RES-2(1946).txt": TEXT.replace(b"Decides", b"Decides \x81")},
    )
    err = _fails("unsc_resolutions", raw, out, capsys)
    assert "S-RES-2(1946).txt" in err and "Windows-1252" in err and f"file {resolutions.TAR}" in err


def test_resolution_number_twice_in_texts(unsc_raw, capsys):
    raw, out = unsc_raw
    _tar(raw / resolutions.SOURCE / resolutions.TAR, {"texts/S-RES-1(1946).txt": TEXT, "texts/S-RES-1(1947).txt": TEXT})
    err = _fails("unsc_resolutions", raw, out, capsys)
    assert "more than one file" in err and "S-RES-1(1946).txt" in err and "S-RES-1(1947).txt" in err


def _meetings_xlsx(raw: Path, rows: list[tuple]) -> None:
    df = pd.DataFrame(rows, columns=["year", "date", "topics", "result"])
    df.to_excel(raw / meetings.SOURCE / meetings.FILE, index=False)


def test_unparseable_tally(unsc_raw, capsys):
    raw, out = unsc_raw
    _meetings_xlsx(
        raw,
        [
            (2011, "17 March", "Libya", "S/RES/1973 (2011)\n10-0-5"),
            (2011, "4 October", "Syria", "S/RES/2010 (2011)\n10-5"),
        ],
    )
    err = _fails("unsc_outcomes", raw, out, capsys)
    assert "tally cannot be read" in err and "row 2" in err and "column 'result'" in err


def test_tally_larger_than_the_council(unsc_raw, capsys):
    raw, out = unsc_raw
    _meetings_xlsx(raw, [(1950, "1 June", "Korea", "S/RES/84 (1950)\n12-0-3")])
    err = _fails("unsc_outcomes", raw, out, capsys)
    assert "exceeds the Council's 11 members" in err and "row 1" in err


def test_unknown_vetoing_member(unsc_raw, capsys):
    raw, out = unsc_raw
    _meetings_xlsx(raw, [(2011, "4 October", "Syria", "Draft resolution S/2011/612 vetoed by Germany 9-2-4")])
    err = _fails("unsc_outcomes", raw, out, capsys)
    assert "unknown vetoing member 'Germany" in err and "row 1" in err


def test_resolution_listed_twice_in_meetings(unsc_raw, capsys):
    raw, out = unsc_raw
    _meetings_xlsx(
        raw,
        [
            (2011, "17 March", "Libya", "S/RES/1973 (2011)\n10-0-5"),
            (2011, "18 March", "Libya", "--"),
            (2011, "19 March", "Libya", "S/RES/1973 (2011)\n15-0-0"),
        ],
    )
    err = _fails("unsc_outcomes", raw, out, capsys)
    assert "resolution 1973 is listed as adopted twice" in err and "rows 1, 3" in err


def test_unknown_organisation_in_the_hand_sample(tmp_path):
    s = (ROOT / coding.SAMPLE).read_text(encoding="utf-8").splitlines()
    s[5] = s[5].replace(",OAS,", ",Mercosur,")
    assert ",Mercosur," in s[5]
    p = tmp_path / "sample.csv"
    p.write_text("\n".join(s) + "\n", encoding="utf-8")
    with pytest.raises(DataError) as e:
        coding.read_sample(p)
    msg = str(e.value)
    assert "unknown organisation name" in msg and "column 'regional_orgs'" in msg and "row 5" in msg


def test_coding_on_the_holdout_sample(table):
    """The hold-out sample (coded after the rules were written): the rules' out-of-sample misses."""
    samples = coding.read_samples(ROOT / coding.SAMPLE, ROOT / coding.HOLDOUT)
    assert (samples["sample"] == "holdout").sum() == 30
    v = coding.validate_coding(table("unsc_resolutions_coded"), samples)
    h = v[v.subset == "holdout"].set_index("feature")
    got = {
        f: (int(h.loc[f, "tp"]), int(h.loc[f, "fp"]), int(h.loc[f, "fn"]))
        for f in ("chapter7", "force_auth", "report_req", "r2p_any", "poc", "any regional org")
    }
    assert got == {
        "chapter7": (12, 0, 0),
        "force_auth": (2, 0, 1),
        "report_req": (1, 0, 0),
        "r2p_any": (1, 0, 1),
        "poc": (2, 0, 1),
        "any regional org": (14, 0, 0),
    }
    # the first sample's figures are unchanged by adding the hold-out
    a = v[v.subset == "all"].set_index("feature")
    assert int(a.loc["force_auth", "n"]) == 103
    c = table("unsc_resolutions_coded").set_index("resolution")
    assert not c.loc[954, "force_auth"]  # "those actions necessary to protect": missed
    assert not c.loc[1574, "poc"]  # "Civilian Protection Monitoring Team": missed


@pytest.mark.parametrize(
    "name",
    [
        "unsc_resolutions",
        "unsc_resolution_date_report",
        "unsc_resolutions_coded",
        "unsc_meetings",
        "unsc_outcomes",
        "unsc_outcome_vetoes",
        "unsc_meetings_join_report",
    ],
)
def test_each_table_reads_only_its_declared_sources(name, raw_root, tmp_path):
    """Snakemake gives a clean job only the raw files the table declares: the build must not need others."""
    from analysis import clean

    t = clean.registry()[name]
    raw = tmp_path / "raw"
    for rel in t.sources:
        (raw / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(raw_root / rel, raw / rel)
    out = tmp_path / "out"
    assert cli(["clean", name, "--raw", str(raw), "--out", str(out)]) == 0
    assert (out / f"{name}.parquet").is_file()

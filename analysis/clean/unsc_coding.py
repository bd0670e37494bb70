"""Automatic coding of Security Council resolution texts (the rules of the coding guide).

The features and their definitions are in `config/coding/unsc_resolution_coding_guide.md`,
which was written, with the hand-coded sample `config/coding/unsc_hand_coded_sample.csv`,
before these rules (see the git history). Every rule below is a regular expression on the
cleaned text of `analysis.clean.unsc_resolutions` (whitespace flattened); the guide's section
"Automatic rules" restates them in words. They approximate the definitions; their measured
precision and recall against the hand sample, and against a hold-out sample coded after the rules
were written, are in `data/processed/unsc_coding_validation.csv` (`validate_coding`; subsets
`all` = the first sample, `random` = its random part, `holdout`), and claims built on them carry
that error as a limitation.

Table `unsc_resolutions_coded`: one row per resolution with the features, the list of
regional organisations named, and for each feature the words that decided it (`ev_*`).

`validate_coding(coded, sample)` compares the automatic coding with the hand sample: for each
binary feature (and each organisation code) true/false positives and negatives, precision,
recall, F1 and agreement, on the whole sample and on its random part; for the categorical
reporting items, agreement where both codings found a requirement.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import DataError
from ..sources import coverage
from .base import LazySchema, RawFiles, Table
from .unsc_resolutions import CITATION, DTA, SOURCE, TAR, build_resolutions, flat

SAMPLE = Path("config/coding/unsc_hand_coded_sample.csv")
HOLDOUT = Path("config/coding/unsc_holdout_sample.csv")
GUIDE = Path("config/coding/unsc_resolution_coding_guide.md")

# ----------------------------------------------------------------------------- vocabulary

#: organisation code -> (names, matched in lower case; acronyms and mission names, matched case-sensitively).
_ORG_SPEC: dict[str, tuple[str, str | None]] = {
    "AU": (r"african union|organi[sz]ation of african unity", r"OAU|AU|AMISOM|AMIS|MISCA|AFISMA"),
    "LAS": (r"league of arab states|arab league", None),
    "ECOWAS": (r"economic community of west african states", r"ECOWAS|ECOMOG|ECOMICI|ECOMIL"),
    "EU": (
        r"european union|european communit(?:y|ies)|eufor\b|operation atalanta",
        r"EU|EUFOR|EULEX|EUPOL|EUTM|EUMM|EUNAVFOR|EUPM|EUBAM|EUSEC|EUCAP|EUAVSEC|Atalanta",
    ),
    "NATO": (r"north atlantic treaty organi[sz]ation", r"NATO"),
    "OAS": (r"organi[sz]ation of american states", r"OAS"),
    "OSCE": (
        r"organi[sz]ation (?:for|on) security and co-?operation in europe"
        r"|conference on security and co-?operation in europe",
        r"OSCE|CSCE",
    ),
    "OIC": (r"organi[sz]ation of (?:the )?islamic (?:conference|cooperation)", r"OIC"),
    "ECCAS": (r"economic community of central african states", r"ECCAS|CEEAC|MICOPAX|FOMAC"),
    "SADC": (r"southern african development community", r"SADC"),
    "IGAD": (r"intergovernmental authority (?:on|for) development", r"IGAD"),
    "CIS": (r"commonwealth of independent states", r"CIS"),
    "ASEAN": (r"association of south-?east asian nations", r"ASEAN"),
    "CEMAC": (r"central african economic and monetary community", r"CEMAC|FOMUC"),
    "ICGLR": (r"international conference on the great lakes region", r"ICGLR"),
    "CARICOM": (r"caribbean community", r"CARICOM"),
    "GCC": (r"gulf cooperation council|cooperation council for the arab states of the gulf", r"GCC"),
    "OTHER": (
        r"mano river union|community of sahel-?saharan states|arab maghreb union"
        r"|community of portuguese[- ]speaking countries",
        r"CEN-SAD|CPLP",
    ),
}


def _literal_keys(alternatives: str) -> list[str]:
    """Plain-text stems of a regex alternation, for a cheap substring test before the regex runs."""
    keys = []
    for alt in re.split(r"\|(?![^()]*\))", alternatives):  # top-level alternatives
        pieces = re.split(r"\[[^\]]*\]|\([^)]*\)[?*+]?|\\.|[?*+{}()|]", alt)
        keys.append(max(pieces, key=len))
    return keys


class _Org:
    """One organisation's patterns: `search(text, lower)` finds its first mention."""

    def __init__(self, names: str, acronyms: str | None):
        self.names = re.compile(r"\b(?:" + names + r")")
        self.name_keys = _literal_keys(names)
        self.acronyms = re.compile(r"\b(?:" + acronyms + r")\b") if acronyms else None
        self.acronym_keys = _literal_keys(acronyms) if acronyms else []

    def search(self, text: str, lower: str | None = None) -> re.Match | None:
        low = text.lower() if lower is None else lower
        m = self.names.search(low) if any(k in low for k in self.name_keys) else None
        if m is None and self.acronyms is not None and any(k in text for k in self.acronym_keys):
            m = self.acronyms.search(text)
        return m


ORGS: dict[str, _Org] = {code: _Org(*spec) for code, spec in _ORG_SPEC.items()}
ORG_CODES = tuple(ORGS)

FORCE_TO = ("member_states", "regional_org", "un_operation")
REPORT_TO = ("council", "secretary_general", "both")
REPORT_FREQ = ("none", "unspecified", "immediately", "regular", "interval")
BINARY = ("chapter7", "force_auth", "report_req", "r2p_doctrine", "r2p_any", "poc")

# ----------------------------------------------------------------------------- rules

R_CH7 = re.compile(
    r"\bacting\b[^.;]{0,80}?\bunder\b[^.;]{0,40}?\bchapters? vii\b(?! and ix)"
    r"|\bacting\b[^.;]{0,40}?\bunder\b\s+articles?\s+(?:3[89]|4\d|5[01])\b",
    re.I,
)

R_AUTH = re.compile(
    r"\bauthori[sz](?:e|es|ed|ing|ation|ations)\b|shall have the authority|\bmay (?:take|use|undertake)\b", re.I
)
R_FORCE = re.compile(
    r"all (?:the )?necessary (?:measures|means|action|steps)|all measures necessary|all means necessary"
    r"|necessary (?:measures|action|means)[^.;]{0,40}including the use of force|\buse of force\b"
    r"|measures commensurate (?:with|to) the specific circumstances"
    r"|(?:take|use) the necessary (?:action|steps|means|measures)[^;]{0,160}(?:protect|security and freedom of movement"
    r"|repression|defence)"
    r"|to ensure the security and freedom of movement of (?:the )?personnel of the said",
    re.I,
)
R_RENEW = re.compile(r"\b(?:renew|extend)\w* (?:the )?authori[sz]ations?\b", re.I)
R_CALL_STATES = re.compile(
    r"\bcalls? (?:up)?on (?:all )?(?:member )?states\b[^;]{0,220}?"
    r"(?:all (?:the )?(?:necessary measures|measures necessary)|(?:all )?the necessary means)",
    re.I,
)
R_NOT_FORCE = re.compile(
    r"secretary-general to (?:continue to )?take (?:all )?(?:the )?necessary (?:action|measures|steps)"
    r"|authori[sz]ed? to permit|authori[sz]es? the secretary-general to take (?:all )?(?:the )?"
    r"necessary action",
    re.I,
)

R_MEMBER = re.compile(
    r"\bmember states\b|\bstates\b|multinational|french (?:forces|troops)|\bcoalition\b"
    r"|international security (?:assistance force|presence)|\bthe force\b",
    re.I,
)
R_REGIONAL = re.compile(
    r"(?<!through )(?<!through or in cooperation with )\bregional organi[sz]ations\b(?! or arrangements)", re.I
)
R_UN_OP = re.compile(
    r"\b(?:UN[A-Z]{2,6}|MINU[A-Z]{1,5}|MONU[A-Z]{0,4}|ONU[A-Z]{1,3}|BINU[A-Z]{1,3})\b"
    r"|United Nations (?:Operation|Mission|Protection Force|Interim Force|Stabilization)"
)
_NOT_UN_OP = {
    "UNITA",
    "UNHCR",
    "UNICEF",
    "UNDP",
    "UNODC",
    "UNESCO",
    "UNCLOS",
    "UNTOC",
    "UNSOA",
    "UNCT",
    "UNEP",
    "UNFPA",
    "UNAIDS",
    "UNOPS",
    "UNRWA",
    "UNITAR",
    "UNIDIR",
    "UNOCHA",
    "UNSCOM",
    "UNMOVIC",
    "UNCC",
}

R_REQ = re.compile(
    r"\b(?:requests?|requires?|calls? (?:up)?on|invites?|decides that)\s+(?P<subj>[^;]{0,220}?)\s+"
    r"(?:to|shall|should)\s+(?:continue to\s+)?(?P<verb>report|inform|provide[^;]{0,60}?reports?|keep[^;]{0,60}?informed"
    r"|submit[^;]{0,60}?reports?)(?P<rest>[^;]*)",
    re.I,
)
R_TAKER = re.compile(
    r"member states|\bstates\b|leadership of the|\bthe force\b|african union|\bthe au\b|european union|\bthe eu\b"
    r"|ecowas|\bfrance\b|united states|multinational force|regional organi[sz]ations|international security",
    re.I,
)
R_SG_ONLY = re.compile(
    r"^(?:the )?secretary-general(?:,| and his| through)?\b(?! and (?:,? ?as appropriate,? )?the)", re.I
)
R_INTERVAL = re.compile(
    r"every (?:\w+ )?(?:days|weeks|months|two weeks|\d+ days)|\bmonthly\b|\bquarterly\b|-monthly|twice monthly"
    r"|\bwithin (?:\d+|\w+) (?:days|weeks|months)\b|(?:not|no) later than|\bby \d{1,2} \w+ \d{4}|\bin \d+ months\b"
    r"|\bin the middle and at the end\b|at (?:regular |\w+-monthly |monthly )?intervals? of|\d+ days\b|\bsix months\b"
    r"|\bthree months\b|at least (?:at )?(?:monthly|every|\w+-monthly)",
    re.I,
)
R_REGULAR = re.compile(r"\bregular(?:ly)?\b|\bperiodic(?:ally)?\b|at regular intervals|on a regular basis", re.I)
R_IMMEDIATE = re.compile(r"\bimmediately\b|\bpromptly\b", re.I)
R_CONTENT = re.compile(r"\bincluding\b[^;]{0,40}\bon\b|specifying|on the following|\(i\)|benchmarks", re.I)

R_R2P_DOCTRINE = re.compile(
    r"paragraphs? 138 and 139|world summit outcome[^.;]{0,160}responsibility to protect"
    r"|special advis[eo]rs?[^.;]{0,120}responsibility to protect|principle of (?:the )?responsibility to protect"
    r"|\bthe responsibility to protect\b(?!\s+(?:its|their|his|her|the|civilians|all|populations?|people|returnees"
    r"|citizens|refugees|children|women|humanitarian))",
    re.I,
)
R_R2P_ANY = re.compile(
    r"\bresponsibilit(?:y|ies)\b[^.;]{0,90}?\bto protect\b"
    r"|\bresponsibilit(?:y|ies)\b[^.;]{0,90}?\bfor (?:ensuring )?(?:the )?(?:protection|security) of (?:its |their |the )?"
    r"(?:civilian|civilians|population)\b"
    r"|\bresponsibilit(?:y|ies)\b[^.;]{0,90}?(?:ensure|for) the protection of civilians",
    re.I,
)
R_POC = re.compile(
    r"\bprotect\w*\b[^.;]{0,40}?\bcivilians?\b(?!\s*(?:staff|personnel|police|component|components|aspects"
    r"|administration|nature|objects|installations|aircraft|flights|infrastructure|observers|presence|experts))"
    r"|civilians? under (?:imminent )?threat of physical violence|safety of the civilian population",
    re.I,
)


def _snip(text: str, m: re.Match | None, width: int = 90) -> str | None:
    if m is None:
        return None
    a, b = max(0, m.start() - width), min(len(text), m.end() + width)
    return ("…" if a else "") + text[a:b].strip() + ("…" if b < len(text) else "")


def code_text(text: str, paragraphs: list[str]) -> dict:
    """All features of one resolution from its cleaned text and operative paragraphs."""
    t = flat(text)
    low = t.lower()
    out: dict = {}
    m7 = R_CH7.search(t)
    out["chapter7"] = m7 is not None
    out["ev_chapter7"] = _snip(t, m7, 40)

    force_paras, force_ev, to = [], None, set()
    for i, p in enumerate(paragraphs, start=1):  # paragraphs are already flat (unsc_resolutions)
        m = None
        if R_AUTH.search(p) and not R_NOT_FORCE.search(p):
            m = R_FORCE.search(p)
        if m is None and R_RENEW.search(p) and (R_FORCE.search(p) or re.search(r"resolution \d+", p)):
            m = R_RENEW.search(p)
        if m is None and out["chapter7"]:
            m = R_CALL_STATES.search(p)
        if m is None:
            continue
        force_paras.append(i)
        force_ev = force_ev or _snip(p, m)
        head = p[: m.end() + 200]
        if R_MEMBER.search(head):
            to.add("member_states")
        if R_REGIONAL.search(head) or any(
            ORGS[c].search(head) is not None for c in ("AU", "EU", "ECOWAS", "NATO", "ECCAS")
        ):
            to.add("regional_org")
        if any(x.group(0) not in _NOT_UN_OP for x in R_UN_OP.finditer(head)):
            to.add("un_operation")
    out["force_auth"] = bool(force_paras)
    out["force_paragraphs"] = force_paras
    out["force_to"] = [x for x in FORCE_TO if x in to]
    out["ev_force"] = force_ev

    req, req_ev, to_council, to_sg, freq, content = False, None, False, False, "none", False
    if {"member_states", "regional_org"} & to:
        order = {f: i for i, f in enumerate(REPORT_FREQ)}
        for p in paragraphs:
            for m in R_REQ.finditer(p):
                subj = m.group("subj")
                if not R_TAKER.search(subj) or R_SG_ONLY.match(subj.strip()):
                    continue
                req = True
                req_ev = req_ev or _snip(p, m, 20)
                tail = m.group("verb") + m.group("rest")
                if re.search(r"\bcouncil\b", tail, re.I):
                    to_council = True
                if re.search(r"secretary-general", tail, re.I):
                    to_sg = True
                f = (
                    "interval"
                    if R_INTERVAL.search(tail)
                    else "regular"
                    if R_REGULAR.search(tail)
                    else "immediately"
                    if R_IMMEDIATE.search(tail)
                    else "unspecified"
                )
                if order[f] > order[freq]:
                    freq = f
                content = content or bool(R_CONTENT.search(tail))
    out["report_req"] = req
    out["report_to"] = (
        None if not req else "both" if (to_council and to_sg) else "secretary_general" if to_sg else "council"
    )
    out["report_freq"] = freq if req else "none"
    out["report_specificity"] = (
        0 if not req else 3 if (freq == "interval" and content) else 2 if freq in ("interval", "regular") else 1
    )
    out["ev_report"] = req_ev

    md = R_R2P_DOCTRINE.search(t) if ("responsibility to protect" in low or "138 and 139" in low) else None
    ma = R_R2P_ANY.search(t) if "responsib" in low else None
    out["r2p_doctrine"] = md is not None
    out["r2p_any"] = md is not None or ma is not None
    out["ev_r2p"] = _snip(t, md or ma, 60)
    mp = R_POC.search(t) if "civilian" in low else None
    out["poc"] = mp is not None
    out["ev_poc"] = _snip(t, mp, 60)
    orgs, ev = [], []
    for code, org in ORGS.items():
        mo = org.search(t, low)
        if mo:
            orgs.append(code)
            ev.append(f"{code}: {mo.group(0)}")
    out["regional_orgs"] = orgs
    out["ev_regional_orgs"] = "; ".join(ev) if ev else None
    return out


COLUMNS = [
    "resolution",
    "year",
    "adoption_date",
    "symbol",
    "chapter7",
    "force_auth",
    "force_to",
    "force_paragraphs",
    "report_req",
    "report_to",
    "report_freq",
    "report_specificity",
    "r2p_doctrine",
    "r2p_any",
    "poc",
    "regional_orgs",
    "n_regional_orgs",
    "ev_chapter7",
    "ev_force",
    "ev_report",
    "ev_r2p",
    "ev_poc",
    "ev_regional_orgs",
]


def build_coded(raw: RawFiles) -> pd.DataFrame:
    res = build_resolutions(raw)
    rows = [code_text(t, p) for t, p in zip(res["text"], res["operative_paragraphs"])]
    df = pd.DataFrame(rows)
    df.insert(0, "resolution", res["resolution"].to_numpy())
    df.insert(1, "year", res["year"].to_numpy())
    df.insert(2, "adoption_date", res["adoption_date"].to_numpy())
    df.insert(3, "symbol", res["symbol"].to_numpy())
    for c in BINARY:
        df[c] = df[c].astype(bool)
    df["report_specificity"] = df["report_specificity"].astype("int64")
    df["n_regional_orgs"] = df["regional_orgs"].map(len).astype("int64")
    for c in ["symbol", "report_to", "report_freq", *[c for c in COLUMNS if c.startswith("ev_")]]:
        df[c] = df[c].astype("string")
    return df[COLUMNS]


def _schema():
    import pandera.pandas as pa

    def list_of(allowed):
        return pa.Check(
            lambda s: s.map(lambda v: isinstance(v, list) and all(x in allowed for x in v) and len(set(v)) == len(v)),
            name=f"list of {'|'.join(map(str, allowed))}",
        )

    return pa.DataFrameSchema(
        {
            "resolution": pa.Column("int64", pa.Check.ge(1)),
            "year": pa.Column("int64", pa.Check.in_range(*coverage(SOURCE).span)),
            "adoption_date": pa.Column("datetime64[ns]"),
            "symbol": pa.Column("string"),
            **{c: pa.Column("bool") for c in BINARY},
            "force_to": pa.Column(object, list_of(FORCE_TO)),
            "force_paragraphs": pa.Column(
                object, pa.Check(lambda s: s.map(lambda v: isinstance(v, list)), name="list")
            ),
            "report_to": pa.Column("string", pa.Check.isin(REPORT_TO), nullable=True),
            "report_freq": pa.Column("string", pa.Check.isin(REPORT_FREQ)),
            "report_specificity": pa.Column("int64", pa.Check.in_range(0, 3)),
            "regional_orgs": pa.Column(object, list_of(ORG_CODES)),
            "n_regional_orgs": pa.Column("int64", pa.Check.ge(0)),
            **{c: pa.Column("string", nullable=True) for c in COLUMNS if c.startswith("ev_")},
        },
        checks=[
            pa.Check(lambda d: d["force_auth"] == (d["force_paragraphs"].map(len) > 0), name="force_has_paragraphs"),
            pa.Check(lambda d: ~d["report_req"] | d["force_auth"], name="reporting_only_with_force"),
            pa.Check(lambda d: d["report_req"] == d["report_to"].notna(), name="report_to_iff_required"),
            pa.Check(lambda d: d["report_req"] == (d["report_specificity"] > 0), name="specificity_iff_required"),
            pa.Check(lambda d: ~d["r2p_doctrine"] | d["r2p_any"], name="doctrine_implies_any"),
        ],
        strict=True,
    )


TABLES = [
    Table(
        name="unsc_resolutions_coded",
        sources=(f"{SOURCE}/{TAR}", f"{SOURCE}/{DTA}"),
        build=build_coded,
        schema=LazySchema(_schema),
        key=("resolution",),
        description=(
            "UN Security Council resolutions 1-2259 coded automatically by the rules of "
            "config/coding/unsc_resolution_coding_guide.md: Chapter VII, authorisation of force and to whom, "
            "reporting requirements on the mandate-taker (to whom, how often, how specific), responsibility to "
            "protect, protection of civilians, regional organisations named; with the deciding words."
        ),
        citation=CITATION,
        code_deps=("analysis/clean/unsc_resolutions.py",),
    ),
]

# ----------------------------------------------------------------------------- hand sample and validation

SAMPLE_COLUMNS = [
    "resolution",
    "sample",
    "chapter7",
    "force_auth",
    "force_to",
    "report_req",
    "report_to",
    "report_freq",
    "report_specificity",
    "r2p_doctrine",
    "r2p_any",
    "poc",
    "regional_orgs",
    "evidence",
    "coder_note",
]


def read_sample(path: str | Path = SAMPLE) -> pd.DataFrame:
    """The hand-coded sample, checked: 0/1 codes, known categories and organisation codes, unique numbers."""
    path = Path(path)
    src, name = "hand-coded sample", str(path)
    try:
        df = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (OSError, pd.errors.ParserError, UnicodeDecodeError) as e:
        raise DataError(f"cannot read the hand-coded sample: {e}", source=src, file=name) from None
    missing = [c for c in SAMPLE_COLUMNS if c not in df.columns]
    if missing:
        raise DataError("required column missing", source=src, file=name, column=missing[0])

    def bad(mask, column, msg):
        if mask.any():
            i = int(np.flatnonzero(mask.to_numpy())[0])
            raise DataError(f"{msg}: {df[column].iloc[i]!r}", source=src, file=name, column=column, row=i + 1)

    bad(~df["resolution"].str.fullmatch(r"\d+"), "resolution", "resolution is not a number")
    dup = df["resolution"].duplicated(keep=False)
    if dup.any():
        rows = (np.flatnonzero(dup.to_numpy()) + 1).tolist()
        raise DataError(
            f"resolution {df.loc[dup, 'resolution'].iloc[0]} is coded twice",
            source=src,
            file=name,
            column="resolution",
            rows=rows,
        )
    for c in BINARY:
        bad(~df[c].isin(["0", "1"]), c, "code is not 0/1")
    bad(~df["report_specificity"].isin(["0", "1", "2", "3"]), "report_specificity", "code is not 0-3")
    bad(~df["report_freq"].isin(REPORT_FREQ), "report_freq", "unknown frequency")
    bad(~df["report_to"].isin(("",) + REPORT_TO), "report_to", "unknown addressee")
    bad(~df["sample"].isin(["random", "force", "random+force", "holdout"]), "sample", "unknown sample part")
    bad(
        df["force_to"].map(lambda v: any(x not in FORCE_TO for x in v.split(";") if x)),
        "force_to",
        "unknown mandate-taker type",
    )
    bad(
        df["regional_orgs"].map(lambda v: any(x not in ORG_CODES for x in v.split(";") if x)),
        "regional_orgs",
        f"unknown organisation name (known codes: {', '.join(ORG_CODES)})",
    )
    out = df.copy()
    out["resolution"] = out["resolution"].astype("int64")
    for c in BINARY:
        out[c] = out[c].eq("1")
    out["report_specificity"] = out["report_specificity"].astype("int64")
    out["force_to"] = out["force_to"].map(lambda v: [x for x in v.split(";") if x])
    out["regional_orgs"] = out["regional_orgs"].map(lambda v: [x for x in v.split(";") if x])
    out["report_to"] = out["report_to"].replace("", pd.NA)
    return out


def _counts(hand: pd.Series, auto: pd.Series) -> dict:
    h, a = hand.astype(bool).to_numpy(), auto.astype(bool).to_numpy()
    tp, fp = int((h & a).sum()), int((~h & a).sum())
    fn, tn = int((h & ~a).sum()), int((~h & ~a).sum())
    prec = tp / (tp + fp) if tp + fp else np.nan
    rec = tp / (tp + fn) if tp + fn else np.nan
    f1 = 2 * prec * rec / (prec + rec) if tp else (0.0 if (fp or fn) else np.nan)
    return {
        "n": len(h),
        "n_hand_positive": tp + fn,
        "tp": tp,
        "fp": fp,
        "fn": fn,
        "tn": tn,
        "precision": prec,
        "recall": rec,
        "f1": f1,
        "agreement": (tp + tn) / len(h) if len(h) else np.nan,
    }


def validate_coding(coded: pd.DataFrame, sample: pd.DataFrame) -> pd.DataFrame:
    """Precision, recall, F1 and agreement of the automatic coding against the hand sample."""
    unknown = sorted(set(sample["resolution"]) - set(coded["resolution"]))
    if unknown:
        raise DataError(
            f"hand-coded resolutions not in the texts: {unknown[:5]}",
            source="hand-coded sample",
            file=str(SAMPLE),
            column="resolution",
        )
    coded = coded.assign(regional_orgs=coded["regional_orgs"].map(list), force_to=coded["force_to"].map(list))
    m = sample.merge(coded, on="resolution", suffixes=("_hand", "_auto"), validate="one_to_one")
    parts = {
        "all": m[m["sample"] != "holdout"],
        "random": m[m["sample"].str.startswith("random")],
        "holdout": m[m["sample"] == "holdout"],
    }
    parts = {k: v for k, v in parts.items() if len(v)}
    rows = []
    for part, d in parts.items():
        for f in BINARY:
            rows.append({"subset": part, "feature": f, "kind": "binary", **_counts(d[f + "_hand"], d[f + "_auto"])})
        for code in ORG_CODES:
            h = d["regional_orgs_hand"].map(lambda v, c=code: c in v)
            a = d["regional_orgs_auto"].map(lambda v, c=code: c in v)
            if h.any() or a.any():
                rows.append({"subset": part, "feature": f"org:{code}", "kind": "organisation", **_counts(h, a)})
        # all organisation mentions pooled (micro-average over codes)
        h_all = pd.concat([d["regional_orgs_hand"].map(lambda v, c=c: c in v) for c in ORG_CODES], ignore_index=True)
        a_all = pd.concat([d["regional_orgs_auto"].map(lambda v, c=c: c in v) for c in ORG_CODES], ignore_index=True)
        rows.append(
            {"subset": part, "feature": "regional_orgs (pooled)", "kind": "organisation", **_counts(h_all, a_all)}
        )
        any_h = d["regional_orgs_hand"].map(lambda v: len(v) > 0)
        any_a = d["regional_orgs_auto"].map(lambda v: len(v) > 0)
        rows.append({"subset": part, "feature": "any regional org", "kind": "binary", **_counts(any_h, any_a)})
        for f, kind in (
            ("force_to", "set"),
            ("report_to", "category"),
            ("report_freq", "category"),
            ("report_specificity", "category"),
        ):
            base = "force_auth" if f == "force_to" else "report_req"
            both = d[d[base + "_hand"] & d[base + "_auto"]]
            if f == "force_to":
                same = both["force_to_hand"].map(lambda v: sorted(v)) == both["force_to_auto"].map(lambda v: sorted(v))
            else:
                same = both[f + "_hand"].astype("string") == both[f + "_auto"].astype("string")
            rows.append(
                {
                    "subset": part,
                    "feature": f,
                    "kind": kind,
                    "n": len(both),
                    "agreement": float(same.mean()) if len(both) else np.nan,
                }
            )
    out = pd.DataFrame(rows)
    for c in ["n", "n_hand_positive", "tp", "fp", "fn", "tn"]:
        out[c] = out[c].astype("Int64")
    for c in ["precision", "recall", "f1", "agreement"]:
        out[c] = out[c].astype("float64").round(4)
    return out[
        [
            "subset",
            "feature",
            "kind",
            "n",
            "n_hand_positive",
            "tp",
            "fp",
            "fn",
            "tn",
            "precision",
            "recall",
            "f1",
            "agreement",
        ]
    ]


def read_samples(sample_path: str | Path = SAMPLE, holdout_path: str | Path | None = HOLDOUT) -> pd.DataFrame:
    """The hand sample and (when given) the hold-out sample; a resolution in both is an error."""
    s = read_sample(sample_path)
    if holdout_path is None:
        return s
    h = read_sample(holdout_path)
    both = sorted(set(s["resolution"]) & set(h["resolution"]))
    if both:
        raise DataError(
            f"resolutions coded in both samples: {both[:5]}",
            source="hand-coded sample",
            file=str(holdout_path),
            column="resolution",
        )
    return pd.concat([s, h], ignore_index=True)


def write_validation(
    coded_path: str | Path, sample_path: str | Path, output: str | Path, holdout_path: str | Path | None = None
) -> Path:
    from ..io import write_csv

    coded = pd.read_parquet(coded_path)
    val = validate_coding(coded, read_samples(sample_path, holdout_path))
    return write_csv(val, output)

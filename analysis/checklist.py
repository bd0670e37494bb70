"""Brozus's five conditions, coded per intervention from named sources: the checklist table.

One row per PRIF HMI v0.3 intervention and condition (41 x 5) in
`data/processed/conditions_checklist.parquet`: the value (met / not met / cannot be coded from
these data), its basis (source / by construction / outcome: only `source` counts as evidence),
the source the cell was read from, the rule branch that decided it and a coding note with the
codes and text that decided it. The rules, their notes and the Security Council resolutions
linked to interventions live in `config/coding/conditions.yaml` (schema
`config/schemas/conditions.schema.json`); this module only applies them:

1. UNSC authorisation: PRIF UNSC; a linked resolution's text corroborates (force_auth, date).
2. Goal: behaviour, not composition: PRIF TARGET / GOVTPERM, and for interventions against the
   government the linked resolution's operative wording; never PRIF REGIME (the outcome).
3. Justified only by protection: PRIF SAVING, met by construction of PRIF's case selection.
4. Force only to protect: PRIF's activity codes (LOST, ENFORCE with TARGET, the protective
   activities); never REGIME.
5. Post-conflict assistance: net ODA as claim PC1 measures it (`analysis.claims.conditions`),
   with the specification the config names.

`briefs.py` shows each intervention's rows and aggregates them (`results/conditions.json`);
claim CN1 (`analysis/claims/conditions.py`) scores the conditions it declares.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd

from . import ROOT
from .errors import DataError
from .io import read_parquet, write_parquet, yaml_loader

RULES_PATH = ROOT / "config" / "coding" / "conditions.yaml"
SCHEMA_PATH = ROOT / "config" / "schemas" / "conditions.schema.json"
OUTPUT = "conditions_checklist.parquet"

MET, NOT_MET, UNCODED = "met", "not met", "cannot be coded from these data"
VALUES = (MET, NOT_MET, UNCODED)
BASES = ("source", "by construction", "outcome")
#: the processed tables the checklist reads (the rule's inputs)
INPUT_TABLES = (
    "hmi_cases",
    "prif_hmi_03",
    "unsc_resolutions",
    "unsc_resolutions_coded",
    "wdi_oda",
    "country_year",
    "crosswalk",
)


# --------------------------------------------------------------------------- the rules


def load_rules(path: str | Path = RULES_PATH) -> dict:
    """The coding rules, validated: a YAML error, a key or coding value the schema does not
    know, or a pattern that is no regular expression is a DataError naming the file and key."""
    import jsonschema
    import yaml

    path = Path(path)
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=yaml_loader())
    except FileNotFoundError:
        raise DataError("coding rules missing", file=str(path)) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}: " if mark is not None else ""
        raise DataError(f"{where}YAML syntax error: {getattr(exc, 'problem', exc)}", file=str(path)) from None
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    errs = sorted(jsonschema.Draft202012Validator(schema).iter_errors(data), key=lambda e: list(map(str, e.path)))
    if errs:
        e = min(errs, key=lambda e: -len(e.path))  # the deepest: it names the offending key
        key = ".".join(str(p) for p in e.path) or "(top level)"
        raise DataError(f"key {key}: {e.message}", file=str(path), column=key)
    conds = {c["n"]: c for c in data["conditions"]}
    for n, fld in ((2, "composition_patterns"), (2, "protection_patterns")):
        for j, pat in enumerate(conds[n][fld]):
            try:
                re.compile(pat)
            except re.error as exc:
                key = f"conditions.{n - 1}.{fld}.{j}"
                raise DataError(f"key {key}: not a regular expression ({exc})", file=str(path), column=key) from None
    for n, key in ((1, "unsc"), (3, "saving")):  # code maps: integer codes
        conds[n]["values"][key] = {int(k): v for k, v in conds[n]["values"][key].items()}
    conds[2]["values"]["target"] = {int(k): v for k, v in conds[2]["values"]["target"].items()}
    seen = set()
    for j, link in enumerate(data["resolutions"]):
        if link["case_id"] in seen:
            key = f"resolutions.{j}.case_id"
            raise DataError(f"key {key}: intervention {link['case_id']!r} linked twice", file=str(path), column=key)
        seen.add(link["case_id"])
    return {
        "conditions": conds,
        "links": data["resolutions"],
        "link_max_days": data["link_max_days"],
        "path": str(path),
    }


# --------------------------------------------------------------------------- resolution links


def linked_resolutions(rules: dict, prif: pd.DataFrame, texts: pd.DataFrame, coded: pd.DataFrame) -> dict[str, dict]:
    """case_id -> the linked resolution's facts. A link to an unknown intervention or
    resolution, a text that does not name the target, or a date too far from the start is a
    DataError naming the config file and key."""
    t = texts.set_index("resolution")
    c = coded.set_index("resolution")
    starts = prif.set_index("case_id")["hmistart"]
    out = {}
    for j, link in enumerate(rules["links"]):
        key = f"resolutions.{j}"

        def bad(msg: str, fld: str, key: str = key) -> DataError:
            return DataError(f"key {key}.{fld}: {msg}", file=rules["path"], column=f"{key}.{fld}")

        cid, res = link["case_id"], int(link["resolution"])
        if cid not in starts.index:
            raise bad(f"no PRIF v0.3 intervention {cid!r}", "case_id")
        if res not in t.index or res not in c.index:
            raise bad(f"resolution {res} is not in the resolution texts (1-{int(t.index.max())})", "resolution")
        text = str(t.at[res, "text"])
        if link["name"].casefold() not in text.casefold():
            raise bad(f"the text of resolution {res} does not contain {link['name']!r}", "name")
        adopted = pd.Timestamp(t.at[res, "adoption_date"])
        days = int((adopted - pd.Timestamp(starts[cid])).days)
        if abs(days) > rules["link_max_days"]:
            raise bad(
                f"resolution {res} was adopted {days} days from the start of {cid!r} "
                f"(more than link_max_days = {rules['link_max_days']})",
                "resolution",
            )
        ops = [str(p) for p in t.at[res, "operative_paragraphs"]]
        force_pars = [int(i) for i in c.at[res, "force_paragraphs"]]
        out[cid] = {
            "resolution": res,
            "adopted": str(adopted.date()),
            "days_from_start": days,
            "force_auth": bool(c.at[res, "force_auth"]),
            "poc": bool(c.at[res, "poc"]),
            "operative": ops,
            "force_paragraphs": [ops[i - 1] for i in force_pars if 0 < i <= len(ops)],
            "force_paragraph_numbers": force_pars,
            "note": link["note"],
        }
    return out


def _res_label(link: dict) -> str:
    d = link["days_from_start"]
    days = f"{abs(d)} day{'' if abs(d) == 1 else 's'}"
    when = "on the start day" if d == 0 else f"{days} {'before' if d < 0 else 'after'} the start"
    return f"resolution {link['resolution']} ({link['adopted']}, {when})"


def _code(v) -> int | None:
    return None if pd.isna(v) else int(v)


# --------------------------------------------------------------------------- the five cells


def code_c1(case: pd.Series, link: dict | None, rule: dict) -> dict:
    u = _code(case["unsc"])
    src = "PRIF HMI v0.3 UNSC"
    if u is None or u not in rule["values"]["unsc"]:
        return {
            "value": rule["values"]["missing"],
            "source": src,
            "rule": "unsc missing",
            "note": f"PRIF UNSC is {'missing' if u is None else u}: not a code the rule knows.",
        }
    value = rule["values"]["unsc"][u]
    note = f"PRIF UNSC = {u} ({'mandated or approved' if u == 2 else 'no mandate or approval'})."
    if link is not None:
        src += f"; UNSC resolution {link['resolution']} text"
        fa = "authorises force (force_auth)" if link["force_auth"] else "does not authorise force (force_auth = 0)"
        note += f" Linked {_res_label(link)}: its text {fa}."
        if (u == 2) != link["force_auth"]:
            note += " The text does not corroborate PRIF's code; PRIF's code is kept (the rule)."
    elif u == 2:
        note += (
            " No resolution linked (an approval rather than an authorisation, a later text, after 2015, or "
            "no link the project could verify): PRIF's code alone."
        )
    return {
        "value": value,
        "source": src,
        "rule": f"unsc={u}",
        "note": note,
        "resolution": None if link is None else link["resolution"],
    }


def _matches(patterns: list[str], paragraphs: list[str]) -> list[str]:
    found = []
    for p in paragraphs:
        for pat in patterns:
            m = re.search(pat, p, flags=re.IGNORECASE)
            if m:  # the match with a few whole words either side
                a, b = max(0, m.start() - 45), min(len(p), m.end() + 45)
                snip = p[a:b]
                if a > 0:
                    snip = snip.split(" ", 1)[-1]
                if b < len(p):
                    snip = snip.rsplit(" ", 1)[0]
                found.append(snip.strip())
    return found


def code_c2(case: pd.Series, link: dict | None, rule: dict) -> dict:
    v = rule["values"]
    tgt, perm = _code(case["target"]), _code(case["govtperm"])
    src = "PRIF HMI v0.3 TARGET, GOVTPERM"
    label = str(case["target_label"]) if not pd.isna(case["target_label"]) else "missing"
    if tgt is None or tgt not in v["target"]:
        return {
            "value": v["missing"],
            "source": src,
            "rule": "target missing",
            "note": f"PRIF TARGET is {'missing' if tgt is None else tgt}: the regime's place as target is not coded.",
        }
    decided = v["target"][tgt]
    if decided != "resolution wording":
        if tgt == 2 and perm == 0:
            return {
                "value": v["rebels_without_permission"],
                "source": src,
                "rule": "target=2, govtperm=0",
                "note": (
                    "PRIF TARGET = 2 (against a group that rebelled) but GOVTPERM = 0 (the government in power "
                    "did not permit the intervention): the targeted side may have held power, so whether the "
                    "goal concerned the regime's composition cannot be read from these codes."
                ),
            }
        return {
            "value": decided,
            "source": src,
            "rule": f"target={tgt}",
            "note": f"PRIF TARGET = {tgt} ({label}): not directed against the government, so no stated goal "
            "about who governs.",
        }
    # directed against the government: the linked resolution's wording
    if link is None:
        return {
            "value": v["no_text"],
            "source": src,
            "rule": "target=1, no text",
            "note": (
                "PRIF TARGET = 1 (against the government). No Security Council resolution is linked, and the "
                "interveners' stated goal towards the regime is not coded in these data (PRIF SAVING = 1 "
                "for every case)."
            ),
        }
    src += f"; UNSC resolution {link['resolution']} operative paragraphs"
    comp = _matches(rule["composition_patterns"], link["operative"])
    prot = _matches(rule["protection_patterns"], link["force_paragraphs"])
    head = f"PRIF TARGET = 1 (against the government); stated goal read from {_res_label(link)}: "
    if comp:
        return {
            "value": v["wording"]["composition"],
            "source": src,
            "rule": "target=1, wording: composition",
            "resolution": link["resolution"],
            "note": head + f'an operative paragraph speaks of who governs ("...{comp[0]}...").',
        }
    if prot:
        pars = ", ".join(str(i) for i in link["force_paragraph_numbers"])
        return {
            "value": v["wording"]["protection"],
            "source": src,
            "rule": "target=1, wording: protection",
            "resolution": link["resolution"],
            "note": head + f"the force it authorises (operative paragraph(s) {pars}) is to protect civilians "
            f'("...{prot[0]}..."), and no operative paragraph speaks of who governs.',
        }
    return {
        "value": v["wording"]["neither"],
        "source": src,
        "rule": "target=1, wording: neither",
        "resolution": link["resolution"],
        "note": head
        + "its operative paragraphs state neither a protection purpose for force nor a change of government.",
    }


def code_c3(case: pd.Series, rule: dict) -> dict:
    s = _code(case["saving"])
    src = "PRIF HMI v0.3 SAVING (case selection)"
    if s is None or s not in rule["values"]["saving"]:
        return {
            "value": rule["values"]["missing"],
            "source": src,
            "rule": "saving missing",
            "note": "PRIF SAVING is missing.",
        }
    return {
        "value": rule["values"]["saving"][s],
        "source": src,
        "rule": f"saving={s}",
        "note": (
            f"PRIF SAVING = {s}: the interveners declared the objective of saving strangers, which PRIF "
            "requires of every case it selects; met by construction, not evidence. Whether protection was "
            "the only justification is not coded."
        ),
    }


_ACTIVITY = {
    "lost": "LOST",
    "enforce": "ENFORCE",
    "civilian": "CIVILIAN",
    "humanaid": "HUMANAID",
    "nofly": "NOFLY",
    "safearea": "SAFEAREA",
    "interpos": "INTERPOS",
    "disarm": "DISARM",
}


def code_c4(case: pd.Series, rule: dict) -> dict:
    v = rule["values"]
    src = "PRIF HMI v0.3 " + ", ".join(
        sorted({_ACTIVITY[a] for a in rule["protective"]} | {"LOST", "ENFORCE", "TARGET"})
    )
    codes = {a: _code(case[a]) for a in _ACTIVITY}
    tgt = _code(case["target"])
    listed = "; ".join(
        f"{_ACTIVITY[a]} = {'missing' if codes[a] is None else codes[a]}"
        for a in ("lost", "enforce", *rule["protective"])
    )
    listed += f"; TARGET = {'missing' if tgt is None else tgt}"
    # partisan purposes: True (found), False (ruled out), None (a missing code leaves it open)
    partisan = {}
    if "lost" in rule["partisan"]:
        partisan["helped a party avoid defeat (LOST 1)"] = None if codes["lost"] is None else codes["lost"] == 1
    if "enforce_against_a_side" in rule["partisan"]:
        e = codes["enforce"]
        partisan["enforced a settlement against one side (ENFORCE 1, TARGET not 0)"] = (
            False if e == 0 or tgt == 0 else None if e is None or tgt is None else True
        )
    found = [k for k, x in partisan.items() if x is True]
    if found:
        return {
            "value": v["partisan"],
            "source": src,
            "rule": "partisan",
            "note": f"Force for a partisan purpose: {'; '.join(found)}. Codes: {listed}. REGIME not used (outcome).",
        }
    if any(x is None for x in partisan.values()):
        return {
            "value": v["missing"],
            "source": src,
            "rule": "partisan code missing",
            "note": f"A missing code leaves open whether force served a partisan purpose. Codes: {listed}.",
        }
    prot = {a: codes[a] for a in rule["protective"]}
    if any(x == 1 for x in prot.values()):
        did = ", ".join(_ACTIVITY[a] for a, x in prot.items() if x == 1)
        return {
            "value": v["protective"],
            "source": src,
            "rule": "protective only",
            "note": f"No partisan use of force coded; protective activities: {did}. Codes: {listed}. "
            "REGIME not used (outcome).",
        }
    if any(x is None for x in prot.values()):
        return {
            "value": v["missing"],
            "source": src,
            "rule": "protective code missing",
            "note": f"No partisan use of force coded, but a missing activity code leaves open whether force "
            f"protected anyone. Codes: {listed}.",
        }
    return {
        "value": v["no_protective_activity"],
        "source": src,
        "rule": "no protective activity",
        "note": f"No protective activity coded. Codes: {listed}.",
    }


def code_c5(row: dict | None, rule: dict) -> dict:
    v = rule["values"]
    spec = rule["pc1_specification"]
    src = (
        f"World Bank WDI net ODA (wdi-oda); claim PC1's comparison (k = {spec['k']}, {spec['measure']}, "
        f"{spec['windows']} windows)"
    )
    if row is None or row.get("reason") is not None:
        why = "no row" if row is None else row["reason"]
        return {
            "value": v["not_measurable"],
            "source": src,
            "rule": "not measurable",
            "note": f"Not measurable as PC1 measures it: {why}.",
        }
    k = spec["k"]
    note = (
        f"Log ratio of the target's net ODA, {k} years after the end over {k} years before the start: "
        f"{row['target_log_ratio']:.2f}; median of {row['n_comparisons']} comparison countries: "
        f"{row['comparison_median_log_ratio']:.2f}. All donors' aid, not the interveners' offer."
    )
    if row["rose_more"]:
        return {"value": v["rose_more"], "source": src, "rule": "rose more", "note": note}
    return {"value": v["did_not_rise_more"], "source": src, "rule": "did not rise more", "note": note}


def oda_rows(
    hmi03: pd.DataFrame, oda_table: pd.DataFrame, country_year: pd.DataFrame, crosswalk: pd.DataFrame, spec: dict
) -> dict[str, dict]:
    """case_id -> PC1's per-intervention row (the same function and inputs as the claim)."""
    from . import oda
    from .claims.conditions import MEASURES, _case_row
    from .crosswalk import Mapper
    from .panel import hmi_gwcodes

    h = hmi03.reset_index(drop=True)
    h = h.assign(gwcode=hmi_gwcodes(h, Mapper(crosswalk)))
    series = oda.country_series(oda_table)
    panel = country_year[["gwcode", "year", "region", "intra_active", "hmi_ongoing"]]
    return {
        c.case_id: _case_row(series, panel, c, int(spec["k"]), MEASURES[spec["measure"]], spec["windows"])
        for c in h.itertuples(index=False)
    }


# --------------------------------------------------------------------------- the table


COLUMNS = [
    "case_id",
    "slug",
    "condition",
    "short",
    "value",
    "basis",
    "counts_as_evidence",
    "timing",
    "source",
    "rule",
    "resolution",
    "note",
]


def build_checklist(tables: dict[str, pd.DataFrame], rules: dict) -> pd.DataFrame:
    """The long checklist (one row per intervention and condition), validated."""
    from .schemas import CONDITIONS_CHECKLIST

    prif = tables["prif_hmi_03"]
    hmi = tables["hmi_cases"]
    hmi03 = hmi[hmi["release"] == "0.3"].reset_index(drop=True)
    missing = sorted(set(prif["case_id"]) ^ set(hmi03["case_id"]))
    if missing:
        raise DataError(
            f"PRIF v0.3 interventions and hmi_cases (release 0.3) differ: {missing[:5]}",
            file="prif_hmi_03.parquet",
            column="case_id",
        )
    conds = rules["conditions"]
    links = linked_resolutions(rules, prif, tables["unsc_resolutions"], tables["unsc_resolutions_coded"])
    oda = oda_rows(hmi03, tables["wdi_oda"], tables["country_year"], tables["crosswalk"], conds[5]["pc1_specification"])
    slug = hmi03.set_index("case_id")["slug"]
    rows = []
    for _, case in prif.sort_values("case_id").iterrows():
        cid = case["case_id"]
        link = links.get(cid)
        cells = {
            1: code_c1(case, link, conds[1]),
            2: code_c2(case, link, conds[2]),
            3: code_c3(case, conds[3]),
            4: code_c4(case, conds[4]),
            5: code_c5(oda.get(cid), conds[5]),
        }
        for n, cell in cells.items():
            c = conds[n]
            rows.append(
                {
                    "case_id": cid,
                    "slug": slug[cid],
                    "condition": n,
                    "short": c["short"],
                    "value": cell["value"],
                    "basis": c["basis"],
                    "counts_as_evidence": c["basis"] == "source" and cell["value"] != UNCODED,
                    "timing": c["timing"],
                    "source": cell["source"],
                    "rule": cell["rule"],
                    "resolution": cell.get("resolution"),
                    "note": cell["note"],
                }
            )
    df = pd.DataFrame(rows, columns=COLUMNS)
    for col in ("case_id", "slug", "short", "value", "basis", "timing", "source", "rule", "note"):
        df[col] = df[col].astype("string")
    df["condition"] = df["condition"].astype("int64")
    df["counts_as_evidence"] = df["counts_as_evidence"].astype(bool)
    df["resolution"] = pd.array([None if pd.isna(x) else int(x) for x in df["resolution"]], dtype="Int64")
    df = df.sort_values(["case_id", "condition"]).reset_index(drop=True)
    CONDITIONS_CHECKLIST.validate(df, lazy=True)
    return df


def write_checklist(processed: Path, output: Path, rules_path: str | Path = RULES_PATH) -> pd.DataFrame:
    rules = load_rules(rules_path)
    tables = {t: read_parquet(Path(processed) / f"{t}.parquet") for t in INPUT_TABLES}
    df = build_checklist(tables, rules)
    write_parquet(df, output)
    return df


# --------------------------------------------------------------------------- readers


def wide(checklist: pd.DataFrame) -> pd.DataFrame:
    """case_id x condition -> value (columns c1..c5)."""
    w = checklist.pivot(index="case_id", columns="condition", values="value")
    w.columns = [f"c{int(c)}" for c in w.columns]
    return w


def rules_summary(rules: dict) -> list[dict]:
    """The conditions as the reports show them (from the config)."""
    return [
        {
            "n": n,
            "short": c["short"],
            "condition": c["condition"],
            "source": c["source"],
            "basis": c["basis"],
            "timing": c["timing"],
            "note": c["note"],
        }
        for n, c in sorted(rules["conditions"].items())
    ]


def summary(checklist: pd.DataFrame) -> list[dict]:
    """Per condition: counts of each value, and how many cells count as evidence."""
    out = []
    for n, g in checklist.groupby("condition", sort=True):
        vc = g["value"].value_counts()
        out.append(
            {
                "n": int(n),
                "short": str(g["short"].iloc[0]),
                "basis": str(g["basis"].iloc[0]),
                "met": int(vc.get(MET, 0)),
                "not_met": int(vc.get(NOT_MET, 0)),
                "cannot_be_coded": int(vc.get(UNCODED, 0)),
                "total": int(len(g)),
                "counted_as_evidence": int(g["counts_as_evidence"].sum()),
            }
        )
    return out


__all__ = [
    "load_rules",
    "build_checklist",
    "write_checklist",
    "wide",
    "summary",
    "rules_summary",
    "VALUES",
    "MET",
    "NOT_MET",
    "UNCODED",
]

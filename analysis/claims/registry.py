"""The claims registry (`config/claims.yaml`): loading and validation.

A registry error names the file, the line, the claim id and the field, and is raised
before anything is computed or written:

- YAML syntax errors (with the file's line and column);
- the JSON schema (`config/schemas/claims.schema.json`);
- semantics the schema cannot express: an unknown test; a specification dimension or
  option the test function does not know (a typo'd option); a primary choice outside the
  options; decision bounds that sit on the same side, are reversed or overlap (an interval
  could meet both); a decision statistic the test does not provide; a design check or a
  curve test the test does not run; findings that name unknown claims; with processed
  data at hand, tables and columns outside the data contract.

`TESTS` maps each test name to its function and to the dimensions and options it knows:
the function's own contract, kept here so that validating the registry imports no
statistics (the Snakefile reads the registry while it is parsed).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .. import ROOT
from ..errors import DataError
from ..io import yaml_line_of, yaml_loader

REGISTRY_PATH = ROOT / "config" / "claims.yaml"
SCHEMA_PATH = ROOT / "config" / "schemas" / "claims.schema.json"

#: Names a specification dimension may not take (they are columns of the curve).
RESERVED_DIMS = frozenset(
    {
        "spec_index",
        "spec_id",
        "estimate",
        "ci_low",
        "ci_high",
        "p_value",
        "p_value_contradict",
        "n",
        "method",
        "reason",
        "error",
        "warnings",
        "supports",
        "seed",
        "cache",
        "outcome",
        "is_primary",
        "choices",
        "claim_id",
        "duplicate_of",
        "sample_key",
    }
)


@dataclass(frozen=True)
class TestDef:
    """A test function (`module:function` under analysis.claims) and its contract."""

    target: str
    #: dimension -> the options the function understands (None: any value)
    dims: dict[str, tuple | None]
    #: statistics the function's curve provides for `decided_by`
    statistics: tuple[str, ...] = ("interval",)
    #: design checks the function runs (ids)
    checks: tuple[str, ...] = ()
    #: whether the function supplies null draws for the inferential curve test
    curve_test: bool = False


_RELEASES = ("0.3", "2019")
TESTS: dict[str, TestDef] = {
    "rc1_regime_share": TestDef(
        "regime_change:rc1_regime_share",
        {
            "release": _RELEASES,
            "cases": ("all", "clear"),
            "period": ("all", "post-cold-war", "before-2011"),
            "libya": ("include", "exclude"),
            "target": ("all", "against-government"),
        },
        curve_test=True,
    ),
    "rc2_imi_against_government": TestDef(
        "regime_change:rc2_imi_against_government",
        {
            "outcome_measure": (
                "against-government",
                "leader-irregular-or-foreign",
                "leader-foreign",
                "leader-irregular",
            ),
            "window": (1, 2, 3),
            "sample": ("all", "cold-war", "post-cold-war"),
            "intervener": ("any", "states-only"),
            "denominator": ("non-neutral", "all-humanitarian"),
            "unit": ("operation", "intervener-target-pair"),
        },
        curve_test=True,
    ),
    "rc3_exit_share": TestDef(
        "regime_change:rc3_exit_share",
        {
            "outcome_measure": ("irregular-or-foreign-exit", "foreign-exit", "interveners-brought-about"),
            "window": (1, 2, 3),
            "release": _RELEASES,
            "cases": ("all", "clear"),
        },
        curve_test=True,
    ),
    "hmi_two_by_two": TestDef(
        "regime_change:hmi_two_by_two",
        {
            "release": _RELEASES,
            "cases": ("all", "clear", "against-government"),
            "libya": ("include", "exclude"),
            "comparison": (
                "2011-vs-before",
                "regime-change-vs-not",
                "mandate-vs-none",
                "stopped-short-vs-regime-change",
            ),
            "outcome_measure": ("regime-change", "end-of-violence", "new-violence"),
        },
        statistics=("interval", "p_value"),
    ),
    "mh1_order": TestDef(
        "moral_hazard:mh1_order",
        {
            "k": (1, 2, 3),
            "start_year": ("exclude", "include"),
            "osv_version": ("25.1", "21.1"),
            "release": _RELEASES,
            "targets": ("against-government", "all"),
        },
    ),
    "onset_break_projected": TestDef(
        "moral_hazard:onset_break_projected",
        {
            "break_year": (1999, 2005, 2011),
            "onset": ("new", "new-or-recurrence", "mk-onset", "genocide-onset"),
            "conflicts": ("intrastate", "intrastate-and-internationalized", "not-applicable"),
            "trend": ("pre-period-linear", "none"),
            "years": ("1946-2024", "1989-2024", "1955-2014"),
        },
    ),
    "mh3_demonstration": TestDef(
        "moral_hazard:mh3_demonstration",
        {
            "window": (1, 2, 3),
            "outcome_measure": ("onset", "rebel-osv"),
            "interventions": ("hmi-against-government",),
            "release": _RELEASES,
        },
        checks=("placebo",),
    ),
    "mh4_event_study": TestDef(
        "moral_hazard:mh4_event_study",
        {
            "k": (1, 2, 3),
            "ucdp_estimate": ("best", "high"),
            "release": _RELEASES,
            "targets": ("all", "against-government", "against-rebels", "impartial"),
            "actors": ("rebel-coded", "non-state"),
        },
    ),
    "mh7_daily_order": TestDef(
        "daily_order:mh7_daily_order",
        {
            "before": (90, 180, 365),
            "targets": ("against-government", "all"),
            "censoring": ("exclude-left-censored", "include-left-censored"),
        },
    ),
    "pc1_oda": TestDef(
        "conditions:pc1_oda",
        {"k": (3, 5), "measure": ("share-of-world-oda", "current-usd"), "windows": ("complete", "any-years")},
    ),
    "cn1_conditions_trend": TestDef(
        "conditions:cn1_conditions_trend",
        {"conditions": ("1-2-4", "1-2"), "uncoded": ("complete-cases", "as-not-met"), "libya": ("include", "exclude")},
        statistics=("p_value",),
    ),
    "rp1_war_duration": TestDef(
        "replication:rp1_war_duration",
        {
            "period": ("all", "1947-2005"),
            "cases": ("all", "clear"),
            "conflicts": ("all-intrastate", "war-episodes"),
            "exposure": ("after-start", "while-ongoing"),
        },
    ),
    "rp2_killing_after": TestDef(
        "replication:rp2_killing_after",
        {
            "measure": ("ucdp-osv", "ucdp-osv-and-battle", "prif-daily"),
            "k": (2, 3),
            "window": ("after-end", "after-start"),
            "period": ("all", "1947-2005"),
            "cases": ("all", "clear"),
        },
    ),
    "rp3_relapse": TestDef(
        "replication:rp3_relapse",
        {
            "years": (5, 10),
            "relapse": ("same-conflict", "any-in-country"),
            "period": ("all", "1947-2005"),
            "cases": ("all", "clear"),
        },
    ),
    "lb1_veto_rate": TestDef(
        "vetoes:lb1_veto_rate",
        {
            "vetoer": ("russia-or-china", "russia", "china", "russia-and-china-jointly"),
            "before": ("1992-2010", "2001-2010", "2006-2010"),
            "after": ("2011-2021", "2011-2019", "2011-2015"),
            "counting": ("per-draft", "per-member-veto"),
            "situations": ("all", "without-syria"),
        },
    ),
    "cc2_ibsa_coherence": TestDef(
        "critics:cc2_ibsa_coherence",
        {
            "measure": ("hr-country-votes", "syria-votes", "ideal-points"),
            "coding": ("yes-abstain-no", "yes-share"),
            "period": ("2000-2019", "2005-2019", "2011-2019"),
        },
        statistics=("interval", "p_value"),
    ),
    "cc4_leave_one_out": TestDef(
        "critics:cc4_leave_one_out",
        {
            "measure": ("hr-country-votes", "syria-votes", "ideal-points"),
            "coding": ("yes-abstain-no", "yes-share"),
            "period": ("2000-2019", "2005-2019", "2011-2019"),
            "left_out": ("none", "CN", "RU", "CU", "NI", "VE", "BR", "IN", "ZA"),
        },
        statistics=("interval", "p_value"),
    ),
    "cc3_double_standards": TestDef(
        "critics:cc3_double_standards",
        {
            "interveners": ("all-five", "china-and-russia"),
            "period": ("1946-2005", "1990-2005"),
            "unit": ("operation", "intervener-target-pair"),
            "direction": ("oppose-government-or-support-rebels", "oppose-government"),
        },
    ),
    "ac1_reporting": TestDef(
        "council:ac_reporting",
        {
            "measure": ("regular-or-interval", "any-requirement", "interval"),
            "before": ("1990-2010", "2001-2010"),
            "after": ("2011-2015", "2012-2015"),
        },
    ),
    "lb2_consensus": TestDef(
        "council:lb2_consensus",
        {
            "resolutions": ("chapter7", "force-authorisation", "chapter7-or-protection"),
            "measure": ("non-unanimous", "three-or-more-abstentions"),
            "before": ("1992-2010", "2001-2010"),
            "after": ("2011-2015", "2012-2015"),
        },
    ),
    "ro1_regional_orgs": TestDef(
        "council:ro_regional_orgs",
        {
            "resolutions": ("force-or-protection", "force-authorisation"),
            "organisations": ("any", "african", "au-or-las"),
            "before": ("1992-2010", "2001-2010"),
            "after": ("2011-2015", "2012-2015"),
        },
    ),
    "cc1_two_camps": TestDef(
        "critics:cc1_two_camps",
        {
            "measure": ("hr-country-votes", "syria-votes", "ideal-points"),
            "coding": ("yes-abstain-no", "yes-share"),
            "period": ("2000-2019", "2005-2019", "2011-2019"),
        },
        statistics=("interval", "p_value"),
    ),
}

#: Tables outside `data/processed/` that a claim may name (none today): the data contract is
#: the cleaned tables (analysis.clean.registry) plus the derived analysis tables.
DERIVED_TABLES = ("country_year", "hmi_cases", "hmi_release_diff", "crosswalk_report", "conditions_checklist")
#: derived files (not tables) a claim may read from the processed directory: `data.files`.
DERIVED_FILES = ("unsc_coding_validation.csv",)


class RegistryError(DataError):
    """A claims-registry entry is invalid; the message names the file, line, claim id and field."""


@dataclass(frozen=True)
class Claim:
    id: str
    entry: dict
    alpha: float
    robust_share: float
    defaults: dict = field(default_factory=dict)

    def __getattr__(self, name: str) -> Any:  # claim.title, claim.min_n, ...
        try:
            return self.entry[name]
        except KeyError:
            raise AttributeError(name) from None

    @property
    def dims(self) -> dict[str, list]:
        return {k: list(v) for k, v in self.entry["specifications"].items()}

    @property
    def primary(self) -> dict:
        return dict(self.entry["primary"])

    @property
    def decided_by(self) -> dict:
        return dict(self.entry.get("decided_by") or {"statistic": "interval"})

    @property
    def design_checks(self) -> list[dict]:
        return list(self.entry.get("design_checks", []))

    @property
    def curve_test(self) -> dict | None:
        ct = self.entry.get("curve_test")
        if ct is None:
            return None
        return {**self.defaults.get("curve_test", {}), **ct}

    @property
    def exploratory(self) -> bool:
        """Declared after its results were seen: reported as exploratory, never as a pre-declared test."""
        return bool(self.entry.get("declared_after_results"))

    @property
    def seed(self) -> int:
        from ..stats import step_seed

        return step_seed("claims", self.id)

    def fingerprint(self) -> str:
        """The entry as canonical JSON (a Snakemake param: a change reruns this claim only)."""
        return json.dumps(self.entry, sort_keys=True, default=str)

    def entry_sha256(self) -> str:
        return hashlib.sha256(self.fingerprint().encode()).hexdigest()


# --------------------------------------------------------------------------- YAML with lines


def _parse(path: Path) -> tuple[dict, yaml.Node]:
    text = Path(path).read_text(encoding="utf-8")
    try:
        node = yaml.compose(text, Loader=yaml_loader())
        data = yaml.load(text, Loader=yaml_loader())
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise RegistryError(f"{where}YAML syntax error: {problem}", file=str(path)) from None
    if not isinstance(data, dict) or node is None:
        raise RegistryError("the registry must be a YAML mapping with a `claims` list", file=str(path))
    return data, node


line_of = yaml_line_of  # the registry's errors name the line of the field at fault


# --------------------------------------------------------------------------- validation


def _bounds_problem(decision: dict) -> str | None:
    """Why the support and contradict bounds are not a valid pair (None if they are).

    Valid pairs lie on opposite sides with no overlap: support {below: S} with contradict
    {above: C >= S}, or support {above: S} with contradict {below: C <= S}; the zone between
    (and any interval that straddles) means 'neither'."""
    s, c = decision["support"], decision["contradict"]
    (s_side, s_val), (c_side, c_val) = next(iter(s.items())), next(iter(c.items()))
    if "between" in (s_side, c_side) or "outside" in (s_side, c_side):
        # an equivalence band: support inside [lo, hi], contradict beyond a band that contains it
        if (s_side, c_side) != ("between", "outside"):
            return (
                "an equivalence band pairs support {between: [lo, hi]} with contradict {outside: [lo, hi]}; "
                f"got support {s_side}, contradict {c_side}"
            )
        (s_lo, s_hi), (c_lo, c_hi) = s_val, c_val
        if not s_lo < s_hi or not c_lo < c_hi:
            return "a band must be [lo, hi] with lo < hi"
        if c_lo > s_lo or c_hi < s_hi:
            return (
                f"bounds overlap: the contradict band {c_val} must contain the support band {s_val}, "
                "or an interval could both lie inside the one and beyond the other"
            )
        return None
    if s_side == c_side:
        return f"support and contradict bounds are on the same side ({s_side})"
    if s_side == "below" and c_val < s_val:
        return (
            f"bounds overlap: an interval inside ({c_val}, {s_val}) would both support (below {s_val}) "
            f"and contradict (above {c_val}); declare contradict above >= {s_val}"
        )
    if s_side == "above" and c_val > s_val:
        return (
            f"bounds overlap: an interval inside ({s_val}, {c_val}) would both support (above {s_val}) "
            f"and contradict (below {c_val}); declare contradict below <= {s_val}"
        )
    return None


def _schema_error(data: dict, root: yaml.Node, path: Path) -> None:
    import jsonschema

    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    errs = sorted(jsonschema.Draft202012Validator(schema).iter_errors(data), key=lambda e: [str(p) for p in e.path])
    if not errs:
        return
    e = errs[0]
    p = list(e.path)
    cid = None
    if len(p) >= 2 and p[0] == "claims" and isinstance(p[1], int):
        try:
            cid = data["claims"][p[1]].get("id")
        except Exception:  # pragma: no cover - malformed beyond the schema
            cid = None
    fld = (
        "/".join(str(x) for x in p[2:])
        if cid is not None or (len(p) >= 2 and p[0] == "claims")
        else "/".join(map(str, p))
    )
    who = f"claim {cid}: " if cid is not None else ""
    raise RegistryError(f"line {line_of(root, p)}: {who}field {fld!r}: {e.message}", file=str(path))


def _known_tables() -> set[str]:
    from ..clean import registry as table_registry

    return set(table_registry()) | set(DERIVED_TABLES)


def load_claims(
    path: str | Path = REGISTRY_PATH,
    processed: str | Path | None = None,
    only: str | None = None,
    check_tables: bool = False,
) -> dict[str, Claim]:
    """Validate and load the registry.

    With `processed`, also check that the tables and columns each claim names exist there
    (only for claim `only`, when given); with `check_tables`, that every table a claim names
    is in the data contract (cleaned or derived tables), without reading data."""
    path = Path(path)
    data, root = _parse(path)
    _schema_error(data, root, path)
    defaults = data.get("defaults", {})
    out: dict[str, Claim] = {}
    known_tables = _known_tables() if check_tables else None
    for i, entry in enumerate(data["claims"]):
        cid = entry["id"]

        def bad(fieldpath: list, msg: str, i: int = i, cid: str = cid) -> RegistryError:
            fld = ".".join(str(x) for x in fieldpath)
            return RegistryError(
                f"line {line_of(root, ['claims', i, *fieldpath])}: claim {cid}: field {fld!r}: {msg}", file=str(path)
            )

        if cid in out:
            raise bad(["id"], "duplicate id")
        tdef = TESTS.get(entry["test"])
        if tdef is None:
            raise bad(["test"], f"unknown test {entry['test']!r}; known: {', '.join(TESTS)}")
        dims = entry["specifications"]
        clash = sorted(set(dims) & RESERVED_DIMS)
        if clash:
            raise bad(
                ["specifications", clash[0]], f"dimension name is reserved for result columns: {sorted(RESERVED_DIMS)}"
            )
        for d, opts in dims.items():
            if d not in tdef.dims:
                raise bad(
                    ["specifications", d], f"dimension unknown to test {entry['test']}; it knows {sorted(tdef.dims)}"
                )
            known = tdef.dims[d]
            if len(set(map(str, opts))) != len(opts):
                raise bad(["specifications", d], "an option is listed twice")
            for j, o in enumerate(opts):
                if known is not None and o not in known:
                    raise bad(
                        ["specifications", d, j],
                        f"option {o!r} unknown to test {entry['test']}; it knows {list(known)}",
                    )
        for k, v in entry["primary"].items():
            if k not in dims:
                raise bad(["primary", k], "not a specification dimension")
            if v not in dims[k]:
                raise bad(["primary", k], f"{v!r} is not among the options {dims[k]}")
        missing = [k for k in dims if k not in entry["primary"]]
        if missing:
            raise bad(["primary"], f"no primary choice for {missing}")
        problem = _bounds_problem(entry["decision"])
        if problem:
            raise bad(["decision"], problem)
        stat = (entry.get("decided_by") or {}).get("statistic", "interval")
        band = "between" in entry["decision"]["support"]
        if band and stat != "interval":
            raise bad(["decided_by", "statistic"], "an equivalence band is decided by the interval, not by a p-value")
        if stat not in tdef.statistics:
            raise bad(
                ["decided_by", "statistic"], f"test {entry['test']} provides {list(tdef.statistics)}, not {stat!r}"
            )
        if band and entry.get("curve_test") is not None:
            raise bad(["curve_test"], "the specification-curve test needs a one-sided bound, not an equivalence band")
        for j, chk in enumerate(entry.get("design_checks", [])):
            if chk["id"] not in tdef.checks:
                raise bad(
                    ["design_checks", j, "id"],
                    f"test {entry['test']} runs no design check {chk['id']!r}; it runs {list(tdef.checks)}",
                )
        if entry.get("curve_test") is not None and not tdef.curve_test:
            raise bad(["curve_test"], f"test {entry['test']} supplies no null draws for the specification-curve test")
        if known_tables is not None:
            for t in entry["data"]["tables"]:
                if t not in known_tables:
                    raise bad(
                        ["data", "tables", t],
                        f"table outside the data contract; known: {', '.join(sorted(known_tables))}",
                    )
            for j, f in enumerate(entry["data"].get("files", [])):
                if f not in DERIVED_FILES:
                    raise bad(
                        ["data", "files", j], f"file outside the data contract; known: {', '.join(DERIVED_FILES)}"
                    )
        if processed is not None and (only is None or only == cid):
            import pyarrow.parquet as pq

            for table, cols in entry["data"]["tables"].items():
                p = Path(processed) / f"{table}.parquet"
                if not p.exists():
                    raise bad(["data", "tables", table], f"unknown table (no {p})")
                names = set(pq.read_schema(p).names)
                for c in cols:
                    if c not in names:
                        raise bad(["data", "tables", table], f"unknown column {c!r}")
            for j, f in enumerate(entry["data"].get("files", [])):
                if not (Path(processed) / f).exists():
                    raise bad(["data", "files", j], f"unknown file (no {Path(processed) / f})")
        out[cid] = Claim(
            id=cid,
            entry=entry,
            alpha=float(entry.get("alpha", defaults.get("alpha", 0.05))),
            robust_share=float(entry.get("robust_share", defaults.get("robust_share", 0.8))),
            defaults=defaults,
        )
    for i, f in enumerate(data.get("findings", [])):
        for j, cid in enumerate(f["claims"]):
            if cid not in out:
                raise RegistryError(
                    f"line {line_of(root, ['findings', i, 'claims', j])}: finding {f['id']}: "
                    f"field 'claims': unknown claim {cid!r}",
                    file=str(path),
                )
    return out


def load_findings(path: str | Path = REGISTRY_PATH) -> list[dict]:
    """The registry's findings: which claims test the same sentence, combined by the declared rule."""
    data, _ = _parse(Path(path))
    return list(data.get("findings", []))


def get_test(name: str) -> Callable[..., Any]:
    mod, fn = TESTS[name].target.split(":")
    import importlib

    return getattr(importlib.import_module(f"analysis.claims.{mod}"), fn)

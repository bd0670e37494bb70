"""`r2p trace`: from a number in the documents back to the raw files it rests on.

`r2p trace RC1.estimate` prints the chain for one result field of one claim:

1. the number: its value in `results/claims/<id>.json` and the file's sha256;
2. the rule: the claim's `decided_by` statistic and the decision rule as applied to this
   result (verdict and reason), the registry entry (`config/claims.yaml`, line, sha256 of
   the entry as recorded in the result) and the test function that computed it;
3. the specification: the primary specification's choices, its `spec_id`, the seed, n;
4. the sample rows behind it, where the result lists them (ids);
5. the processed tables and the columns the claim declares, with the sha256 the result
   recorded (`data.inputs_sha256`) and whether the table still has it;
6. the raw files those tables were cleaned from (through the cleaned tables they read and,
   for `country_year`, the panel's input tables), with version, origin (repository,
   commit, path or URL), citation key and sha256 (registry; data package record; on disk).

`r2p trace --list` scans the documents (`reports/*.qmd`) for every claim result field
their inline code and code cells read (`C["RC1"]["primary"]["estimate"]`, `R.estimate(rc1)`,
helper functions of `analysis.reporting`, the documents' own functions) and prints each
with the document, section heading and line where it appears.

A field is a dotted path into the result JSON (`primary.estimate`,
`primary_detail.against_government.k`); a name of the primary result alone
(`estimate`, `ci_low`, `n`, `p_value`, ...) means `primary.<name>`; a list element is
chosen by its position or by the value of one of its keys (`...periods.before 2011.k`),
`*` stands for every element. `--recompute` adds an independent recomputation of the
primary estimate (`analysis.recompute`).
"""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import ROOT
from .errors import DataError

#: Keys that identify a row of a sample list in a result (first present wins).
ID_KEYS = ("case_id", "intervention_id", "draft", "rcid", "resolution", "left_out", "actor_id", "gwcode", "year")
#: Lists of strings whose name says they are cases (e.g. `regime_change_cases`, `a_events`).
_CASE_LIST = re.compile(r"(cases|events)$")


# --------------------------------------------------------------------------- fields


def _claim_ids(root: Path) -> list[str]:
    import yaml

    reg = yaml.safe_load((root / "config" / "claims.yaml").read_text(encoding="utf-8"))
    return [c["id"] for c in reg.get("claims", [])]


def load_result(claim_id: str, root: Path = ROOT) -> tuple[dict, Path]:
    """The result JSON of a claim; an unknown claim or a missing result is a `DataError`."""
    known = _claim_ids(root)
    if claim_id not in known:
        raise DataError(f"unknown claim {claim_id!r}; known: {', '.join(known)}", file="config/claims.yaml")
    path = root / "results" / "claims" / f"{claim_id}.json"
    if not path.is_file():
        raise DataError(f"no result for claim {claim_id} (run `snakemake -c2 claims` first)", file=str(path))
    from .io import read_json

    return read_json(path), path


def _select(value: Any, part: str) -> Any:
    """One step of a field path: a key, a list position, a list element by a key's value, or `*`."""
    if isinstance(value, dict):
        if part in value:
            return value[part]
        raise KeyError(part)
    if isinstance(value, list):
        if part == "*":
            return value
        if re.fullmatch(r"-?\d+", part) and -len(value) <= int(part) < len(value):
            return value[int(part)]
        for item in value:
            if isinstance(item, dict) and any(
                str(v) == part for k, v in item.items() if not isinstance(v, (dict, list))
            ):
                return item
    raise KeyError(part)


def _regroup(value: Any, parts: list[str]) -> list[str]:
    """Parts joined again where a key has a dot in it ('0.3', a release): the longest key that
    exists wins, so 'details.outcomes.0.3.n' reads the key '0.3'."""
    out: list[str] = []
    i = 0
    while i < len(parts):
        step = 1
        if isinstance(value, dict):
            step = next((j - i for j in range(len(parts), i, -1) if ".".join(parts[i:j]) in value), 1)
        key = ".".join(parts[i : i + step])
        out.append(key)
        try:
            value = _select(value, key) if key != "*" else None
        except (KeyError, IndexError):
            value = None
        i += step
    return out


def resolve_field(result: dict, field_path: str | None) -> tuple[list[str], Any]:
    """(path, value) of a field; a bare name of the primary result means `primary.<name>`."""
    if not field_path:
        field_path = "primary.estimate"
    parts = field_path.split(".")
    if parts[0] not in result and isinstance(result.get("primary"), dict) and parts[0] in result["primary"]:
        parts = ["primary"] + parts
    parts = _regroup(result, parts)
    value: Any = result
    expanded = False
    for i, part in enumerate(parts):
        try:
            if expanded:  # after `*`: the same step on every element
                value = [_select(v, part) for v in value]
            else:
                value = _select(value, part)
                expanded = expanded or (part == "*" and isinstance(value, list))
        except (KeyError, IndexError):
            here = ".".join(parts[:i]) or "(top level)"
            cur = value if not expanded else (value[0] if value else {})
            options = (
                sorted(map(str, cur))
                if isinstance(cur, dict)
                else ([f"0..{len(cur) - 1}", "*"] if isinstance(cur, list) else [])
            )
            hint = f"; {here} has: {', '.join(options[:40])}" if options else f"; {here} is a value, not a record"
            raise DataError(
                f"claim {result.get('id')} has no field {'.'.join(parts)!r} (no {part!r} in {here}){hint}",
                file=f"results/claims/{result.get('id')}.json",
            ) from None
    return parts, value


def parse_target(target: str) -> tuple[str, str | None]:
    """'RC1.primary.estimate' -> ('RC1', 'primary.estimate'); 'RC1' -> ('RC1', None)."""
    cid, _, fld = target.partition(".")
    return cid, (fld or None)


# --------------------------------------------------------------------------- lineage


def _registry_entry_line(root: Path, claim_id: str) -> int | None:
    lines = (root / "config" / "claims.yaml").read_text(encoding="utf-8").splitlines()
    for i, line in enumerate(lines, 1):
        if re.fullmatch(rf"\s*-\s+id:\s*['\"]?{re.escape(claim_id)}['\"]?\s*", line):
            return i
    return None


def _test_location(root: Path, test: str) -> str:
    pat = re.compile(rf"^def {re.escape(test)}\(", re.M)
    for p in sorted((root / "analysis" / "claims").glob("*.py")):
        text = p.read_text(encoding="utf-8")
        m = pat.search(text)
        if m:
            return f"{p.relative_to(root)}:{text.count(chr(10), 0, m.start()) + 1} {test}()"
    return f"{test}() (not found under analysis/claims/)"


def table_inputs() -> dict[str, dict]:
    """For every processed table: the raw files it reads and the processed tables it is built from."""
    from . import clean
    from .panel import INPUT_TABLES

    out: dict[str, dict] = {}
    for name, t in clean.registry().items():
        out[name] = {
            "raw": list(t.sources),
            "tables": list(t.tables),
            "description": t.description,
            "citations": list(t.citation),
        }
    out["country_year"] = {
        "raw": [],
        "tables": list(INPUT_TABLES),
        "citations": [],
        "description": "the country-year panel (analysis/panel.py)",
    }
    return out


def raw_lineage(table: str, inputs: dict[str, dict] | None = None) -> list[tuple[str, str]]:
    """(via table, raw relpath) for every raw file behind `table`, through the tables it reads."""
    inputs = inputs if inputs is not None else table_inputs()
    seen: set[str] = set()
    out: list[tuple[str, str]] = []

    def walk(t: str) -> None:
        if t in seen or t not in inputs:
            return
        seen.add(t)
        for rel in inputs[t]["raw"]:
            out.append((t, rel))
        for dep in inputs[t]["tables"]:
            walk(dep)

    walk(table)
    return out


def _package_raw_records(root: Path) -> dict[tuple[str, str], str]:
    """(table, raw relpath) -> sha256 recorded in data/processed/datapackage.json (empty if absent)."""
    p = root / "data" / "processed" / "datapackage.json"
    if not p.is_file():
        return {}
    pkg = json.loads(p.read_text(encoding="utf-8"))
    out = {}
    for res in pkg.get("resources", []):
        t = Path(res["path"]).stem
        for s in res.get("sources", []):
            if "file" in s and "sha256" in s:
                out[(t, f"{s['source']}/{s['file']}")] = s["sha256"]
    return out


def _sample_lists(detail: Any, path: str = "primary_detail") -> Iterable[tuple[str, list[str]]]:
    """Lists of ids in a result's detail: lists of records with an id key, lists of case names."""
    if isinstance(detail, dict):
        for k, v in detail.items():
            yield from _sample_lists(v, f"{path}.{k}")
    elif isinstance(detail, list) and detail:
        if all(isinstance(x, dict) for x in detail):
            key = next((k for k in ID_KEYS if all(k in x for x in detail)), None)
            if key is not None:
                yield f"{path} ({key})", [str(x[key]) for x in detail]
        elif all(isinstance(x, str) for x in detail) and _CASE_LIST.search(path):
            yield path, list(detail)


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return repr(value)
    s = json.dumps(value, ensure_ascii=False, sort_keys=True)
    return s if len(s) <= 400 else s[:400] + f" ... ({len(s)} characters)"


def trace(target: str, root: Path = ROOT, recompute: bool = False) -> list[str]:
    """The chain for `target` ('RC1', 'RC1.estimate', 'RC1.primary_detail.against_government.k'),
    as lines of text. Raises `DataError` for an unknown claim or field."""
    from .io import sha256_file
    from .sources import load_registry

    cid, fld = parse_target(target)
    if recompute:
        from .recompute import RECOMPUTE

        if cid not in RECOMPUTE:
            raise DataError(f"no independent recomputation for claim {cid}; available: {', '.join(RECOMPUTE)}")
    r, rpath = load_result(cid, root)
    parts, value = resolve_field(r, fld)
    fq = ".".join(parts)
    rel = rpath.relative_to(root) if rpath.is_relative_to(root) else rpath
    L: list[str] = []
    add = L.append
    add(f"{cid}.{fq} = {_fmt(value)}")
    add("")
    add("1. Number -> result file and field")
    add(f"   file:   {rel}  (sha256 {sha256_file(rpath)})")
    add(f"   field:  {fq}")
    if parts[0] == "primary":
        add("   (the primary specification's result: the number the verdict is decided on)")
    add("")
    add("2. Rule")
    db = r.get("decided_by") or {}
    add(f"   claim:       {r.get('title', '')}")
    add(f"   decided_by:  {db.get('statistic')} - {db.get('test')}")
    rule = r.get("decision_rule") or {}
    add(
        f"   bounds:      support {rule.get('support')}, contradict {rule.get('contradict')}; "
        f"robust share {rule.get('robust_share')}; min_n {r.get('min_n')}; alpha {r.get('alpha')}"
    )
    if rule.get("text"):
        add(f"   rule:        {rule['text']}")
    p = r.get("primary") or {}
    add(
        f"   applied:     primary {p.get('outcome') or 'not classified'} "
        f"(estimate {p.get('estimate')}, 95% interval [{p.get('ci_low')}, {p.get('ci_high')}], p {p.get('p_value')}, "
        f"n {p.get('n')}) -> verdict {r.get('verdict')}{' (exploratory)' if r.get('exploratory') else ''}"
    )
    add(f"   reason:      {r.get('verdict_reason')}")
    rb = r.get("robustness") or {}
    if rb:
        add(
            f"   robustness:  {rb.get('n_supporting')} supporting, {rb.get('n_contradicting')} contradicting, "
            f"{rb.get('n_neither')} neither, {rb.get('n_not_estimable')} not estimable of {rb.get('n_distinct')} "
            f"distinct specifications ({rb.get('n_specs')} in all)"
        )
    line = _registry_entry_line(root, cid)
    add(
        f"   registry:    config/claims.yaml{f':{line}' if line else ''} (entry sha256 "
        f"{r.get('registry_entry_sha256')})"
    )
    revs = r.get("revisions") or []
    if revs:
        after = sum(1 for v in revs if v.get("after_results"))
        changed = [v["date"] for v in revs if v.get("affects_verdict")]
        add(
            f"   revisions:   {len(revs)} ({after} after results were seen"
            + (f"; the verdict changed in those of {', '.join(changed)}" if changed else "; none changed the verdict")
            + ")"
        )
    add(f"   test:        {_test_location(root, r.get('test', '?'))}")
    add("")
    add("3. Primary specification")
    spec = r.get("primary_specification") or {}
    add("   choices:     " + ", ".join(f"{k} = {v}" for k, v in spec.items()))
    add(f"   spec_id:     {p.get('spec_id')}")
    add(f"   seed:        {r.get('seed')}")
    add(f"   method:      {p.get('method')}")
    curve = root / "results" / "claims" / "curves" / f"{cid}.parquet"
    if curve.is_file():
        add(f"   curve:       {curve.relative_to(root)} (every specification; this one is spec_id {p.get('spec_id')})")
    add("")
    add("4. Sample rows (as listed in the result)")
    detail = r.get("primary_detail") or {}
    if len(parts) > 2 and parts[0] == "primary_detail":  # lists under the field's own record first
        try:
            _, sub = resolve_field(r, ".".join(parts[:-1]))
        except DataError:
            sub = None
        first = list(_sample_lists(sub, ".".join(parts[:-1]))) if isinstance(sub, (dict, list)) else []
    else:
        first = []
    lists = first + [x for x in _sample_lists(detail) if x[0] not in {f[0] for f in first}]
    if not lists:
        add("   the result lists no ids for this claim's sample (see the processed tables below)")
    for name, ids in lists:
        add(f"   {name}: {len(ids)}")
        add("     " + "; ".join(ids))
    add("")
    add("5. Processed tables and columns")
    data = r.get("data") or {}
    recorded = data.get("inputs_sha256") or {}
    proc = root / "data" / "processed"
    for t, cols in (data.get("tables") or {}).items():
        fname = f"{t}.parquet"
        want = recorded.get(fname)
        try:
            now = sha256_file(proc / fname)
        except FileNotFoundError:
            now = None
        state = (
            "matches the file now"
            if now == want
            else "MISSING now"
            if now is None
            else f"CHANGED: the file now has {now}"
        )
        add(f"   data/processed/{fname}  sha256 {want}  ({state})")
        add(f"     columns: {', '.join(cols)}")
    for fname in data.get("files") or []:
        add(f"   {fname} (file read by the test)")
    add("")
    add("6. Raw files (checksums, then origins)")
    reg = load_registry(root / "config" / "sources.yaml")
    inputs = table_inputs()
    recorded_raw = _package_raw_records(root)
    files_used: dict[str, None] = {}
    for t in data.get("tables") or {}:
        lineage = raw_lineage(t, inputs)
        vias = list(dict.fromkeys(v for v, _ in lineage if v != t))
        add(
            f"   {t}.parquet <- " + (f"via the tables it is built from: {', '.join(vias)}" if vias else "cleaned from:")
        )
        if t == "country_year":
            add(
                "     (the panel is built from all of these; the columns above come from some of them: analysis/panel.py)"
            )
        for via, relpath in lineage:
            files_used[relpath] = None
            sid, fname = relpath.split("/", 1)
            src = reg.get(sid)
            want = src.file(fname).sha256 if src else None
            try:
                now = sha256_file(root / "data" / "raw" / relpath)
            except FileNotFoundError:
                now = None
            state = "matches" if now == want else "MISSING" if now is None else f"DIFFERS: {now}"
            pkg = recorded_raw.get((via, relpath))
            pkg_note = (
                "" if pkg is None else "; datapackage.json: same" if pkg == want else f"; datapackage.json: {pkg}"
            )
            add(
                f"     data/raw/{relpath}  sha256 {want}  (on disk: {state}{pkg_note})"
                + (f"  [via {via}]" if via != t else "")
            )
    add("   origins:")
    for relpath in files_used:
        sid, fname = relpath.split("/", 1)
        src = reg.get(sid)
        if src is None:
            add(f"     {relpath}: not in config/sources.yaml")
            continue
        f = src.file(fname)
        o = f.origin or {}
        origin = (
            f"{o.get('repository')} @ {o.get('commit')} : {o.get('path')}" if o.get("repository") else "none recorded"
        )
        if o.get("modified"):
            origin += f" (modified: {o['modified']})"
        add(f"     {relpath}: {src.title}, version {src.version}; cite @{src.citation}; terms: {src.terms}")
        add(
            f"       from {origin}; url {f.url or 'none (see the note in config/sources.yaml)'}; publisher page {src.page}"
        )
    if recompute:
        from .recompute import recompute_claim

        add("")
        add("7. Independent recomputation, plain pandas and scipy (analysis/recompute.py)")
        for line_ in recompute_claim(cid, root).report(r):
            add(f"   {line_}")
    return L


# --------------------------------------------------------------------------- --list


@dataclass(frozen=True)
class Ref:
    """A pointer into a result: kind 'claim' (id, '*' = every claim) or 'file' (a results file)."""

    kind: str
    ident: str
    path: tuple[str, ...] = ()

    def sub(self, key: str) -> Ref:
        return Ref(self.kind, self.ident, self.path + (key,))


@dataclass(frozen=True)
class _Claims:  # the documents' dict of all claim results, C
    pass


@dataclass(frozen=True)
class _ClaimList:  # C.values()
    pass


@dataclass(frozen=True)
class _ListOf:
    item: Any


@dataclass(frozen=True)
class _Keyed:  # {x["key"]: x for x in <list>}: subscripting by a value picks an element
    item: Any


@dataclass(frozen=True)
class _Const:
    value: Any


@dataclass(frozen=True)
class _Func:
    node: ast.FunctionDef


#: Fields of a claim result that `analysis.reporting` helpers read from their first argument.
HELPER_FIELDS = {
    "estimate": ("primary.estimate", "primary.ci_low", "primary.ci_high", "primary.n"),
    "estimate_short": ("primary.estimate", "primary.ci_low", "primary.ci_high", "primary.p_value"),
    "interval": ("primary.ci_low", "primary.ci_high"),
    "robustness": (
        "robustness.n_supporting",
        "robustness.n_contradicting",
        "robustness.n_neither",
        "robustness.n_not_estimable",
        "robustness.n_distinct",
    ),
    "verdict": ("verdict",),
    "verdict_phrase": ("verdict", "verdict_basis", "exploratory", "revisions"),
    "verdict_sentence": ("verdict", "verdict_reason", "exploratory"),
    "curve_test_text": ("curve_test",),
    "comparisons": ("comparisons",),
    "revised_after_results": ("revisions",),
    # analysis.evidence: a claim's evidence page (the appendix's section per claim)
    "claim_section": (
        "primary.estimate",
        "primary.ci_low",
        "primary.ci_high",
        "primary.n",
        "primary.p_value",
        "primary.outcome",
        "primary.spec_id",
        "primary_specification",
        "seed",
        "min_n",
        "alpha",
        "design_checks",
        "decision_rule",
        "verdict",
        "verdict_reason",
        "revisions",
        "robustness.n_specs",
        "robustness.n_distinct",
        "robustness.n_deciding",
        "robustness.n_estimable",
        "robustness.n_supporting",
        "robustness.n_contradicting",
        "robustness.n_neither",
        "robustness.n_not_estimable",
        "robustness.median_estimate",
        "curve_test",
        "primary_detail",
        "data",
        "registry_entry_sha256",
    ),
}
#: Helpers that take claim ids and read these fields of each.
HELPER_IDS_FIELDS = {
    "verdict_rows": (
        "verdict",
        "exploratory",
        "revisions",
        "primary.estimate",
        "primary.ci_low",
        "primary.ci_high",
        "primary.p_value",
        "primary.n",
        "robustness.n_supporting",
        "robustness.n_contradicting",
        "robustness.n_distinct",
    ),
}


@dataclass
class Use:
    field: str  # 'RC1.primary.estimate' or 'file:conditions.json:releases.0.3.n_interventions'
    document: str
    section: str
    line: int


@dataclass
class _Scanner:
    """Abstract interpretation of a document's Python, just enough to see which result fields it reads."""

    all_ids: list[str]
    env: dict[str, tuple[Any, frozenset]] = field(default_factory=dict)
    depth: int = 0

    # evaluation returns (nav, used): nav is what the value points to (for further subscripts),
    # used the set of leaf Refs the value was computed from
    def eval(self, node: ast.AST, env: dict | None = None) -> tuple[Any, frozenset]:
        env = self.env if env is None else env
        m = getattr(self, f"_e_{type(node).__name__}", None)
        if m is not None:
            return m(node, env)
        used: frozenset = frozenset()
        for child in ast.iter_child_nodes(node):
            used |= self.consume(child, env)
        return None, used

    def consume(self, node: ast.AST, env: dict) -> frozenset:
        nav, used = self.eval(node, env)
        return used | self.leaves(nav)

    @staticmethod
    def leaves(nav: Any) -> frozenset:
        if isinstance(nav, Ref):
            return frozenset([nav])
        if isinstance(nav, (_ListOf, _Keyed)):
            return _Scanner.leaves(nav.item)
        if isinstance(nav, tuple):
            return frozenset().union(*(_Scanner.leaves(x) for x in nav)) if nav else frozenset()
        return frozenset()

    def _e_Constant(self, node, env):
        return _Const(node.value), frozenset()

    def _e_Name(self, node, env):
        return env.get(node.id, (None, frozenset()))

    def _e_Tuple(self, node, env):
        vals = [self.eval(e, env) for e in node.elts]
        return tuple(v[0] for v in vals), frozenset().union(*(v[1] for v in vals)) if vals else frozenset()

    _e_List = _e_Tuple

    def _e_Subscript(self, node, env):
        nav, used = self.eval(node.value, env)
        knav, kused = self.eval(node.slice, env)
        used |= kused
        key = knav.value if isinstance(knav, _Const) else None
        return self._index(nav, key, used)

    def _index(self, nav, key, used):
        if isinstance(nav, _Claims):
            return (Ref("claim", key) if isinstance(key, str) else Ref("claim", "*")), used
        if isinstance(nav, Ref):
            if isinstance(key, (str, int)) and not isinstance(key, bool):
                return nav.sub(str(key)), used
            return nav.sub("*"), used
        if isinstance(nav, _Keyed):
            item = nav.item
            if isinstance(item, Ref) and item.path and item.path[-1] == "*" and isinstance(key, str):
                return Ref(item.kind, item.ident, item.path[:-1] + (key,)), used
            return item, used
        if isinstance(nav, _ListOf):
            return nav.item, used
        if isinstance(nav, tuple) and isinstance(key, int) and -len(nav) <= key < len(nav):
            return nav[key], used
        return None, used | self.leaves(nav)

    def _iter_item(self, nav):
        if isinstance(nav, _ClaimList):
            return Ref("claim", "*")
        if isinstance(nav, Ref):
            return nav.sub("*")
        if isinstance(nav, (_ListOf, _Keyed)):
            return nav.item
        return None

    def _bind(self, target, nav, used, env):
        if isinstance(target, ast.Name):
            env[target.id] = (nav, used)
        elif isinstance(target, (ast.Tuple, ast.List)):
            for i, t in enumerate(target.elts):
                sub = nav[i] if isinstance(nav, tuple) and i < len(nav) else None
                self._bind(t, sub, used, env)

    def _comp_env(self, node, env) -> tuple[dict, frozenset]:
        local = dict(env)
        used: frozenset = frozenset()
        for gen in node.generators:
            nav, u = self.eval(gen.iter, local)
            used |= u
            item = self._iter_item(nav)
            if isinstance(nav, tuple) and nav:  # iterating a literal tuple of claims
                item = nav[0]
            self._bind(gen.target, item, frozenset(), local)
            for cond in gen.ifs:
                used |= self.consume(cond, local)
        return local, used

    def _e_ListComp(self, node, env):
        local, used = self._comp_env(node, env)
        nav, u = self.eval(node.elt, local)
        return _ListOf(nav), used | u

    _e_SetComp = _e_ListComp

    def _e_GeneratorExp(self, node, env):
        return self._e_ListComp(node, env)

    def _e_DictComp(self, node, env):
        local, used = self._comp_env(node, env)
        knav, ku = self.eval(node.key, local)
        vnav, vu = self.eval(node.value, local)
        if isinstance(vnav, Ref) and vnav.kind == "claim" and vnav.ident == "*" and not vnav.path:
            return _Claims(), used
        # the key is read from the element (e.g. d["period"]): it names it, it is not a number shown
        return _Keyed(vnav), used | vu

    def _e_Attribute(self, node, env):
        nav, used = self.eval(node.value, env)
        return None, used | self.leaves(nav)

    def _call_name(self, func) -> tuple[str | None, str | None]:
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
            return func.value.id, func.attr
        if isinstance(func, ast.Name):
            return None, func.id
        return None, None

    def _e_Call(self, node, env):
        owner, name = self._call_name(node.func)
        # methods on navigable values: .get, .values, .items, .keys
        if isinstance(node.func, ast.Attribute) and name in ("get", "values", "items", "keys"):
            nav, used = self.eval(node.func.value, env)
            if name == "get" and node.args:
                knav, ku = self.eval(node.args[0], env)
                return self._index(nav, knav.value if isinstance(knav, _Const) else None, used | ku)
            if name == "values":
                if isinstance(nav, _Claims):
                    return _ClaimList(), used
                if isinstance(nav, Ref):
                    return _ListOf(nav.sub("*")), used
                if isinstance(nav, _Keyed):
                    return _ListOf(nav.item), used
            if name == "items" and isinstance(nav, Ref):
                return _ListOf((None, nav.sub("*"))), used
            if name == "items" and isinstance(nav, _Claims):
                return _ListOf((None, Ref("claim", "*"))), used
            return None, used | self.leaves(nav)
        args = [self.eval(a, env) for a in node.args]
        kw_used = (
            frozenset().union(*(self.consume(k.value, env) for k in node.keywords)) if node.keywords else frozenset()
        )
        used = frozenset().union(*(a[1] for a in args)) if args else frozenset()
        used |= kw_used
        consts = [a[0].value if isinstance(a[0], _Const) else None for a in args]
        if name == "claim" and owner in (None, "R", "reporting") and args:
            return Ref("claim", consts[0] if isinstance(consts[0], str) else "*"), used
        if name == "result_file" and args:
            arg = node.args[0]
            ident = (
                consts[0]
                if isinstance(consts[0], str)
                else (ast.unparse(arg)[2:-1] if isinstance(arg, ast.JoinedStr) else "*")
            )
            return Ref("file", ident), used
        if name == "finding" and args:
            return Ref("file", "claims/findings.json", ("findings", str(consts[0] or "*"))), used
        if (
            name in HELPER_FIELDS
            and args
            and isinstance(args[0][0], Ref)
            and args[0][0].kind == "claim"
            and not args[0][0].path
        ):
            base = args[0][0]
            refs = [Ref("claim", base.ident, tuple(f.split("."))) for f in HELPER_FIELDS[name]]
            return None, used | frozenset(refs) | frozenset().union(*(self.leaves(a[0]) for a in args[1:])) if len(
                args
            ) > 1 else used | frozenset(refs)
        if name == "check_text" and len(args) >= 2 and isinstance(args[0][0], Ref) and args[0][0].kind == "claim":
            base = args[0][0]
            return None, used | {Ref("claim", base.ident, ("design_checks", str(consts[1] or "*"), "result"))}
        if name in HELPER_IDS_FIELDS:
            ids = self._ids_of(args[0][0]) if args else self.all_ids
            return None, used | frozenset(
                Ref("claim", i, tuple(f.split("."))) for i in ids for f in HELPER_IDS_FIELDS[name]
            )
        fn = env.get(name, (None, None))[0] if owner is None and name else None
        if isinstance(fn, _Func) and self.depth < 4:
            return None, used | self._call_local(fn.node, args, env)
        # anything else (formatting, arithmetic helpers, len, Markdown, ...): reads its arguments
        return None, used | frozenset().union(*(self.leaves(a[0]) for a in args)) if args else used

    def _ids_of(self, nav) -> list[str]:
        if isinstance(nav, tuple):
            return [x.value for x in nav if isinstance(x, _Const) and isinstance(x.value, str)]
        return list(self.all_ids)

    def _call_local(self, fn: ast.FunctionDef, args, env) -> frozenset:
        local = dict(env)
        for a, (nav, used) in zip(fn.args.args, args):
            local[a.arg] = (nav, used)
        self.depth += 1
        try:
            return self.run(fn.body, local, collect=True)
        finally:
            self.depth -= 1

    def _e_Lambda(self, node, env):
        return None, frozenset()

    def run(self, body: list[ast.stmt], env: dict, collect: bool = False, record=None) -> frozenset:
        """Execute statements abstractly; return every leaf used (when `collect`), and report
        each top-level expression statement's uses through `record(used, lineno)`."""
        total: frozenset = frozenset()
        for st in body:
            if isinstance(st, ast.FunctionDef):
                env[st.name] = (_Func(st), frozenset())
                continue
            if isinstance(st, (ast.Import, ast.ImportFrom)):
                continue
            if isinstance(st, ast.Assign):
                nav, used = self.eval(st.value, env)
                for t in st.targets:
                    self._bind(t, nav, used, env)
                total |= used if collect else frozenset()
                continue
            if isinstance(st, ast.AugAssign):
                used = self.consume(st.value, env)
                if isinstance(st.target, ast.Name):
                    nav0, u0 = env.get(st.target.id, (None, frozenset()))
                    env[st.target.id] = (nav0, u0 | used)
                total |= used if collect else frozenset()
                continue
            if isinstance(st, ast.Expr):
                used = self.consume(st.value, env)
                if record is not None:
                    record(used, st.lineno)
                total |= used
                continue
            if isinstance(st, ast.Return):
                total |= self.consume(st.value, env) if st.value is not None else frozenset()
                continue
            if isinstance(st, (ast.For, ast.AsyncFor)):
                nav, used = self.eval(st.iter, env)
                self._bind(st.target, self._iter_item(nav), used, env)
                total |= used if collect else frozenset()
                total |= self.run(st.body + st.orelse, env, collect, record)
                continue
            if isinstance(st, ast.If):
                total |= self.consume(st.test, env) if collect else frozenset()
                total |= self.run(st.body + st.orelse, env, collect, record)
                continue
            if isinstance(st, (ast.With, ast.Try)):
                inner = list(getattr(st, "body", [])) + [s for h in getattr(st, "handlers", []) for s in h.body]
                total |= self.run(
                    inner + list(getattr(st, "orelse", [])) + list(getattr(st, "finalbody", [])), env, collect, record
                )
                continue
            total |= self.consume(st, env) if collect else frozenset()
        return total


_INLINE = re.compile(r"`\{python\}\s+(.+?)`")
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*(\{[^}]*\})?\s*$")


def _expand(ref: Ref, all_ids: list[str]) -> list[str]:
    if ref.kind == "claim":
        ids = all_ids if ref.ident == "*" else [ref.ident]
        return [".".join((i,) + ref.path) for i in ids]
    return [f"file:{ref.ident}" + (":" + ".".join(ref.path) if ref.path else "")]


def scan_document(path: Path, all_ids: list[str]) -> list[Use]:
    """Every result field the document's inline code and code cells read, with section and line."""
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines()
    sc = _Scanner(all_ids)
    section = "(front matter and setup)"
    uses: list[Use] = []
    seen: set[tuple[str, str, int]] = set()

    def record_at(lineno: int, sec: str):
        def rec(used: frozenset, _lineno: int = 0) -> None:
            for ref in sorted(used, key=lambda r: (r.kind, r.ident, r.path)):
                if ref.kind == "claim" and not ref.path:  # a whole result (e.g. counted): no field shown
                    continue
                for f in _expand(ref, all_ids):
                    k = (f, sec, lineno)
                    if k not in seen:
                        seen.add(k)
                        uses.append(Use(f, path.name, sec, lineno))

        return rec

    i, in_yaml = 0, lines[:1] == ["---"]
    if in_yaml:
        i = 1
        while i < len(lines) and lines[i].strip() != "---":
            i += 1
        i += 1
    while i < len(lines):
        line = lines[i]
        if line.startswith("```{python}"):
            start = i + 1
            j = start
            while j < len(lines) and not lines[j].startswith("```"):
                j += 1
            code = "\n".join(lines[start:j])
            try:
                tree = ast.parse(code)
            except SyntaxError as e:
                raise DataError(
                    f"cannot parse a code cell: {e.msg}", file=str(path), row=start + (e.lineno or 1)
                ) from None
            for st in tree.body:
                sc.run(
                    [st],
                    sc.env,
                    record=lambda used, ln, _s=start, _sec=section, _st=st: record_at(_s + _st.lineno, _sec)(used),
                )
            i = j + 1
            continue
        m = _HEADING.match(line)
        if m and not line.startswith("#|"):
            section = m.group(2)
        for expr in _INLINE.findall(line):
            try:
                node = ast.parse(expr, mode="eval")
            except SyntaxError as e:
                raise DataError(f"cannot parse inline code {expr!r}: {e.msg}", file=str(path), row=i + 1) from None
            record_at(i + 1, section)(sc.consume(node.body, sc.env))
        i += 1
    return uses


def list_uses(root: Path = ROOT, documents: Iterable[Path] | None = None) -> list[Use]:
    docs = sorted(documents) if documents is not None else sorted((root / "reports").glob("*.qmd"))
    ids = _claim_ids(root)
    out: list[Use] = []
    for d in docs:
        out += scan_document(d, ids)
    return out


def format_list(uses: list[Use]) -> list[str]:
    """One line per field and place: claim fields first (traceable), then other result files."""
    claim = [u for u in uses if not u.field.startswith("file:")]
    other = [u for u in uses if u.field.startswith("file:")]
    out = [
        f"# {len(claim)} uses of {len({u.field for u in claim})} claim result fields "
        "(trace any with `r2p trace <FIELD>`)",
        "FIELD\tDOCUMENT\tSECTION\tLINE",
    ]
    out += [f"{u.field}\t{u.document}\t{u.section}\tline {u.line}" for u in claim]
    if other:
        out += [
            "",
            f"# {len(other)} uses of other result files (not claim results; `r2p trace` does not follow them)",
            "FIELD\tDOCUMENT\tSECTION\tLINE",
        ]
        out += [f"{u.field}\t{u.document}\t{u.section}\tline {u.line}" for u in other]
    return out

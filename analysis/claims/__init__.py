"""Claims registry, decision rules and the runner.

`config/claims.yaml` declares every claim: the statement, the hypothesis, the data
(tables and columns), the test, the minimum n, the decision bounds, the primary
specification and the specification dimensions. This module

- validates the registry (JSON schema, then semantics: unknown tables, columns,
  tests, or a primary choice that is not among the specifications fail with the
  claim's id and the field);
- runs a claim's test function over its full specification curve;
- classifies every specification against the declared bounds and derives the
  verdict with the one rule written out in `verdict()` -- nothing else decides;
- writes `results/claims/<id>.json` (schema `config/schemas/claim_result.schema.json`)
  and the per-claim curve, from which `verdicts.csv` and `spec_curve.parquet` are
  assembled.

A test function has the signature `fn(claim: Claim, data: Data) -> ClaimOutput` and
is registered in `TESTS` below.
"""

from __future__ import annotations

import copy
import importlib
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

import jsonschema
import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import yaml

from .. import ROOT
from ..errors import DataError
from ..io import sha256_file, write_json, write_parquet, yaml_loader

if TYPE_CHECKING:
    from ..stats import StatResult

# analysis.stats (scipy.special) is imported where a claim runs, not by the Snakefile's
# registry lookups (load_claims, TESTS)


def spec_curve(*args: Any, **kw: Any) -> pd.DataFrame:
    """`analysis.stats.spec_curve` (a module attribute, so that bench/ can time it)."""
    from ..stats import spec_curve as _spec_curve

    return _spec_curve(*args, **kw)


def json_safe(obj: Any) -> Any:
    from ..stats import json_safe as _json_safe

    return _json_safe(obj)

REGISTRY_PATH = ROOT / "config" / "claims.yaml"
SCHEMA_PATH = ROOT / "config" / "schemas" / "claims.schema.json"
RESULT_SCHEMA_PATH = ROOT / "config" / "schemas" / "claim_result.schema.json"

#: test name -> "module:function" under analysis.claims
TESTS: dict[str, str] = {
    "rc1_regime_share": "regime_change:rc1_regime_share",
    "rc2_imi_against_government": "regime_change:rc2_imi_against_government",
    "rc3_matched_risk_ratio": "regime_change:rc3_matched_risk_ratio",
    "mh1_perpetrators": "moral_hazard:mh1_perpetrators",
    "mh2_onset_break": "moral_hazard:mh2_onset_break",
    "mh3_demonstration": "moral_hazard:mh3_demonstration",
    "mh4_event_study": "moral_hazard:mh4_event_study",
    "lb1_veto_rate": "vetoes:lb1_veto_rate",
    "cc1_two_camps": "critics:cc1_two_camps",
}

VERDICTS = ("supported", "contradicted", "inconclusive")

#: Names a specification dimension may not take (they are columns of the curve).
RESERVED_DIMS = frozenset({
    "spec_index", "spec_id", "estimate", "ci_low", "ci_high", "p_value", "n", "method", "reason", "error",
    "supports", "seed", "cache", "outcome", "is_primary", "choices", "claim_id",
})


class RegistryError(DataError):
    """A claims-registry entry is invalid; the message names the claim id and field."""


@dataclass(frozen=True)
class Claim:
    id: str
    entry: dict
    alpha: float
    robust_share: float

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
    def seed(self) -> int:
        from ..stats import step_seed

        return step_seed("claims", self.id)

    def fingerprint(self) -> str:
        """The entry as canonical JSON (a Snakemake param: a change reruns this claim only)."""
        return json.dumps(self.entry, sort_keys=True, default=str)


def _load_yaml(path: Path) -> dict:
    return yaml.load(Path(path).read_text(encoding="utf-8"), Loader=yaml_loader())


def load_claims(path: str | Path = REGISTRY_PATH, processed: str | Path | None = None,
                only: str | None = None) -> dict[str, Claim]:
    """Validate and load the registry. With `processed`, also check that the tables and
    columns each claim names exist (only for claim `only`, when given)."""
    path = Path(path)
    data = _load_yaml(path)
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    errs = sorted(jsonschema.Draft202012Validator(schema).iter_errors(data), key=lambda e: list(e.path))
    if errs:
        e = errs[0]
        cid = None
        if len(e.path) >= 2 and e.path[0] == "claims":
            try:
                cid = data["claims"][e.path[1]].get("id")
            except Exception:  # pragma: no cover
                cid = None
        fld = "/".join(str(p) for p in list(e.path)[2:]) or "/".join(str(p) for p in e.path)
        raise RegistryError(f"claim {cid}: field {fld!r}: {e.message}", file=str(path), column=fld)
    defaults = data.get("defaults", {})
    out: dict[str, Claim] = {}
    for entry in data["claims"]:
        cid = entry["id"]

        def bad(fieldname: str, msg: str) -> RegistryError:
            return RegistryError(f"claim {cid}: field {fieldname!r}: {msg}", file=str(path), column=fieldname)

        if cid in out:
            raise bad("id", "duplicate id")
        if entry["test"] not in TESTS:
            raise bad("test", f"unknown test {entry['test']!r}; known: {', '.join(TESTS)}")
        dims = entry["specifications"]
        clash = sorted(set(dims) & RESERVED_DIMS)
        if clash:
            raise bad(f"specifications.{clash[0]}", f"dimension name is reserved for result columns: {sorted(RESERVED_DIMS)}")
        for k, v in entry["primary"].items():
            if k not in dims:
                raise bad(f"primary.{k}", "not a specification dimension")
            if v not in dims[k]:
                raise bad(f"primary.{k}", f"{v!r} is not among the options {dims[k]}")
        missing = [k for k in dims if k not in entry["primary"]]
        if missing:
            raise bad("primary", f"no primary choice for {missing}")
        if processed is not None and (only is None or only == cid):
            for table, cols in entry["data"]["tables"].items():
                p = Path(processed) / f"{table}.parquet"
                if not p.exists():
                    raise bad(f"data.tables.{table}", f"unknown table (no {p})")
                names = set(pq.read_schema(p).names)
                for c in cols:
                    if c not in names:
                        raise bad(f"data.tables.{table}", f"unknown column {c!r}")
        out[cid] = Claim(
            id=cid,
            entry=entry,
            alpha=float(entry.get("alpha", defaults.get("alpha", 0.05))),
            robust_share=float(entry.get("robust_share", defaults.get("robust_share", 0.8))),
        )
    return out


# --------------------------------------------------------------------------- data access


class Data:
    """Read-only access to processed tables, recording what was read (with sha256)."""

    def __init__(self, processed: str | Path):
        self.processed = Path(processed)
        self._cache: dict[str, pd.DataFrame] = {}
        self.inputs: dict[str, str] = {}

    def table(self, name: str) -> pd.DataFrame:
        if name not in self._cache:
            p = self.processed / f"{name}.parquet"
            if not p.exists():
                raise DataError("processed table missing (run `snakemake data` first)", file=str(p))
            self._cache[name] = pd.read_parquet(p)
            self.inputs[f"{name}.parquet"] = sha256_file(p)
        return self._cache[name]


# --------------------------------------------------------------------------- outputs of a test


@dataclass
class ClaimOutput:
    """What a claim's test function returns.

    curve: one row per specification (the Cartesian product of the claim's dims), as
      returned by `analysis.stats.spec_curve` (dims columns + estimate, ci_low,
      ci_high, p_value, n, method, reason, error, seed).
    primary_detail: the primary specification's full result (tests, breakdowns).
    details: further results for the appendix (breakdowns, alternative estimators, tables).
    comparisons: published figures set beside ours: {what, published, ours, source, note}.
    limitations: run-time limitations (added to the registry's).
    """

    curve: pd.DataFrame
    primary_detail: dict = field(default_factory=dict)
    details: dict = field(default_factory=dict)
    comparisons: list[dict] = field(default_factory=list)
    limitations: list[str] = field(default_factory=list)


def run_curve(claim: Claim, fn: Callable[..., Any], **kw) -> pd.DataFrame:
    """Evaluate `fn(**choices)` over the claim's full specification grid."""
    return spec_curve(claim.dims, fn, key=f"claims/{claim.id}", **kw)


# --------------------------------------------------------------------------- decision


def classify(ci_low: float | None, ci_high: float | None, decision: dict) -> str | None:
    """'supports' / 'contradicts' / 'neither' for one interval; None if not estimable."""
    if ci_low is None or ci_high is None or any(
        isinstance(v, float) and math.isnan(v) for v in (ci_low, ci_high)
    ):
        return None

    def inside(bound: dict) -> bool:
        if "below" in bound:
            return ci_high < bound["below"]
        return ci_low > bound["above"]

    if inside(decision["support"]):
        return "supports"
    if inside(decision["contradict"]):
        return "contradicts"
    return "neither"


def classify_curve(curve: pd.DataFrame, claim: Claim) -> pd.DataFrame:
    curve = curve.copy()
    out = []
    for lo, hi, reason, err, n in zip(curve["ci_low"], curve["ci_high"], curve["reason"], curve["error"], curve["n"]):
        if (isinstance(err, str) and err) or (isinstance(reason, str) and reason):
            out.append(None)
        elif pd.isna(n) or int(n) < claim.min_n:
            out.append(None)
        else:
            out.append(classify(None if pd.isna(lo) else float(lo), None if pd.isna(hi) else float(hi), claim.decision))
    curve["outcome"] = pd.array(out, dtype="string")
    curve["supports"] = pd.array([None if o is None else o == "supports" for o in out], dtype="boolean")
    return curve


def primary_row(curve: pd.DataFrame, claim: Claim) -> pd.Series:
    mask = np.ones(len(curve), dtype=bool)
    for k, v in claim.primary.items():
        mask &= curve[k].astype(str).to_numpy() == str(v)
    if mask.sum() != 1:
        raise RuntimeError(f"claim {claim.id}: primary specification matched {mask.sum()} rows")
    return curve.loc[mask].iloc[0]


def verdict(primary: pd.Series, curve: pd.DataFrame, claim: Claim) -> tuple[str, str, dict]:
    """The declared rule (see config/claims.yaml header). Returns (verdict, reason, robustness)."""
    usable = curve["outcome"].notna()
    n_use = int(usable.sum())
    share_sup = float((curve.loc[usable, "outcome"] == "supports").mean()) if n_use else None
    share_con = float((curve.loc[usable, "outcome"] == "contradicts").mean()) if n_use else None
    robustness = {
        "n_specs": int(len(curve)),
        "n_estimable": n_use,
        "share_supporting": share_sup,
        "share_contradicting": share_con,
        "share_neither": (1 - share_sup - share_con) if n_use else None,
        "robust_share_required": claim.robust_share,
    }
    n = primary["n"]
    if isinstance(primary.get("error"), str) and primary["error"]:
        return "inconclusive", f"the primary specification could not be estimated: {primary['error']}", robustness
    if isinstance(primary.get("reason"), str) and primary["reason"]:
        return "inconclusive", f"the primary specification could not be estimated: {primary['reason']}", robustness
    if pd.isna(n) or int(n) < claim.min_n:
        return "inconclusive", f"data too thin: n = {0 if pd.isna(n) else int(n)} is below the declared minimum of {claim.min_n}", robustness
    outcome = primary["outcome"]
    if outcome == "supports":
        if share_sup is not None and share_sup >= claim.robust_share:
            return "supported", "the primary interval lies on the supporting side of the declared bound, and so do enough specifications", robustness
        return "inconclusive", (
            f"not robust: the primary specification supports the claim but only {share_sup:.0%} of estimable "
            f"specifications do (at least {claim.robust_share:.0%} required)"
        ), robustness
    if outcome == "contradicts":
        if share_con is not None and share_con >= claim.robust_share:
            return "contradicted", "the primary interval lies on the contradicting side of the declared bound, and so do enough specifications", robustness
        return "inconclusive", (
            f"not robust: the primary specification contradicts the claim but only {share_con:.0%} of estimable "
            f"specifications do (at least {claim.robust_share:.0%} required)"
        ), robustness
    return "inconclusive", "the primary interval straddles the declared bounds: the data cannot decide", robustness


def _bound_text(b: dict) -> str:
    return f"entire 95% interval below {b['below']}" if "below" in b else f"entire 95% interval above {b['above']}"


def decision_rule_text(claim: Claim) -> str:
    d = claim.decision
    return (
        f"supported if the primary specification's {_bound_text(d['support'])} and at least "
        f"{claim.robust_share:.0%} of estimable specifications agree; contradicted if its "
        f"{_bound_text(d['contradict'])} and at least {claim.robust_share:.0%} agree; "
        f"inconclusive otherwise, or when n < {claim.min_n}."
    )


# --------------------------------------------------------------------------- running


def get_test(name: str) -> Callable[[Claim, Data], ClaimOutput]:
    mod, fn = TESTS[name].split(":")
    return getattr(importlib.import_module(f"{__name__}.{mod}"), fn)


def _row_dict(row: pd.Series, dims: list[str]) -> dict:
    keys = ["spec_id", *dims, "estimate", "ci_low", "ci_high", "p_value", "n", "method", "reason", "outcome"]
    return json_safe({k: (None if pd.isna(row[k]) else row[k]) if not isinstance(row[k], (list, dict)) else row[k] for k in keys})


def run_claim(claim: Claim, processed: str | Path) -> tuple[dict, pd.DataFrame]:
    data = Data(processed)
    out = get_test(claim.test)(claim, data)
    curve = classify_curve(out.curve, claim)
    dims = list(claim.dims)
    prim = primary_row(curve, claim)
    v, reason, robustness = verdict(prim, curve, claim)
    est = curve["estimate"].dropna()
    robustness["median_estimate"] = float(est.median()) if len(est) else None
    result = {
        "id": claim.id,
        "theme": claim.theme,
        "title": claim.title,
        "claim": claim.claim,
        "source": claim.source,
        "hypothesis": claim.hypothesis,
        "estimand": claim.estimand,
        "unit": claim.unit,
        "data": {"tables": claim.data["tables"], "inputs_sha256": dict(sorted(data.inputs.items()))},
        "test": claim.test,
        "alpha": claim.alpha,
        "min_n": claim.min_n,
        "decision_rule": {
            "support": claim.decision["support"],
            "contradict": claim.decision["contradict"],
            "robust_share": claim.robust_share,
            "text": decision_rule_text(claim),
        },
        "primary_specification": claim.primary,
        "primary": _row_dict(prim, dims),
        "primary_detail": out.primary_detail,
        "verdict": v,
        "verdict_reason": reason,
        "robustness": robustness,
        "specifications": claim.dims,
        "details": out.details,
        "comparisons": out.comparisons,
        "limitations": list(claim.limitations) + list(out.limitations),
        "revisions": list(claim.entry.get("revisions", [])),
        "seed": claim.seed,
        "registry_entry_sha256": __import__("hashlib").sha256(claim.fingerprint().encode()).hexdigest(),
    }
    result = json_safe(result)
    validate_result(result)
    return result, curve


def validate_result(result: dict) -> None:
    schema = json.loads(RESULT_SCHEMA_PATH.read_text(encoding="utf-8"))
    jsonschema.validate(result, schema)


def tidy_curve(curve: pd.DataFrame, claim: Claim) -> pd.DataFrame:
    """Long-format curve for the combined table: dims as a JSON `choices` column + one column per dim."""
    dims = list(claim.dims)
    df = pd.DataFrame(
        {
            "claim_id": claim.id,
            "spec_index": curve["spec_index"].astype("int64"),
            "spec_id": curve["spec_id"].astype("string"),
            "is_primary": np.zeros(len(curve), dtype=bool),
            "choices": [json.dumps({d: curve[d].iloc[i] for d in dims}, sort_keys=True, default=str) for i in range(len(curve))],
            "estimate": curve["estimate"].astype(float),
            "ci_low": curve["ci_low"].astype(float),
            "ci_high": curve["ci_high"].astype(float),
            "p_value": curve["p_value"].astype(float),
            "n": curve["n"].astype("Int64"),
            "method": curve["method"].astype("string"),
            "reason": curve["reason"].astype("string"),
            "error": curve["error"].astype("string"),
            "outcome": curve["outcome"].astype("string"),
            "seed": curve["seed"].astype("int64"),
        }
    )
    prim = primary_row(curve, claim)
    df.loc[df["spec_id"] == prim["spec_id"], "is_primary"] = True
    return df


def write_claim(claim_id: str, processed: str | Path, out_dir: str | Path, registry: str | Path = REGISTRY_PATH) -> None:
    claims = load_claims(registry, processed, only=claim_id)
    if claim_id not in claims:
        raise RegistryError(f"no claim {claim_id!r} in the registry", file=str(registry))
    claim = claims[claim_id]
    result, curve = run_claim(claim, processed)
    out_dir = Path(out_dir)
    write_parquet(tidy_curve(curve, claim), out_dir / "curves" / f"{claim_id}.parquet")
    write_json(result, out_dir / f"{claim_id}.json")


def write_summary(out_dir: str | Path, claim_ids: list[str]) -> None:
    """verdicts.csv and spec_curve.parquet from the per-claim outputs."""
    from ..io import write_csv

    out_dir = Path(out_dir)
    rows, curves = [], []
    for cid in claim_ids:
        r = json.loads((out_dir / f"{cid}.json").read_text(encoding="utf-8"))
        p = r["primary"]
        rows.append(
            {
                "claim_id": cid,
                "theme": r["theme"],
                "title": r["title"],
                "verdict": r["verdict"],
                "estimate": p["estimate"],
                "ci_low": p["ci_low"],
                "ci_high": p["ci_high"],
                "p_value": p["p_value"],
                "n": p["n"],
                "share_supporting": r["robustness"]["share_supporting"],
                "share_contradicting": r["robustness"]["share_contradicting"],
                "n_specs": r["robustness"]["n_specs"],
                "verdict_reason": r["verdict_reason"],
            }
        )
        curves.append(pd.read_parquet(out_dir / "curves" / f"{cid}.parquet"))
    write_csv(pd.DataFrame(rows), out_dir / "verdicts.csv")
    write_parquet(pd.concat(curves, ignore_index=True), out_dir / "spec_curve.parquet")

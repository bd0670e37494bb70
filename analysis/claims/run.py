"""Running a claim: its test over the specification curve, the decision, the result files.

A test function has the signature `fn(claim: Claim, data: Data) -> ClaimOutput` and is
registered in `analysis.claims.registry.TESTS`.
"""

from __future__ import annotations

import json
import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .. import ROOT
from ..errors import DataError
from ..io import sha256_file, write_json, write_parquet
from . import decision as D
from .registry import REGISTRY_PATH, Claim, RegistryError, get_test, load_claims, load_findings

log = logging.getLogger("r2p.claims")

RESULT_SCHEMA_PATH = ROOT / "config" / "schemas" / "claim_result.schema.json"


def spec_curve(*args: Any, **kw: Any) -> pd.DataFrame:
    """`analysis.stats.spec_curve` (a module attribute, so that bench/ can time it)."""
    from ..stats import spec_curve as _spec_curve

    return _spec_curve(*args, **kw)


def json_safe(obj: Any) -> Any:
    from ..stats import json_safe as _json_safe

    return _json_safe(obj)


class Data:
    """Read-only access to processed tables and files, recording what was read (with sha256).

    With `declared` (the claim's data contract: table names and file names), reading
    anything else is an error: every input a result depends on is an input of its rule,
    so the workflow reruns the claim when that input changes and never reads it half-built."""

    def __init__(self, processed: str | Path, declared: dict | None = None):
        self.processed = Path(processed)
        self._cache: dict[str, pd.DataFrame] = {}
        self.inputs: dict[str, str] = {}
        self._declared = (
            None
            if declared is None
            else ({f"{t}.parquet" for t in declared.get("tables", {})} | set(declared.get("files", [])))
        )

    def _path(self, filename: str) -> Path:
        if self._declared is not None and filename not in self._declared:
            raise DataError(
                "the claim reads an input its data contract does not declare "
                f"(add it to data.tables or data.files in the registry): {filename}",
                file=str(self.processed / filename),
            )
        p = self.processed / filename
        if not p.exists():
            raise DataError("processed input missing (run `snakemake data` first)", file=str(p))
        return p

    def table(self, name: str) -> pd.DataFrame:
        if name not in self._cache:
            p = self._path(f"{name}.parquet")
            self._cache[name] = pd.read_parquet(p)
            self.inputs[f"{name}.parquet"] = sha256_file(p)
        return self._cache[name]

    def csv(self, filename: str) -> pd.DataFrame:
        """A derived CSV file declared in `data.files`."""
        if filename not in self._cache:
            p = self._path(filename)
            self._cache[filename] = pd.read_csv(p)
            self.inputs[filename] = sha256_file(p)
        return self._cache[filename]


@dataclass
class ClaimOutput:
    """What a claim's test function returns.

    curve: one row per specification (the Cartesian product of the claim's dims), as
      returned by `analysis.stats.spec_curve` (dims columns + estimate, ci_low, ci_high,
      p_value, n, method, reason, error, seed; optionally p_value_contradict and sample_key).
    primary_detail: the primary specification's full result (tests, breakdowns).
    details: further results for the appendix (breakdowns, alternative estimators, tables).
    comparisons: published figures set beside ours: {what, published, ours, source, note}.
    limitations: run-time limitations (added to the registry's).
    checks: design-check id -> {passed: bool | None, detail: str, ...} for the checks the
      registry declares.
    null_draws: for the specification-curve test, `fn(resamples, rng) -> (estimates,
      p_values)`, arrays of shape (resamples, len(curve)) in the curve's row order, drawn
      with the claim's effect removed (the null at the declared bound).
    """

    curve: pd.DataFrame
    primary_detail: dict = field(default_factory=dict)
    details: dict = field(default_factory=dict)
    comparisons: list[dict] = field(default_factory=list)
    limitations: list[str] = field(default_factory=list)
    checks: dict = field(default_factory=dict)
    null_draws: Callable[[int, np.random.Generator], tuple[np.ndarray, np.ndarray]] | None = None


def run_curve(claim: Claim, fn: Callable[..., Any], **kw: Any) -> pd.DataFrame:
    """Evaluate `fn(**choices)` over the claim's full specification grid (with a line in the
    log before and after, as progress on the long step)."""
    n = math.prod(len(v) for v in claim.dims.values())
    log.info("claim %s: estimating %d specifications", claim.id, n)
    t0 = time.perf_counter()
    curve = spec_curve(claim.dims, fn, key=f"claims/{claim.id}", **kw)
    log.info("claim %s: %d/%d specifications estimated (%.1f s)", claim.id, len(curve), n, time.perf_counter() - t0)
    return curve


def curve_test(curve: pd.DataFrame, claim: Claim, draws: Callable | None) -> dict | None:
    """The inferential specification-curve test (Simonsohn, Simmons & Nelson 2020).

    Statistics over the distinct estimable specifications: the number whose test is
    significant (p <= alpha) with the estimate on the support side of the support bound,
    and the median estimate. Each is compared with its distribution over `resamples` draws
    of the whole curve with the effect removed (the null at the declared bound), which keeps
    the dependence between specifications that share data. p = (1 + #as extreme) / (1 + R).
    Reported beside the verdict; it decides nothing."""
    decl = claim.curve_test
    if decl is None:
        return None
    if draws is None:
        raise RuntimeError(f"claim {claim.id}: the registry declares a curve test but the test supplies no null draws")
    from ..stats import step_seed

    R = int(decl["resamples"])
    keep = (curve["duplicate_of"].isna() & curve["outcome"].notna()).to_numpy()
    sup = claim.decision["support"]
    below = "below" in sup
    bound = sup["below"] if below else sup["above"]

    def stats(est: np.ndarray, p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        side = est < bound if below else est > bound
        sig = ((p <= claim.alpha) & side & keep).sum(axis=-1)
        e = np.where(keep, est, np.nan)
        med = np.nanmedian(e, axis=-1) if keep.any() else np.full(e.shape[:-1], np.nan)
        return sig, med

    obs_sig, obs_med = stats(curve["estimate"].to_numpy(float), curve["p_value"].to_numpy(float))
    rng = np.random.default_rng(step_seed("curve-test", claim.id))
    est0, p0 = draws(R, rng)
    null_sig, null_med = stats(np.asarray(est0, float), np.asarray(p0, float))
    p_sig = (1 + int((null_sig >= obs_sig).sum())) / (1 + R)
    p_med = (1 + int(((null_med <= obs_med) if below else (null_med >= obs_med)).sum())) / (1 + R)
    return json_safe(
        {
            "method": (
                "specification-curve test (Simonsohn, Simmons & Nelson 2020): the observed curve against "
                f"{R} resampled curves with the effect removed (null at the declared bound {bound})"
            ),
            "null_model": decl.get("null_model", f"the estimand equals the support bound {bound}"),
            "resamples": R,
            "n_specs_tested": int(keep.sum()),
            "observed_significant": int(obs_sig),
            "null_significant_median": float(np.median(null_sig)),
            "p_significant": p_sig,
            "observed_median_estimate": float(obs_med),
            "null_median_estimate_median": float(np.nanmedian(null_med)),
            "p_median": p_med,
            "decides": False,
        }
    )


def _row_dict(row: pd.Series, dims: list[str]) -> dict:
    keys = ["spec_id", *dims, "estimate", "ci_low", "ci_high", "p_value", "n", "method", "reason", "outcome"]
    if "p_value_contradict" in row:
        keys.insert(keys.index("n"), "p_value_contradict")
    return json_safe(
        {k: (None if pd.isna(row[k]) else row[k]) if not isinstance(row[k], (list, dict)) else row[k] for k in keys}
    )


def run_claim(claim: Claim, processed: str | Path) -> tuple[dict, pd.DataFrame]:
    data = Data(processed, declared=claim.data)
    out = get_test(claim.test)(claim, data)
    curve = D.classify_curve(out.curve, claim)
    rob_max = curve["n"].dropna()
    if len(rob_max) and int(rob_max.max()) < claim.min_n:
        raise RegistryError(
            f"claim {claim.id}: field 'min_n': {claim.min_n} exceeds the largest n any specification "
            f"of the design contains ({int(rob_max.max())}): the claim could never be decided",
            file=str(REGISTRY_PATH),
            column="min_n",
        )
    dims = list(claim.dims)
    prim = D.primary_row(curve, claim)
    v, reason, robustness = D.verdict(prim, curve, claim, out.checks)
    basis = reason.split(" (", 1)[0]
    note = claim.entry.get("verdict_note")
    if note:
        reason = f"{reason}. {note}"
    result = {
        "id": claim.id,
        "theme": claim.theme,
        "title": claim.title,
        "claim": claim.claim,
        "source": claim.source,
        "hypothesis": claim.hypothesis,
        "estimand": claim.estimand,
        "unit": claim.unit,
        "data": {
            "tables": claim.data["tables"],
            **({"files": claim.data["files"]} if claim.data.get("files") else {}),
            "inputs_sha256": dict(sorted(data.inputs.items())),
        },
        "test": claim.test,
        "alpha": claim.alpha,
        "min_n": claim.min_n,
        "decided_by": claim.decided_by,
        "decision_rule": {
            "support": claim.decision["support"],
            "contradict": claim.decision["contradict"],
            "robust_share": claim.robust_share,
            "text": D.decision_rule_text(claim),
        },
        "exploratory": claim.exploratory,
        "declared_after_results": claim.entry.get("declared_after_results"),
        **({"declared": claim.entry["declared"]} if claim.entry.get("declared") else {}),
        "design_checks": [{**decl, "result": out.checks.get(decl["id"])} for decl in claim.design_checks],
        "curve_test": curve_test(curve, claim, out.null_draws),
        "primary_specification": claim.primary,
        "primary": _row_dict(prim, dims),
        "primary_detail": out.primary_detail,
        "verdict": v,
        "verdict_reason": reason,
        "verdict_basis": basis,
        "verdict_note": note,
        "robustness": robustness,
        "specifications": claim.dims,
        "details": out.details,
        "comparisons": out.comparisons,
        "limitations": list(claim.limitations) + list(out.limitations),
        "revisions": list(claim.entry.get("revisions", [])),
        "seed": claim.seed,
        "registry_entry_sha256": claim.entry_sha256(),
    }
    result = json_safe(result)
    validate_result(result)
    return result, curve


def validate_result(result: dict) -> None:
    import jsonschema

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
            "choices": [
                json.dumps({d: curve[d].iloc[i] for d in dims}, sort_keys=True, default=str) for i in range(len(curve))
            ],
            "estimate": curve["estimate"].astype(float),
            "ci_low": curve["ci_low"].astype(float),
            "ci_high": curve["ci_high"].astype(float),
            "p_value": curve["p_value"].astype(float),
            "n": curve["n"].astype("Int64"),
            "method": curve["method"].astype("string"),
            "reason": curve["reason"].astype("string"),
            "error": curve["error"].astype("string"),
            "outcome": curve["outcome"].astype("string"),
            "duplicate_of": curve["duplicate_of"].astype("string"),
            "seed": curve["seed"].astype("int64"),
        }
    )
    prim = D.primary_row(curve, claim)
    df.loc[df["spec_id"] == prim["spec_id"], "is_primary"] = True
    return df


def write_claim(
    claim_id: str, processed: str | Path, out_dir: str | Path, registry: str | Path = REGISTRY_PATH
) -> None:
    claims = load_claims(registry, processed, only=claim_id)
    if claim_id not in claims:
        raise RegistryError(f"no claim {claim_id!r} in the registry", file=str(registry))
    claim = claims[claim_id]
    result, curve = run_claim(claim, processed)
    out_dir = Path(out_dir)
    write_parquet(tidy_curve(curve, claim), out_dir / "curves" / f"{claim_id}.parquet")
    write_json(result, out_dir / f"{claim_id}.json")


def verdicts_html(verdicts: pd.DataFrame) -> str:
    """The verdict table as a small self-contained HTML page (the view `snakemake --report` shows)."""
    import html

    def num(v) -> str:
        return "" if v is None or pd.isna(v) else f"{v:.3g}"

    head = ["Claim", "Title", "Verdict", "Estimate [95% interval]", "p", "n", "Distinct specifications", "Reason"]
    body = []
    for r in verdicts.itertuples(index=False):
        verdict = f"{r.verdict} (exploratory)" if r.exploratory else r.verdict
        cells = [
            r.claim_id,
            r.title,
            verdict,
            f"{num(r.estimate)} [{num(r.ci_low)}, {num(r.ci_high)}]",
            num(r.p_value),
            "" if pd.isna(r.n) else str(int(r.n)),
            str(int(r.n_distinct)),
            r.verdict_reason,
        ]
        body.append("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in cells) + "</tr>")
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>Verdicts</title>'
        "<style>body{font-family:sans-serif;font-size:13px}table{border-collapse:collapse}"
        "td,th{border:1px solid #ccc;padding:3px 6px;vertical-align:top;text-align:left}"
        "td:nth-child(8){font-size:11px;max-width:40em}</style></head><body>\n"
        "<h1>Verdicts under the rule declared in advance</h1>\n"
        "<p>One row per claim (results/claims/verdicts.csv); each claim's full result is results/claims/&lt;id&gt;.json.</p>\n"
        "<table>\n<tr>"
        + "".join(f"<th>{h}</th>" for h in head)
        + "</tr>\n"
        + "\n".join(body)
        + "\n</table>\n</body></html>\n"
    )


def write_summary(out_dir: str | Path, claim_ids: list[str], registry: str | Path = REGISTRY_PATH) -> None:
    """verdicts.csv (and its HTML view), findings.json and spec_curve.parquet from the per-claim outputs."""
    from ..io import write_csv, write_text

    out_dir = Path(out_dir)
    rows, curves, results = [], [], {}
    for cid in claim_ids:
        r = json.loads((out_dir / f"{cid}.json").read_text(encoding="utf-8"))
        results[cid] = r
        p, rb = r["primary"], r["robustness"]
        rows.append(
            {
                "claim_id": cid,
                "theme": r["theme"],
                "title": r["title"],
                "exploratory": bool(r.get("exploratory")),
                "verdict": r["verdict"],
                "estimate": p["estimate"],
                "ci_low": p["ci_low"],
                "ci_high": p["ci_high"],
                "p_value": p["p_value"],
                "n": p["n"],
                "n_specs": rb["n_specs"],
                "n_distinct": rb["n_distinct"],
                "share_supporting": rb["share_supporting"],
                "share_contradicting": rb["share_contradicting"],
                "share_neither": rb["share_neither"],
                "share_not_estimable": rb["share_not_estimable"],
                "verdict_reason": r["verdict_reason"],
            }
        )
        curves.append(pd.read_parquet(out_dir / "curves" / f"{cid}.parquet"))
    write_csv(pd.DataFrame(rows), out_dir / "verdicts.csv")
    write_text(verdicts_html(pd.DataFrame(rows)), out_dir / "verdicts.html")
    write_parquet(pd.concat(curves, ignore_index=True), out_dir / "spec_curve.parquet")
    verdicts = {c: r["verdict"] for c, r in results.items()}
    exploratory = {c for c, r in results.items() if r.get("exploratory")}
    revised = {
        c
        for c, r in results.items()
        if any(v.get("after_results") and v.get("affects_verdict") for v in r.get("revisions", []))
    }
    findings = [
        D.combine_finding(f, verdicts, exploratory, revised)
        for f in load_findings(registry)
        if all(c in verdicts for c in f["claims"])
    ]
    write_json(
        {"rule": D.__doc__.split("5. ", 1)[1].strip() if "5. " in (D.__doc__ or "") else "", "findings": findings},
        out_dir / "findings.json",
    )

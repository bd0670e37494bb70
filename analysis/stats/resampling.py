"""Seeds and permutation tests.

`step_seed` derives a step's seed from its name (the top bits of sha256 of the key, in the
spirit of R `targets`), so that a result never depends on which specifications ran before it.
`permutation_test` shuffles the labels (within strata if given) with numpy's
`default_rng(seed)` and reports p = (1 + #as extreme) / (1 + #valid permutations).

Stands on numpy's random generator and hashlib. Written by hand rather than with scipy's
`permutation_test` because the claims' statistics are functions of labels and an arbitrary data
object (a table, a design), permutations must stay within strata, and a permutation whose
statistic is not finite is excluded and counted (scipy keeps it in the denominator as not
extreme).
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from .results import StatResult, _check_alt, _inconclusive, _num


def step_seed(*parts: Any, bits: int = 63) -> int:
    """Deterministic seed for one step, from its key: int(sha256("/".join(parts))).

    In the spirit of R `targets`: the seed depends only on the step's name (e.g.
    step_seed("MH2", "spec_0f3a...")), never on execution order or on other steps.
    Parts are joined with "/", so step_seed("a/b") == step_seed("a", "b"). Returns
    the top `bits` bits of the digest (default 63: fits a signed int64 column).
    """
    if not parts:
        raise ValueError("step_seed needs at least one key part")
    if not 1 <= bits <= 256:
        raise ValueError("bits must be in 1..256")
    key = "/".join(str(p) for p in parts)
    digest = hashlib.sha256(key.encode("utf-8")).digest()
    return int.from_bytes(digest, "big") >> (256 - bits)


def permutation_test(
    stat_fn: Callable[[np.ndarray, Any], float],
    labels: Any,
    data: Any,
    *,
    n_perm: int = 9999,
    seed: int | str,
    alternative: str = "two-sided",
    strata: Any = None,
) -> StatResult:
    """Generic permutation test: shuffle `labels`, recompute stat_fn(labels, data).

    p = (1 + #{perm stat at least as extreme as observed}) / (n_perm + 1), with
    "greater": stat >= obs, "less": stat <= obs, "two-sided": |stat| >= |obs| (use a
    centred statistic). `seed` is required and recorded (a string is turned into an
    int with `step_seed`); the generator is numpy's default_rng(seed), so the same
    seed gives the same p. `strata` permutes within strata. A relative tolerance of
    1e-12 counts floating-point ties as ties. Permutations whose statistic is not
    finite are excluded from numerator and denominator (counted, with a warning).
    Extras: n_perm, seed, alternative, n_extreme, n_valid, perm_mean, perm_sd.
    """
    alternative = _check_alt(alternative)
    if seed is None:
        raise ValueError("permutation_test needs an explicit seed (record it)")
    seed_int = step_seed(seed) if isinstance(seed, str) else int(seed)
    n_perm = int(n_perm)
    if n_perm < 1:
        raise ValueError("n_perm must be >= 1")
    lab = np.asarray(labels)
    rng = np.random.default_rng(seed_int)
    method = f"permutation test ({alternative}), {n_perm} permutations"
    obs = float(stat_fn(lab, data))
    extra: dict[str, Any] = {"n_perm": n_perm, "seed": seed_int, "alternative": alternative}
    if not math.isfinite(obs):
        return _inconclusive(method, "observed statistic is not finite", n=len(lab), **extra)
    if strata is not None:
        st = np.asarray(strata)
        if len(st) != len(lab):
            raise ValueError("strata and labels differ in length")
        blocks = [np.flatnonzero(st == s) for s in pd.unique(st)]
    perm_stats = np.empty(n_perm)
    for i in range(n_perm):
        if strata is None:
            pl = rng.permutation(lab)
        else:
            pl = lab.copy()
            for idx in blocks:
                pl[idx] = lab[idx][rng.permutation(len(idx))]
        perm_stats[i] = stat_fn(pl, data)
    tol = 1e-12 * max(1.0, abs(obs))
    if alternative == "greater":
        extreme = perm_stats >= obs - tol
    elif alternative == "less":
        extreme = perm_stats <= obs + tol
    else:
        extreme = np.abs(perm_stats) >= abs(obs) - tol
    valid = np.isfinite(perm_stats)
    n_valid = int(valid.sum())
    n_ext = int(np.sum(extreme & valid))
    warns = []
    if n_valid < n_perm:
        warns.append(f"{n_perm - n_valid} permutations gave a non-finite statistic and were excluded")
    extra.update(
        n_extreme=n_ext,
        n_valid=n_valid,
        perm_mean=_num(np.mean(perm_stats[valid])) if n_valid else None,
        perm_sd=_num(np.std(perm_stats[valid])) if n_valid else None,
    )
    if n_valid == 0:
        return StatResult(
            method=method,
            estimate=obs,
            n=len(lab),
            warnings=warns,
            reason="no permutation gave a finite statistic",
            extra=extra,
        )
    p = (1 + n_ext) / (n_valid + 1)
    return StatResult(method=method, estimate=obs, p_value=p, n=len(lab), warnings=warns, extra=extra)

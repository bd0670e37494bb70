"""Logistic regression with cluster-robust (CRV1) standard errors, fitted once per design and
reused for every term, clustering, alpha and inference choice.

`LogitData` validates and cleans a design once (complete cases, a constant, outcome variation,
rank, a binary column that separates the outcome) and fits it once; `fit(term, cluster=...)`
then costs only the sandwich. `logit_clustered` is the one-call form, `fit_logit_numpy` the
low-level fit (`LogitFit`), `Clustering` the cluster labels as a sparse indicator for fast
per-cluster score sums (built once per sample and shared between designs).

Stands on numpy, with `scipy.special` (expit, normal and t quantiles) and `scipy.sparse`; the
reference engine (`engine="statsmodels"`, the default inside `plain_loop()`) is statsmodels'
GLM Binomial with `cov_type="cluster"`. Written by hand for speed: a specification curve asks
for the same design under many terms, clusterings and alphas, and statsmodels rebuilds and
refits the model for each. The Newton/IRLS fit here (halved steps far from the optimum, full
steps near it) converges to the same maximum, and the CRV1 covariance uses statsmodels'
small-sample factor G/(G-1) * (N-1)/(N-K), so estimates and intervals equal statsmodels' to the
convergence tolerance (tests/test_stats.py). The separation and rank checks run before the
fit, so that a specification that cannot be estimated says why instead of reporting a
diverging coefficient.
"""

from __future__ import annotations

import math
import warnings as _warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from scipy import special

from ._lazy import _sm_glm
from .reference import plain_loop_active
from .results import StatResult, _check_alpha, _inconclusive

if TYPE_CHECKING:
    from scipy import sparse


@dataclass
class LogitFit:
    """Low-level result of `fit_logit_numpy` (numpy arrays, not JSON)."""

    params: np.ndarray
    cov: np.ndarray | None
    converged: bool
    n_iter: int
    llf: float
    fitted: np.ndarray
    n_clusters: int | None
    error: str | None = None

    @property
    def bse(self) -> np.ndarray:
        if self.cov is None:
            return np.full(len(self.params), np.nan)
        return np.sqrt(np.clip(np.diag(self.cov), 0, None))


class Clustering:
    """Cluster labels turned into a sparse G x n indicator, for fast score sums.

    Build it once per sample and clustering variable and pass it to `LogitData`
    (in `groups`) to share it between designs; `subset(mask)` gives the clustering
    of a row subset.
    """

    def __init__(self, groups: Any = None, *, _codes: np.ndarray | None = None) -> None:
        if _codes is None:
            g = np.asarray(groups)
            if g.ndim != 1:
                g = g.ravel()
            _, codes = np.unique(g, return_inverse=True)
            codes = codes.ravel().astype(np.int64)
        else:
            codes = _codes
        self.codes = codes
        self.n_clusters = int(codes.max()) + 1 if len(codes) else 0
        self._indicator = None

    @property
    def indicator(self) -> sparse.csr_matrix:
        if self._indicator is None:
            from scipy import sparse

            n = len(self.codes)
            counts = np.bincount(self.codes, minlength=self.n_clusters)
            indptr = np.r_[0, np.cumsum(counts)]
            indices = np.argsort(self.codes, kind="stable")
            self._indicator = sparse.csr_matrix((np.ones(n), indices, indptr), shape=(self.n_clusters, n))
        return self._indicator

    def __len__(self) -> int:
        return len(self.codes)

    def subset(self, mask: np.ndarray) -> Clustering:
        """Clustering of the rows where `mask` is true (empty clusters removed)."""
        sub = self.codes[np.asarray(mask, dtype=bool)]
        present = np.bincount(sub, minlength=self.n_clusters) > 0
        remap = np.cumsum(present) - 1
        return Clustering(_codes=remap[sub].astype(np.int64))

    def sums(self, S: np.ndarray) -> np.ndarray:
        """Per-cluster column sums of S (G x k)."""
        return np.asarray(self.indicator @ S)


@dataclass
class _Core:
    params: np.ndarray
    fitted: np.ndarray
    hinv: np.ndarray | None
    converged: bool
    n_iter: int
    llf: float
    error: str | None


def _newton_logit(
    X: np.ndarray, y: np.ndarray, start: np.ndarray | None, tol: float, max_iter: int, XT: np.ndarray | None = None
) -> _Core:
    """Newton-Raphson for the logit MLE with step-halving; see `fit_logit_numpy`.

    XT (optional) is X.T as a C-contiguous array; column-wise work uses it because
    reductions along rows of a tall C-ordered array are slow in numpy.
    """
    n, k = X.shape
    if XT is None:
        XT = np.ascontiguousarray(X.T)
    if start is None:
        beta = np.zeros(k)
        ybar = min(max(float(y.mean()), 1e-6), 1 - 1e-6) if n else 0.5
        const = np.flatnonzero((XT.min(axis=1) == 1.0) & (XT.max(axis=1) == 1.0)) if n else []
        if len(const):
            beta[const[0]] = math.log(ybar / (1 - ybar))
    else:
        beta = np.array(start, dtype=float)
    is1 = y == 1.0

    def probs(b: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        eta = X @ b
        q = special.expit(-eta)  # 1 - p, accurate where p is near 1
        return eta, 1.0 - q, q

    def loglik(eta: np.ndarray, p: np.ndarray, q: np.ndarray) -> float:
        pr = np.where(is1, p, q)
        if pr.min() < 1e-12:  # p = 1 - q lost precision (eta < -27): exact path
            return float(np.where(is1, special.log_expit(eta), special.log_expit(-eta)).sum())
        return float(np.log(pr).sum())

    eta, p, q = probs(beta)
    ll = loglik(eta, p, q)
    scale = abs(ll) + 1.0
    converged, it, error = False, 0, None
    for it in range(1, max_iter + 1):  # noqa: B007 - `it` (the iterations run) is read after the loop
        H = (XT * (p * q)) @ X
        g = XT @ (y - p)
        try:
            step = np.linalg.solve(H, g)
        except np.linalg.LinAlgError:
            error = "singular information matrix"
            break
        lam2 = float(g @ step)  # Newton decrement^2: ~2 x (max llf - llf)
        t = 1.0
        if lam2 > 1.0:
            # damped phase: halve the step until the log-likelihood does not fall
            if ll is None:
                ll = loglik(eta, p, q)
            for _ in range(40):
                b_new = beta + t * step
                eta_n, p_n, q_n = probs(b_new)
                ll_new = loglik(eta_n, p_n, q_n)
                if ll_new >= ll - 1e-12 * (abs(ll) + 1):
                    break
                t *= 0.5
            else:
                error = "line search failed (log-likelihood does not increase)"
                break
            ll = ll_new
        else:
            # quadratic phase: full Newton steps (the log-likelihood is not needed)
            b_new = beta + step
            eta_n, p_n, q_n = probs(b_new)
            ll = None
        beta, eta, p, q = b_new, eta_n, p_n, q_n
        if np.max(np.abs(t * step)) < tol * (1 + np.max(np.abs(beta))) or 0.5 * lam2 < 1e-2 * tol * scale:
            converged = True
            break
    if ll is None:
        ll = loglik(eta, p, q)
    hinv = None
    if error is None:
        try:
            hinv = np.linalg.inv((XT * (p * q)) @ X)
        except np.linalg.LinAlgError:
            error = "singular information matrix"
    return _Core(beta, p, hinv, converged, it, ll, error)


def _crv1(X: np.ndarray, resid: np.ndarray, hinv: np.ndarray, cl: Clustering) -> np.ndarray:
    """CRV1 sandwich with statsmodels' factor G/(G-1) * (N-1)/(N-K)."""
    n, k = X.shape
    Sg = cl.sums(X * resid[:, None])
    cov = hinv @ (Sg.T @ Sg) @ hinv
    G = cl.n_clusters
    if G > 1 and n > k:
        cov *= G / (G - 1.0) * (n - 1.0) / (n - k)
    return cov


def fit_logit_numpy(
    X: Any, y: Any, groups: Any = None, *, start: Any = None, tol: float = 1e-8, max_iter: int = 100
) -> LogitFit:
    """Maximum-likelihood logit by Newton-Raphson (= IRLS for the canonical link).

    Starts from b = 0 with the intercept (a column of ones) at logit(mean y).
    While the squared Newton decrement g'H^-1 g exceeds 1 (far from the optimum)
    steps are halved until the log-likelihood does not fall; closer in, full Newton
    steps are taken. Converged when the largest step is below tol*(1 + max|b|)
    (Newton converges quadratically, so the remaining error is then ~tol^2) or half
    the squared decrement (the predicted remaining gain in log-likelihood) is below
    0.01*tol*(|llf at start| + 1), which also stops quasi-separated fits, whose
    coefficients drift while the likelihood flattens. With `groups`, `cov` is the
    CRV1 cluster-robust covariance with statsmodels' small-sample factor
    G/(G-1) * (N-1)/(N-K) (as GLM/Logit `cov_type="cluster"`); without, the
    model-based inverse information.
    """
    X = np.ascontiguousarray(X, dtype=float)
    y = np.ascontiguousarray(y, dtype=float).ravel()
    core = _newton_logit(X, y, None if start is None else np.asarray(start, float), tol, max_iter)
    cov, G = core.hinv, None
    if groups is not None and core.hinv is not None:
        cl = groups if isinstance(groups, Clustering) else Clustering(groups)
        cov, G = _crv1(X, y - core.fitted, core.hinv, cl), cl.n_clusters
    return LogitFit(
        params=core.params,
        cov=cov,
        converged=core.converged,
        n_iter=core.n_iter,
        llf=core.llf,
        fitted=core.fitted,
        n_clusters=G,
        error=core.error,
    )


def _to_float(v: Any, name: str) -> np.ndarray:
    """1-D float array; None/NA -> NaN; non-numeric values raise ValueError."""
    arr = np.asarray(v)
    if arr.ndim != 1:
        arr = arr.ravel()
    if arr.dtype.kind in "fiub":
        return arr.astype(float)
    out = pd.to_numeric(pd.Series(arr, dtype=object), errors="coerce").to_numpy(dtype=float)
    if np.isnan(out).sum() != pd.isna(pd.Series(arr, dtype=object)).sum():
        raise ValueError(f"{name} must be numeric")
    return out


#: how statsmodels' GLM fails on degenerate data (singular information, overflow, a NaN); anything
#: else is a bug and propagates
_SM_FIT_ERRORS = (np.linalg.LinAlgError, FloatingPointError, OverflowError, ZeroDivisionError, ValueError)


class LogitData:
    """A validated logit design, prepared once and fitted many times.

    Build it once per (sample, covariate set, outcome) and keep it in a
    `DesignCache`. Construction drops incomplete rows (counted in `n_dropped`; with
    missing="raise" it raises), adds a constant (`add_const`) and runs the checks
    that depend only on the data: outcome variation, rank, too few rows, and binary
    columns that separate the outcome (a zero cell in the column-by-outcome table
    means the MLE does not exist). `groups` is one array of cluster labels, a
    mapping name -> labels for alternative clusterings (rows missing in any are
    dropped), or None; labels may be prebuilt `Clustering` objects (shared between
    designs on the same rows).

    The point fit is computed once and reused: `fit(term, cluster=...)` for another
    term, clustering, alpha or inference choice costs only the sandwich.
    """

    def __init__(
        self,
        y: Any,
        X: Any,
        groups: Any = None,
        *,
        names: Sequence[str] | None = None,
        add_const: bool = True,
        missing: str = "drop",
    ) -> None:
        if missing not in ("drop", "raise"):
            raise ValueError("missing must be 'drop' or 'raise'")
        if isinstance(X, pd.DataFrame):
            cols = [str(c) for c in X.columns]
            try:
                Xall = X.to_numpy(dtype=float, na_value=np.nan)
            except (TypeError, ValueError) as exc:
                raise ValueError(f"X must be numeric (encode categories as dummies first): {exc}") from None
        elif isinstance(X, Mapping):
            Xf = pd.DataFrame(dict(X))
            cols = [str(c) for c in Xf.columns]
            Xall = Xf.to_numpy(dtype=float)
        else:
            Xall = np.asarray(X, dtype=float)
            if Xall.ndim == 1:
                Xall = Xall[:, None]
            cols = [str(c) for c in names] if names is not None else [f"x{i}" for i in range(Xall.shape[1])]
            if len(cols) != Xall.shape[1]:
                raise ValueError(f"{len(cols)} names for {Xall.shape[1]} columns")
        yall = _to_float(y, "y")
        if len(yall) != len(Xall):
            raise ValueError(f"y has {len(yall)} rows but X has {len(Xall)}")
        if groups is None:
            gmap: dict[str, Any] = {}
        elif isinstance(groups, Mapping):
            gmap = {str(k): v if isinstance(v, Clustering) else np.asarray(v) for k, v in groups.items()}
        else:
            gmap = {"default": groups if isinstance(groups, Clustering) else np.asarray(groups)}
        for nm, gv in gmap.items():
            if len(gv) != len(yall):
                raise ValueError(f"groups {nm!r} has {len(gv)} rows but y has {len(yall)}")
        bad = np.isnan(yall) | np.isnan(Xall).any(axis=1)
        for gv in gmap.values():
            if isinstance(gv, Clustering):
                continue
            bad |= np.isnan(gv) if gv.dtype.kind == "f" else (pd.isna(gv) if gv.dtype.kind == "O" else False)
        if bad.any() and missing == "raise":
            raise ValueError(f"{int(bad.sum())} rows have missing values")
        keep = ~bad
        self.n_input = len(yall)
        self.n_dropped = int(bad.sum())
        if self.n_dropped:
            Xa, ya = Xall[keep], yall[keep]
            gmap = {k: v.subset(keep) if isinstance(v, Clustering) else v[keep] for k, v in gmap.items()}
        else:
            Xa, ya = Xall, yall
        if not np.isin(ya, (0.0, 1.0)).all():
            raise ValueError("y must be binary (0/1 or bool)")
        names_ = cols
        if len(set(names_)) != len(names_):
            raise ValueError(f"duplicate column names in X: {names_}")
        XT = np.ascontiguousarray(Xa.T)  # k x n: fast column-wise reductions
        if add_const and "const" not in names_:
            has_const = len(ya) > 0 and bool(np.any((XT.min(axis=1) == XT.max(axis=1)) & (XT[:, 0] != 0)))
            if not has_const:
                XT = np.vstack([np.ones((1, len(ya))), XT])
                names_ = ["const"] + names_
        self.names = names_
        self.XT = XT
        self.X = np.ascontiguousarray(XT.T)
        self.y = np.ascontiguousarray(ya)
        self.n = len(self.y)
        self.clusterings = {nm: gv if isinstance(gv, Clustering) else Clustering(gv) for nm, gv in gmap.items()}
        self._core: dict[int, _Core] = {}
        self._warm: LogitData | None = None
        self._checks = self._data_checks()

    def warm_start_from(self, other: LogitData) -> None:
        """Start this design's Newton fit at `other`'s estimates (matched by column name,
        0 for columns `other` lacks), e.g. a design on the same rows and outcome that
        differs in a few columns. The logit MLE is unique, so only the number of
        iterations changes, not the estimates (beyond the convergence tolerance).
        Ignored if `other`'s fit failed or did not converge."""
        if other is not self:
            self._warm = other

    def _data_checks(self) -> dict[str, Any]:
        X, XT, y, n = self.X, self.XT, self.y, self.n
        out: dict[str, Any] = {"reason": None, "separated": [], "constant": [], "rank_reason": None}
        k = X.shape[1]
        if n == 0:
            out["reason"] = "no complete observations"
            return out
        if n <= k:
            out["reason"] = f"too few observations ({n}) for {k} parameters"
            return out
        ysum = float(y.sum())
        if ysum == 0 or ysum == n:
            out["reason"] = "outcome has no variation"
            return out
        cmin, cmax = XT.min(axis=1), XT.max(axis=1)
        const = cmin == cmax
        has_const = bool(const.any())
        binary = (cmin == 0.0) & (cmax == 1.0)
        for j in np.flatnonzero(binary):
            col = XT[j]
            if np.count_nonzero(col) != np.count_nonzero(col == 1.0):
                binary[j] = False
        n1 = XT[binary].sum(axis=1)
        y1 = XT[binary] @ y
        bnames = [nm for nm, b in zip(self.names, binary) if b]
        for nm, a1, b1 in zip(bnames, n1, y1):
            cells = [b1, a1 - b1] + ([ysum - b1, (n - a1) - (ysum - b1)] if has_const else [])
            if min(cells) == 0:
                out["separated"].append(nm)
        icpt = [j for j in range(k) if const[j] and X[0, j] != 0]
        if "const" in self.names and self.names.index("const") in icpt:
            icpt.remove(self.names.index("const"))
        elif icpt:
            icpt.pop(0)
        out["constant"] = [nm for j, nm in enumerate(self.names) if const[j] and (X[0, j] == 0 or j in icpt)]
        G = XT @ X
        dsc = np.sqrt(np.diag(G))
        dsc[dsc == 0] = 1.0
        ev = np.linalg.eigvalsh(G / np.outer(dsc, dsc))
        if ev.min() < 1e-10 * max(ev.max(), 1.0):
            out["rank_reason"] = "design matrix is rank-deficient: " + (
                f"no variation in {out['constant']}" if out["constant"] else "collinear columns"
            )
        return out

    def core(self, max_iter: int = 100) -> _Core:
        """The point fit (cached; deterministic, so reuse never changes results)."""
        if max_iter not in self._core:
            start = None
            if self._warm is not None:
                oc = self._warm.core(max_iter)
                if oc.error is None and oc.converged and np.all(np.isfinite(oc.params)):
                    pos = {nm: i for i, nm in enumerate(self._warm.names)}
                    start = np.array([oc.params[pos[nm]] if nm in pos else 0.0 for nm in self.names])
            self._core[max_iter] = _newton_logit(self.X, self.y, start, 1e-8, max_iter, XT=self.XT)
        return self._core[max_iter]

    def fit(
        self,
        term: str,
        *,
        cluster: str | None = None,
        alpha: float = 0.05,
        use_t: bool = False,
        engine: str | None = None,
        max_iter: int = 100,
    ) -> StatResult:
        """Fit (or reuse the fit) and report the coefficient of `term` (log-odds).

        cluster: name of the clustering (default: the first given; None if the data
        have no groups -> model-based SEs). Returns a StatResult: estimate, ci, p for
        `term`; extras term, se, odds_ratio, or_ci_low, or_ci_high, n_clusters,
        cluster, converged, n_iter, llf, params, bse, n_dropped, engine, cov_type.
        Blocking reasons: the data checks, separation on `term`, complete
        separation, non-convergence, a singular information matrix, < 2 clusters.
        """
        _check_alpha(alpha)
        if engine is None:
            engine = "statsmodels" if plain_loop_active() else "numpy"
        if engine not in ("numpy", "statsmodels"):
            raise ValueError("engine must be 'numpy' or 'statsmodels'")
        if term not in self.names:
            raise ValueError(f"term {term!r} not in design columns {self.names}")
        if cluster is None and self.clusterings:
            cluster = next(iter(self.clusterings))
        if cluster is not None and cluster not in self.clusterings:
            raise ValueError(f"unknown clustering {cluster!r}; have {list(self.clusterings)}")
        cl = self.clusterings.get(cluster) if cluster is not None else None
        cov_type = "cluster (CRV1)" if cl is not None else "model-based"
        dist_name = ("t(G-1)" if cl is not None else "t(n-k)") if use_t else "normal"
        method = f"logit, {cov_type} SE, {dist_name} inference [{engine}]"
        base: dict[str, Any] = {
            "term": term,
            "cluster": cluster,
            "n_clusters": cl.n_clusters if cl is not None else None,
            "n_dropped": self.n_dropped,
            "engine": engine,
            "cov_type": cov_type,
        }
        chk = self._checks
        if chk["reason"]:
            return _inconclusive(method, chk["reason"], n=self.n, **base)
        if cl is not None and cl.n_clusters < 2:
            return _inconclusive(method, "fewer than 2 clusters: cluster-robust SEs undefined", n=self.n, **base)
        if term in chk["constant"]:
            return _inconclusive(method, f"term {term!r} has no variation", n=self.n, **base)
        if chk["rank_reason"]:
            return _inconclusive(method, chk["rank_reason"], n=self.n, **base)
        if term in chk["separated"]:
            return _inconclusive(
                method,
                f"term {term!r} separates the outcome (a zero cell in {term} x outcome): the MLE does not exist",
                n=self.n,
                **base,
            )
        warns = []
        others = [s for s in chk["separated"] if s != term]
        if others:
            warns.append(f"quasi-separation on other columns {others}: their coefficients diverge")
        if cl is not None and cl.n_clusters < 20:
            warns.append(f"only {cl.n_clusters} clusters: cluster-robust SEs may be too small")
        if engine == "numpy":
            c = self.core(max_iter)
            params, conv, nit, llf, fitted, err = c.params, c.converged, c.n_iter, c.llf, c.fitted, c.error
            cov = None
            if err is None:
                cov = _crv1(self.X, self.y - fitted, c.hinv, cl) if cl is not None else c.hinv
        else:
            params, cov, conv, nit, llf, fitted, err = self._fit_statsmodels(max_iter, use_t, cl)
        if err:
            return _inconclusive(method, f"fit failed: {err}", n=self.n, **base)
        if not conv:
            return _inconclusive(method, f"did not converge in {nit} iterations", n=self.n, **base)
        boundary = int(np.count_nonzero((fitted < 1e-9) | (fitted > 1 - 1e-9)))
        if boundary == self.n:
            return _inconclusive(method, "complete separation: every observation fitted at 0 or 1", n=self.n, **base)
        if boundary and not others:
            warns.append(f"{boundary} observations fitted at 0 or 1 (quasi-separation)")
        j = self.names.index(term)
        bse = np.sqrt(np.clip(np.diag(cov), 0, None))
        b, se = float(params[j]), float(bse[j])
        if not (math.isfinite(se) and se > 0):
            return _inconclusive(method, "standard error is zero or undefined", n=self.n, **base)
        zstat = b / se
        if use_t:
            df = (cl.n_clusters - 1) if cl is not None else (self.n - len(params))
            q = float(special.stdtrit(df, 1 - alpha / 2))
            pval = float(2 * special.stdtr(df, -abs(zstat)))
        else:
            q = float(special.ndtri(1 - alpha / 2))
            pval = float(2 * special.ndtr(-abs(zstat)))
        lo, hi = b - q * se, b + q * se
        ex = lambda v: math.exp(v) if abs(v) < 700 else None  # noqa: E731
        extra = dict(
            base,
            se=se,
            odds_ratio=ex(b),
            or_ci_low=ex(lo),
            or_ci_high=ex(hi),
            converged=bool(conv),
            n_iter=int(nit),
            llf=float(llf),
            params=dict(zip(self.names, map(float, params))),
            bse=dict(zip(self.names, map(float, bse))),
            alpha=alpha,
        )
        return StatResult(
            method=method, estimate=b, ci_low=lo, ci_high=hi, p_value=pval, n=self.n, warnings=warns, extra=extra
        )

    def _fit_statsmodels(self, max_iter: int, use_t: bool, cl: Clustering | None):
        from statsmodels.tools.sm_exceptions import ConvergenceWarning, PerfectSeparationError

        GLM, families = _sm_glm()

        kw: dict[str, Any] = {"maxiter": max_iter}
        if cl is not None:
            kw.update(cov_type="cluster", cov_kwds={"groups": cl.codes}, use_t=use_t)
        else:
            kw.update(use_t=use_t)
        conv = True
        try:
            with _warnings.catch_warnings(record=True) as caught:
                _warnings.simplefilter("always")
                res = GLM(self.y, self.X, family=families.Binomial()).fit(**kw)
        except _SM_FIT_ERRORS + (PerfectSeparationError,) as exc:  # degenerate data (not a bug): say which
            return None, None, False, 0, math.nan, None, f"{type(exc).__name__}: {exc}"
        for w in caught:
            if issubclass(w.category, ConvergenceWarning):
                conv = False
        conv = conv and bool(res.converged)
        return (
            np.asarray(res.params),
            np.asarray(res.cov_params()),
            conv,
            int(res.fit_history["iteration"]),
            float(res.llf),
            np.asarray(res.fittedvalues),
            None,
        )


def logit_clustered(
    y: Any,
    X: Any,
    groups: Any,
    term: str,
    *,
    alpha: float = 0.05,
    names: Sequence[str] | None = None,
    add_const: bool = True,
    use_t: bool = False,
    engine: str | None = None,
    missing: str = "drop",
    max_iter: int = 100,
) -> StatResult:
    """Logistic regression with cluster-robust (CRV1) SEs; report the `term` coefficient.

    y: 0/1 outcome; X: DataFrame / mapping / 2-D array (with `names`) of regressors
    (a constant is added unless present); groups: cluster labels (None for
    model-based SEs). engine "numpy" (fast, validated against statsmodels) or
    "statsmodels" (GLM Binomial, `cov_type="cluster"`). Inference is normal, as
    statsmodels' default, or t with G-1 df (`use_t=True`). Never raises for data
    reasons: perfect separation, no outcome variation, collinearity, fewer than 2
    clusters or non-convergence return a result with `reason` (see LogitData.fit
    for the fields).
    """
    data = LogitData(y, X, groups, names=names, add_const=add_const, missing=missing)
    return data.fit(term, alpha=alpha, use_t=use_t, engine=engine, max_iter=max_iter)

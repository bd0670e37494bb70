"""The slow library imports of the package, done on first use and shared by its modules.

`scipy_stats` stands for `scipy.stats` (about 0.7 s to import; most claim jobs never need it)
and `_sm_glm()` returns statsmodels' GLM and its families without `statsmodels.api` (which also
loads formulas, time series and more). One copy here, imported by the modules that use them,
keeps `import analysis.stats` at numpy, pandas and `scipy.special`.
"""

from __future__ import annotations

from typing import Any


class _LazyScipyStats:
    """`scipy.stats`, imported on first use (0.7 s): most claim jobs never need it."""

    def __getattr__(self, name: str) -> Any:
        from scipy import stats as _stats

        return getattr(_stats, name)


scipy_stats = _LazyScipyStats()


def _sm_glm():
    """statsmodels' GLM and its families, imported on first use (not statsmodels.api,
    which also loads formulas, time series and more: about 0.6 s per process)."""
    from statsmodels.genmod import families
    from statsmodels.genmod.generalized_linear_model import GLM

    return GLM, families

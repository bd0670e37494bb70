"""Shared fixtures: verified raw data (fetched from the mirror) and cleaned tables.

Tests that use real data need the mirror: set R2P_DATA_MIRROR, or keep
`../shared/data-mirror` beside the checkout. Without it they fail (they do not
skip), because a test suite that silently skips its facts proves nothing.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest

from analysis import ROOT, clean
from analysis.panel import INPUT_TABLES as PANEL_TABLES
from analysis.sources import all_files, fetch_all, load_registry, resolve_mirror


@pytest.fixture(scope="session")
def registry():
    return load_registry()


@pytest.fixture(scope="session")
def raw_root(registry) -> Path:
    """data/raw with every registered file, verified (copied from the mirror if needed)."""
    root = Path(os.environ.get("R2P_RAW_DIR", ROOT / "data" / "raw"))
    mirror = resolve_mirror()
    fetch_all(all_files(registry), root, mirror, allow_download=False, log=lambda m: None)
    return root


_CACHE: dict[str, pd.DataFrame] = {}


@pytest.fixture(scope="session")
def table(raw_root):
    """table("name") -> the cleaned, validated DataFrame (built once per session)."""
    reg = clean.registry()

    def get(name: str) -> pd.DataFrame:
        if name not in _CACHE:
            _CACHE[name] = clean.build(reg[name], raw_root, tables=get)
        return _CACHE[name]

    return get


@pytest.fixture(scope="session")
def processed_dir(table, tmp_path_factory) -> Path:
    """A data/processed-like directory with the cleaned tables the panel needs."""
    from analysis.io import write_parquet

    d = tmp_path_factory.mktemp("processed")
    for name in PANEL_TABLES:
        write_parquet(table(name), d / f"{name}.parquet")
    return d


@pytest.fixture(scope="session")
def panel(processed_dir):
    """(country_year DataFrame, crosswalk report DataFrame) built from the real data."""
    from analysis.panel import build_panel

    return build_panel(processed_dir, 1946, 2024)


def assert_plain_loop_equal(claim, processed, fast_curve):
    """The claim's curve from `analysis.stats.plain_loop()` (statsmodels/scipy, nothing shared)
    equals the fast path's: same numbers (to 5e-5 relative: statsmodels' NB2 profile search stops at 1e-6 in log alpha), same reasons, same classification."""
    import numpy as np

    from analysis.claims import run_claim
    from analysis.stats import plain_loop

    with plain_loop():
        _, plain = run_claim(claim, processed)
    assert list(plain["spec_id"]) == list(fast_curve["spec_id"])
    for col in ("estimate", "ci_low", "ci_high", "p_value"):
        np.testing.assert_allclose(
            plain[col].to_numpy(float),
            fast_curve[col].to_numpy(float),
            rtol=5e-5,
            atol=1e-12,
            equal_nan=True,
            err_msg=f"{claim.id} {col}",
        )
    assert list(plain["n"].astype("Int64")) == list(fast_curve["n"].astype("Int64"))
    assert list(plain["reason"].fillna("")) == list(fast_curve["reason"].fillna(""))
    assert list(plain["supports"].astype(object)) == list(fast_curve["supports"].astype(object))


#: Claims whose results the audit-trail tests (r2p trace, recomputation) build, and their tables.
AUDIT_CLAIMS = ("RC1", "RC2", "MH1", "LB1", "RC5", "RC6")


@pytest.fixture(scope="session")
def audit_root(request, raw_root, tmp_path_factory) -> Path:
    """A workflow directory for `r2p trace` and the recomputation tests: config, code and
    documents linked from the checkout, the verified raw files, the processed tables (those in
    data/processed when present, else built here) and the results of AUDIT_CLAIMS computed now."""
    from analysis.claims import load_claims, write_claim
    from analysis.io import write_parquet

    claims = load_claims()
    need = sorted({t for cid in AUDIT_CLAIMS for t in claims[cid].data["tables"]})
    root = tmp_path_factory.mktemp("audit_root")
    for name in ("config", "analysis", "reports"):
        (root / name).symlink_to(ROOT / name)
    (root / "data").mkdir()
    (root / "data" / "raw").symlink_to(Path(raw_root).resolve())
    proc = ROOT / "data" / "processed"
    if all((proc / f"{t}.parquet").exists() for t in need):
        (root / "data" / "processed").symlink_to(proc)
    else:
        src = request.getfixturevalue("processed_dir")
        panel = request.getfixturevalue("panel")
        table = request.getfixturevalue("table")
        d = root / "data" / "processed"
        d.mkdir()
        for t in need:
            if t == "country_year":
                write_parquet(panel[0], d / "country_year.parquet")
            elif (src / f"{t}.parquet").exists():
                (d / f"{t}.parquet").symlink_to(src / f"{t}.parquet")
            else:
                write_parquet(table(t), d / f"{t}.parquet")
    for cid in AUDIT_CLAIMS:
        write_claim(cid, root / "data" / "processed", root / "results" / "claims")
    return root

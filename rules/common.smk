# Shared lookups: the source registry and the cleaned-table registry.
import re
import sys
from pathlib import Path

sys.path.insert(0, workflow.basedir)

from analysis import clean as _clean
from analysis.sources import load_registry

SOURCES = load_registry(config["sources"])
TABLES = _clean.registry()
RAW = "data/raw"
PROCESSED = "data/processed"


def raw_path(relpath):
    """'<source>/<file>' -> data/raw/<source>/<file>"""
    return f"{RAW}/{relpath}"


def mirror_arg():
    return f"--mirror {config['mirror']!r}" if config.get("mirror") else ""


# Claims registry (config/claims.yaml) and each claim's inputs.
from analysis.claims import TESTS, load_claims

CLAIMS = load_claims("config/claims.yaml")

def claim_inputs(w):
    c = CLAIMS[w.claim]
    test_module = TESTS[c.test].split(":")[0]
    return {
        "tables": [f"{PROCESSED}/{t}.parquet" for t in c.data["tables"]],
        "code": [f"analysis/claims/{test_module}.py", "analysis/claims/__init__.py", "analysis/stats.py"],
    }

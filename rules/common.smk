# Shared lookups: the source registry and the cleaned-table registry.
import os
import re
import sys
from pathlib import Path

sys.path.insert(0, workflow.basedir)

# Byte-compile the `analysis` package once per run: dozens of short jobs import it, and
# where PYTHONDONTWRITEBYTECODE is set (CI machines often set it) every job would compile
# the modules it imports again (0.05-0.2 s each). A no-op when the caches are current.
import compileall

compileall.compile_dir(str(Path(workflow.basedir) / "analysis"), quiet=2)

# Jobs run `python` from the environment that runs Snakemake (the Snakefile already
# imports the `analysis` package from it), found first on PATH; a version manager's
# shim (pyenv's costs about 0.1 s per job) is skipped. With conda environments
# (--software-deployment-method conda), each rule's environment provides `python`.
from snakemake.settings.types import DeploymentMethod

if DeploymentMethod.CONDA not in workflow.deployment_settings.deployment_method:
    import shlex

    shell.prefix(f"set -euo pipefail; export PATH={shlex.quote(str(Path(sys.executable).parent))}:\"$PATH\"; ")

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
from analysis.claims import TESTS, RegistryError, load_claims

try:
    CLAIMS = load_claims(config.get("claims", "config/claims.yaml"), check_tables=True)
except RegistryError as _e:  # a bad registry stops the run with the message, exit 2, no traceback
    print(f"error: {_e}", file=sys.stderr)
    os._exit(2)

def claim_inputs(w):
    c = CLAIMS[w.claim]
    test_module = TESTS[c.test].target.split(":")[0]
    return {
        "tables": [f"{PROCESSED}/{t}.parquet" for t in c.data["tables"]],
        "code": [f"analysis/claims/{m}.py" for m in (test_module, "__init__", "registry", "decision", "run")]
        + ["analysis/stats.py"],
    }


# Briefs: one per intervention, known after the `briefs_data` checkpoint.
def brief_slugs():
    d = checkpoints.briefs_data.get().output.briefs
    return sorted(glob_wildcards(f"{d}/{{slug}}.json").slug)


def brief_outputs(wildcards):
    return expand("reports/_output/briefs/{slug}.{ext}", slug=brief_slugs(), ext=["html", "pdf"])


def brief_data_files(wildcards):
    # every brief's data file, so that a changed file re-executes the briefs
    return expand("results/briefs/{slug}.json", slug=brief_slugs())


def brief_title(data_json):
    """`title:"..."` for `r2p render -M`: the brief's title as a YAML string of escaped Markdown."""
    import json

    from analysis.render import md_escape

    title = json.loads(Path(data_json).read_text(encoding="utf-8"))["title"]
    return f"title:{json.dumps(md_escape(title))}"

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

from snakemake.logging import logger

compileall.compile_dir(str(Path(workflow.basedir) / "analysis"), quiet=2)

# Jobs run `python` from the environment that runs Snakemake (the Snakefile already
# imports the `analysis` package from it), found first on PATH; a version manager's
# shim (pyenv's costs about 0.1 s per job) is skipped. With conda environments
# (--software-deployment-method conda), each rule's environment provides `python`.
from snakemake.settings.types import DeploymentMethod

if DeploymentMethod.CONDA not in workflow.deployment_settings.deployment_method:
    import shlex

    shell.prefix(f'set -euo pipefail; export PATH={shlex.quote(str(Path(sys.executable).parent))}:"$PATH"; ')

from analysis import clean as _clean


def refuse(message):
    """Bad input found before any job runs: the message, exit status 2 (as `r2p` does), no traceback."""
    logger.error(f"Error: {message}")
    raise SystemExit(2)


from analysis.errors import DataError
from analysis.sources import load_registry

try:  # a registry that breaks its schema or has its years out of order: refused, exit status 2
    SOURCES = load_registry(config["sources"])
except DataError as e:
    refuse(str(e))

# the panel's years: in order, and within the years the sources cover (config/sources.yaml)
from analysis.panel import check_years

try:
    check_years(config["panel"]["first_year"], config["panel"]["last_year"], registry=SOURCES)
except DataError as e:
    refuse(str(e))
TABLES = _clean.registry()
RAW = "data/raw"
PROCESSED = "data/processed"

# Before Snakemake plans the run (analysis/guard.py): one run at a time (a flock the kernel
# releases however a run dies; stale Snakemake locks of a killed run are then removed), the
# temporary files of killed jobs swept, every raw file re-verified (a file that is not the
# registered version is removed, so the fetch job copies the registered one again).
from analysis import guard as _guard

# A job that an executor plugin (Slurm: profiles/slurm) runs through its own `snakemake`
# process parses this file too: the run that submitted it holds the lock and has swept and
# verified already, so the job does none of it (it would refuse itself, or sweep the
# temporary files of the jobs running beside it).
_IN_JOB = workflow.remote_exec or workflow.subprocess_exec
if not _guard.read_only() and not _IN_JOB:
    try:
        _guard.acquire_run_lock()
    except _guard.ConcurrentRun as e:
        refuse(str(e))
    _guard.sweep_debris()
# (R2P_BENCH_NO_REVERIFY=1 skips the checks below: for bench/bench_workflow.py's comparison only)
_reverify = not os.environ.get("R2P_BENCH_NO_REVERIFY") and not _IN_JOB
for _rel, _why in (_guard.reverify_raw(SOURCES, RAW, remove=not _guard.read_only()) if _reverify else {}).items():
    logger.warning(f"{RAW}/{_rel} is not the registered file ({_why}); a run fetches it again")
# a multi-file output with a file missing is rebuilt (its index or directory is removed)
_incomplete = _guard.incomplete_sets() if _reverify else {}
for _marker, _why in _incomplete.items():
    logger.warning(f"{_marker}: incomplete ({_why}); a run builds it again")
if not _guard.read_only() and not _IN_JOB:
    _guard.remove_markers(_incomplete)


def raw_path(relpath):
    """'<source>/<file>' -> data/raw/<source>/<file>"""
    return f"{RAW}/{relpath}"


def mirror_arg():
    return f"--mirror {config['mirror']!r}" if config.get("mirror") else ""


# The crosswalk's code and the exceptions it reads (config/crosswalk.yaml): inputs of every rule that maps codes.
CROSSWALK_CODE = ["analysis/crosswalk.py", "config/crosswalk.yaml", "config/schemas/crosswalk.schema.json"]


def with_crosswalk_data(paths):
    """`paths`, plus the crosswalk's exceptions file and schema where the crosswalk module is among them."""
    return paths + CROSSWALK_CODE[1:] if "analysis/crosswalk.py" in paths else paths


# Claims registry (config/claims.yaml) and each claim's inputs.
from analysis.claims import TESTS, RegistryError, load_claims

try:
    CLAIMS = load_claims(config.get("claims", "config/claims.yaml"), check_tables=True)
except RegistryError as _e:  # a bad registry stops the run with the message, exit 2, no traceback
    print(f"Error: {_e}", file=sys.stderr)
    refuse(str(_e))


def claim_inputs(w):
    c = CLAIMS[w.claim]
    test_module = TESTS[c.test].target.split(":")[0]
    return {
        "tables": [f"{PROCESSED}/{t}.parquet" for t in c.data["tables"]],
        "files": [f"{PROCESSED}/{f}" for f in c.data.get("files", [])],
        # the published figures the claims set beside theirs (read by analysis/claims/published.py)
        "comparisons": ["config/comparisons.yaml", "config/schemas/comparisons.schema.json"],
        "code": [
            f"analysis/claims/{m}.py" for m in (test_module, "__init__", "registry", "decision", "run", "published")
        ]
        # the claims map codes with the crosswalk's Mapper (panel.hmi_gwcodes)
        + CROSSWALK_CODE + sorted(str(p) for p in Path("analysis/stats").glob("*.py"))
        # a claims module named after a building-block module of the package uses it (daily_order)
        + ([f"analysis/{test_module}.py"] if Path(f"analysis/{test_module}.py").exists() else []),
    }


# Briefs: one per intervention, known after the `briefs_data` checkpoint.
def brief_slugs():
    import json

    manifest = checkpoints.briefs_data.get().output.slugs
    return json.loads(Path(manifest).read_text(encoding="utf-8"))["slugs"]


def brief_outputs(wildcards):
    return expand("reports/_output/briefs/{slug}.{ext}", slug=brief_slugs(), ext=["html", "pdf"])


def brief_data_files(wildcards):
    # every brief's data file, so that a changed file re-executes the briefs
    return expand("results/briefs/{slug}.json", slug=brief_slugs())


# Each rule's threads, memory (MB) and wall time (minutes), measured from the `benchmark:` files
# of a real run (bench/bench_resources.py writes config/resources.yaml). A scheduler (Slurm:
# profiles/slurm) reserves them per job; locally they only bound what runs at once
# (`--resources mem_mb=...`). A retried job gets `attempt` times its memory and time.
import yaml as _yaml

RESOURCES = _yaml.safe_load(Path(workflow.basedir, "config/resources.yaml").read_text(encoding="utf-8"))["rules"]


def _measured(rule, key):
    try:
        return RESOURCES[rule][key]
    except KeyError:
        refuse(f"config/resources.yaml: rule {rule!r} has no {key!r} (run bench/bench_resources.py)")


def threads_of(rule):
    return _measured(rule, "threads")


def mem_of(rule):
    mb = _measured(rule, "mem_mb")
    return lambda wildcards, attempt: mb * attempt


def runtime_of(rule):
    minutes = _measured(rule, "runtime")
    return lambda wildcards, attempt: minutes * attempt


# `snakemake --report`: the charts (analysis/figures.py names them) marked for the report
from analysis.figures import CLAIM_FIGURES, DATA_FIGURES


def figure_report(name, caption, subcategory, labels):
    """A chart's SVG, marked for the report under Figures (caption: report/figures/<caption>.rst)."""
    return report(
        f"results/figures/{name}.svg",
        caption=f"../report/figures/{caption}.rst",
        category="Figures",
        subcategory=subcategory,
        labels=labels,
    )

"""Every rule that runs a job declares its threads, memory and wall time (issue 21).

The workflow is parsed by Snakemake itself (its API, in a subprocess); what each rule
declares is read from the rule definitions as Snakemake compiles them, so a rule that
leaves out `threads:` or a resource is found even though Snakemake would give it defaults.
The figures come from config/resources.yaml (measured: bench/bench_resources.py).
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
REQUIRED = ("mem_mb", "runtime")

# Loads a Snakefile through Snakemake's API and prints, per rule that runs a job (shell, run,
# script, notebook, wrapper), whether it declares threads and which resources it declares.
_CHECKER = textwrap.dedent(
    """
    import json, sys
    from pathlib import Path
    snakefile, workdir = Path(sys.argv[1]), Path(sys.argv[2])
    sys.argv = ["snakemake", "--list-rules"]  # the Snakefile's run guard: only inspecting
    from snakemake.api import SnakemakeApi
    from snakemake import workflow as wf
    from snakemake.settings.types import OutputSettings, ResourceSettings

    seen = {}
    _rule = wf.Workflow.rule

    def rule(self, name=None, lineno=None, snakefile=None, checkpoint=False):
        decorate = _rule(self, name=name, lineno=lineno, snakefile=snakefile, checkpoint=checkpoint)

        def capture(ruleinfo):
            seen[name] = ruleinfo
            return decorate(ruleinfo)

        return capture

    wf.Workflow.rule = rule
    with SnakemakeApi(OutputSettings(quiet={"all"})) as api:
        api.workflow(resource_settings=ResourceSettings(), snakefile=snakefile, workdir=workdir)._workflow
    out = {}
    for name, ri in seen.items():
        runs = not ri.norun and any(x is not None for x in (ri.shellcmd, ri.script, ri.notebook, ri.wrapper, ri.cwl))
        runs = runs or (not ri.norun and ri.shellcmd is None and ri.script is None and ri.func is not None)
        out[name] = {
            "runs": runs,
            "threads": ri.threads is not None,
            "resources": sorted(ri.resources[1]) if ri.resources else [],
        }
    print("RULES" + json.dumps(out))
    """
)


def declared(snakefile: Path, workdir: Path) -> dict[str, dict]:
    res = subprocess.run(
        [sys.executable, "-c", _CHECKER, str(snakefile), str(workdir)],
        cwd=workdir,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert res.returncode == 0, res.stderr[-3000:]
    line = [ln for ln in res.stdout.splitlines() if ln.startswith("RULES")][-1]
    return json.loads(line[len("RULES") :])


def lacking(rules: dict[str, dict]) -> dict[str, list[str]]:
    """{rule: what it does not declare} for the rules that run a job."""
    out = {}
    for name, r in rules.items():
        if not r["runs"]:
            continue
        missing = ([] if r["threads"] else ["threads"]) + [k for k in REQUIRED if k not in r["resources"]]
        if missing:
            out[name] = missing
    return out


def test_the_check_finds_a_rule_without_resources(tmp_path):
    # a fixture workflow: one rule declares everything, one nothing, one lacks runtime; a
    # target rule (no job) needs nothing
    (tmp_path / "Snakefile").write_text(
        textwrap.dedent(
            """
        rule all:
            input: "a", "b", "c"

        rule full:
            output: "a"
            threads: 1
            resources:
                mem_mb=100,
                runtime=5,
            shell: "touch {output}"

        rule bare:
            output: "b"
            shell: "touch {output}"

        rule no_runtime:
            output: "c"
            threads: 2
            resources:
                mem_mb=100,
            run:
                open(output[0], "w").close()
        """
        )
    )
    rules = declared(tmp_path / "Snakefile", tmp_path)
    assert set(rules) == {"all", "full", "bare", "no_runtime"}
    assert lacking(rules) == {"bare": ["threads", "mem_mb", "runtime"], "no_runtime": ["runtime"]}


def test_every_rule_of_the_workflow_declares_threads_memory_and_time():
    rules = declared(ROOT / "Snakefile", ROOT)
    jobs = {name for name, r in rules.items() if r["runs"]}
    # the rules that run jobs (the target rules `all`, `data`, `claims`, ... run none)
    assert {"fetch", "clean", "claim", "brief", "report", "briefs_execute"} <= jobs
    assert {"all", "data", "claims", "reports"}.isdisjoint(jobs)
    assert lacking(rules) == {}


def test_the_declared_figures_are_measured_for_every_rule_and_positive():
    rules = declared(ROOT / "Snakefile", ROOT)
    measured = yaml.safe_load((ROOT / "config" / "resources.yaml").read_text(encoding="utf-8"))["rules"]
    jobs = {name for name, r in rules.items() if r["runs"]}
    assert set(measured) == jobs  # no rule without figures, no figures of a rule that is gone
    for name, fig in measured.items():
        assert set(fig) == {"threads", "mem_mb", "runtime"}, name
        assert all(isinstance(v, int) and v > 0 for v in fig.values()), (name, fig)


def test_a_job_asks_for_its_rules_measured_figures():
    # what Snakemake would request for a job (a dry run prints the job's resources)
    res = subprocess.run(
        ["snakemake", "-n", "--forceall", "data/processed/hmi_release_diff.csv"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert res.returncode == 0, res.stderr[-2000:]
    fig = yaml.safe_load((ROOT / "config" / "resources.yaml").read_text(encoding="utf-8"))["rules"]["hmi_release_diff"]
    text = res.stdout + res.stderr
    block = text[text.index("rule hmi_release_diff:") :]
    block = block[: block.index("resources:") + 300]
    assert f"runtime={fig['runtime']}," in block and f"mem_mb={fig['mem_mb']}," in block

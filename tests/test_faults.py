"""Fault injection: the whole workflow killed with SIGKILL at seeded points, then the README's
plain `snakemake -c2`, which must complete and leave the same bytes as a clean build.

One clean reference build; one working copy that goes through the scenarios in order: a
cold build killed while fetching, then, each after removing what makes a stage run again,
kills while cleaning, testing a claim, making figures, executing the briefs and rendering.
A scenario starts `snakemake -c2` in its own process group, waits for a job's log file to
appear (the job has started), waits a seeded fraction of a second more and kills the whole
group with SIGKILL, as a cancelled CI job or a power cut would; then runs `snakemake -c2`
again and compares every file under data/processed/, results/ and reports/_output/.

The seed is printed (and is in every failure message); replay with R2P_FAULT_SEED=<seed>.
About 12-15 minutes on 2 cores.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from test_workflow import _all_hashes, _clean_copy

from analysis.sources import resolve_mirror

pytestmark = pytest.mark.slow

SEED = int(os.environ.get("R2P_FAULT_SEED") or random.SystemRandom().randrange(1, 10**6))
COMPARED = ("data/processed", "results", "reports/_output")


def _env() -> dict:
    return dict(os.environ, R2P_DATA_MIRROR=str(resolve_mirror()))


def _snakemake(cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(["snakemake", "-c2"], cwd=cwd, env=_env(), capture_output=True, text=True, timeout=1800)


def _state(wd: Path) -> dict[str, str]:
    out = {}
    for sub in COMPARED:
        out.update({f"{sub}/{k}": v for k, v in _all_hashes(wd, sub).items()})
    return out


def _kill_when(wd: Path, trigger: str, delay: float, timeout: float = 900) -> str:
    """Run `snakemake -c2`; SIGKILL its process group `delay` s after `trigger` appears."""
    log = open(wd / "killed-run.log", "w")
    proc = subprocess.Popen(
        ["snakemake", "-c2"], cwd=wd, env=_env(), stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    t0 = time.monotonic()
    try:
        while not (wd / trigger).exists():
            if proc.poll() is not None:
                return f"finished (status {proc.returncode}) before {trigger} appeared"
            if time.monotonic() - t0 > timeout:
                return f"{trigger} did not appear within {timeout} s"
            time.sleep(0.02)
        time.sleep(delay)
        if proc.poll() is not None:
            return f"finished (status {proc.returncode}) during the delay"
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        return "killed"
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        log.close()


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    print(f"\nfault-injection seed: {SEED} (replay: R2P_FAULT_SEED={SEED})")
    wd = _clean_copy(tmp_path_factory.mktemp("reference"))
    res = _snakemake(wd)
    assert res.returncode == 0, (res.stdout + res.stderr)[-6000:]
    return _state(wd)


@pytest.fixture(scope="module")
def work(tmp_path_factory):
    return _clean_copy(tmp_path_factory.mktemp("faults"))


def _pick(rng: random.Random, paths) -> Path:
    return rng.choice(sorted(paths))


# Each stage: (what to remove so that the stage runs again, the log file that says it started).
def _fetch(wd, rng):
    # a cold build: nothing there yet; kill while a (seeded) raw file is being fetched -- one the
    # build fetches: a cleaner reads it (codebooks and READMEs are registered but fetched only by
    # `snakemake raw`, so their fetch log never appears in a default build)
    from analysis import clean

    f = rng.choice(sorted({s for t in clean.registry().values() for s in t.sources}))
    return f"logs/fetch/{f}.log"


def _clean(wd, rng):
    p = _pick(rng, (wd / "data/processed").glob("*.parquet"))
    if p.stem == "country_year":
        return _clean(wd, rng)
    p.unlink()
    return f"logs/clean/{p.stem}.log"


def _claim(wd, rng):
    p = _pick(rng, (wd / "results/claims").glob("*.json"))
    p.unlink()
    return f"logs/claims/{p.stem}.log"


def _figures(wd, rng):
    name = rng.choice(["data", "claims"])
    (wd / f"results/figures/index-{name}.json").unlink()
    return f"logs/reports/figures_{name}.log"


def _briefs_execute(wd, rng):
    _pick(rng, (wd / "results/briefs-executed").glob("*.json")).unlink()
    return "logs/reports/briefs_execute.log"


def _render(wd, rng):
    if rng.random() < 0.5:
        doc = rng.choice(["policy-paper", "appendix"])
        (wd / f"reports/_output/{doc}.{rng.choice(['html', 'pdf'])}").unlink()
        return f"logs/reports/{doc}.log"
    p = _pick(rng, (wd / "reports/_output/briefs").glob("*.pdf"))
    p.unlink()
    return f"logs/reports/briefs/{p.stem}.log"


STAGES = {
    "fetch": _fetch,
    "clean": _clean,
    "claims": _claim,
    "figures": _figures,
    "briefs_execute": _briefs_execute,
    "render": _render,
}


@pytest.mark.parametrize("stage", list(STAGES))
def test_killed_run_then_plain_rerun_gives_the_clean_build(stage, reference, work):
    rng = random.Random(f"{SEED}-{stage}")
    shutil.rmtree(work / "logs", ignore_errors=True)
    trigger = STAGES[stage](work, rng)
    delay = rng.uniform(0.0, 1.5)
    what = f"seed {SEED}, stage {stage}, killed {delay:.2f} s after {trigger} appeared"
    print(what)
    outcome = _kill_when(work, trigger, delay)
    assert outcome == "killed", f"{what}: {outcome}\n" + (work / "killed-run.log").read_text()[-3000:]
    res = _snakemake(work)
    assert res.returncode == 0, f"{what}: the plain rerun failed\n" + (res.stdout + res.stderr)[-6000:]
    got = _state(work)
    diff = sorted(k for k in set(got) | set(reference) if got.get(k) != reference.get(k))
    assert not diff, f"{what}: {len(diff)} files differ from the clean build, e.g. {diff[:10]}"
    # and nothing is left to do
    res = subprocess.run(["snakemake", "-n"], cwd=work, env=_env(), capture_output=True, text=True)
    assert "Nothing to be done" in res.stdout + res.stderr, f"{what}\n" + (res.stdout + res.stderr)[-3000:]


def test_deleted_files_of_every_kind_are_rebuilt_and_stale_briefs_removed(reference, work):
    """After the kills: delete one file of each kind, add the briefs of an intervention that no
    longer exists; a plain rerun restores the clean build's bytes exactly (stale briefs gone)."""
    rng = random.Random(f"{SEED}-deleted")
    removed = [
        _pick(rng, (work / "data/processed").glob("*.parquet")),  # a cleaned table
        _pick(rng, (work / "results/claims").glob("*.json")),  # a claim result
        _pick(rng, (work / "results/claims/curves").glob("*.parquet")),
        _pick(rng, (work / "results/figures").rglob("*.svg")),  # one file of a figure set
        _pick(rng, (work / "results/briefs").glob("*.json")),  # one brief's data
        _pick(rng, (work / "results/briefs-executed").glob("*.json")),  # one executed brief
        _pick(rng, (work / "results/briefs-rendered").glob("*.pdf")),  # one rendered brief
        _pick(rng, (work / "reports/_output/briefs").glob("*.html")),  # one published brief
        work / "results/conditions.json",
    ]
    for p in removed:
        p.unlink()
    stale = [work / "reports/_output/briefs/atlantis-1999.html", work / "reports/_output/briefs/atlantis-1999.pdf"]
    for p in stale:
        p.write_text("an intervention whose slug changed\n")
    (work / "reports/_output/briefs/index.json").unlink()  # as when the set of briefs changes
    what = f"seed {SEED}: removed {[str(p.relative_to(work)) for p in removed]}"
    res = _snakemake(work)
    assert res.returncode == 0, f"{what}\n" + (res.stdout + res.stderr)[-6000:]
    got = _state(work)
    diff = sorted(k for k in set(got) | set(reference) if got.get(k) != reference.get(k))
    assert not diff, f"{what}: {diff[:10]}"
    res = subprocess.run(
        [sys.executable, "-m", "analysis", "verify"], cwd=work, env=_env(), capture_output=True, text=True
    )
    assert res.returncode == 0, res.stderr[-3000:]

"""The Slurm profile on a real one-node Slurm cluster (issue 21): cluster/slurm.sh starts it in a
private directory, small fixture workflows run through profiles/slurm, memory is enforced.

Memory enforcement is what the machine allows (cluster/slurm.sh; DIR/run/memory says which):
with the cgroup v1 memory controller (these machines) the kernel's OOM killer ends a rule over its
mem_mb inside the job's memory cgroup and Slurm records the OOM of the job step (N.0, the plugin's
srun); a batch script over its memory ends the job OUT_OF_MEMORY. The plugin's jobs themselves end
FAILED (Slurm 22.05 takes a job's state from its batch script, the plugin's Snakemake, which exits
1). Without cgroup v1, Slurm's sampler kills the step and the job ends FAILED. The tests assert
what the cluster's mode gives, and the fallback on a second cluster forced to sampling.

Needs Slurm's daemons (Debian: `apt-get install slurmctld slurmd slurm-client munge`; .ci/run's
cluster step installs them) and root; skips, saying so, where they are missing. The whole
workflow through the profile, compared byte for byte with a local build, is cluster/ci.sh.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import textwrap
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "cluster" / "slurm.sh"

_missing = [d for d in ("slurmctld", "slurmd", "munged") if not (shutil.which(d) or Path("/usr/sbin", d).exists())]
try:
    import snakemake_executor_plugin_slurm  # noqa: F401

    _plugin = True
except ImportError:
    _plugin = False

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        bool(_missing),
        reason=f"Slurm is not installed here ({', '.join(_missing)} missing): "
        "apt-get install slurmctld slurmd slurm-client munge (the cluster step of .ci/run does)",
    ),
    pytest.mark.skipif(os.geteuid() != 0, reason="the test cluster runs its daemons as root"),
    pytest.mark.skipif(
        not _plugin, reason="snakemake-executor-plugin-slurm is not installed (pip install -e '.[cluster]')"
    ),
]


def _alive(pidfile: Path) -> bool:
    try:
        os.kill(int(pidfile.read_text().strip()), 0)
    except (FileNotFoundError, ValueError, ProcessLookupError):
        return False
    return True


CGROUP_ROOT = Path("/sys/fs/cgroup")


def _slurm_cgroups(node: str) -> list[Path]:
    return [p for p in CGROUP_ROOT.glob(f"*/slurm_{node}") if p.is_dir()]


def _cluster(d: Path, memory: str | None = None):
    env_up = dict(os.environ)
    env_up.pop("R2P_SLURM_MEMORY", None)
    if memory:
        env_up["R2P_SLURM_MEMORY"] = memory
    up = subprocess.run([str(SCRIPT), "up", str(d)], capture_output=True, text=True, timeout=300, env=env_up)
    assert up.returncode == 0, up.stderr
    pids = {n: Path(d, "run", f"{n}.pid").read_text().strip() for n in ("munged", "slurmctld", "slurmd")}
    node = subprocess.run(
        ["sinfo", "-h", "-N", "-o", "%N"],
        env=dict(os.environ, SLURM_CONF=str(d / "slurm.conf")),
        capture_output=True,
        text=True,
    ).stdout.strip()
    env = dict(os.environ, SLURM_CONF=str(d / "slurm.conf"), PATH=f"{d / 'bin'}:{os.environ['PATH']}")
    try:
        yield d, env
    finally:
        down = subprocess.run([str(SCRIPT), "down", str(d)], capture_output=True, text=True, timeout=120)
        assert down.returncode == 0, down.stderr
        for name, pid in pids.items():  # no daemon left behind
            assert not Path(f"/proc/{pid}").exists() or "zombie" in Path(f"/proc/{pid}/status").read_text().lower(), (
                name
            )
        assert node and not _slurm_cgroups(node)  # nor a cgroup of the cluster's


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    yield from _cluster(tmp_path_factory.mktemp("slurm") / "cluster")


@pytest.fixture
def sampling_cluster(tmp_path_factory):
    yield from _cluster(tmp_path_factory.mktemp("slurm-sampling") / "cluster", "sampling")


def snakemake(wd: Path, env: dict, *args: str) -> subprocess.CompletedProcess:
    # the plugin ignores SIGTERM when it hangs: a hard limit
    return subprocess.run(
        [
            "timeout",
            "-s",
            "KILL",
            "600",
            "snakemake",
            "--profile",
            str(ROOT / "profiles" / "slurm"),
            "--latency-wait",
            "5",
            *args,
        ],
        cwd=wd,
        env=env,
        capture_output=True,
        text=True,
    )


def test_the_cluster_is_up_with_one_idle_node_and_memory_enforcement(cluster):
    d, env = cluster
    assert all(_alive(d / "run" / f"{n}.pid") for n in ("munged", "slurmctld", "slurmd"))
    sinfo = subprocess.run(["sinfo", "-h", "-N", "-o", "%N %T %c %m"], env=env, capture_output=True, text=True)
    node, state, cpus, mem = sinfo.stdout.split()
    # a node name of its own (r2p<port>): Slurm names its cgroups after the node
    assert node.startswith("r2p") and (state, int(cpus)) == ("idle", os.cpu_count())
    conf = (d / "slurm.conf").read_text()
    assert "SelectTypeParameters=CR_Core_Memory" in conf
    memory = (d / "run" / "memory").read_text().strip()
    if memory == "cgroup":
        assert "TaskPlugin=task/cgroup" in conf
        cg = (d / "cgroup.conf").read_text()
        assert "CgroupPlugin=cgroup/v1" in cg and "ConstrainRAMSpace=yes" in cg
    else:
        assert memory == "sampling" and "JobAcctGatherParams=OverMemoryKill" in conf
        assert not (d / "cgroup.conf").exists()


def test_a_second_cluster_needs_a_fresh_directory(cluster):
    d, _ = cluster
    res = subprocess.run([str(SCRIPT), "up", str(d)], capture_output=True, text=True, timeout=60)
    assert res.returncode == 1 and "is not empty" in res.stderr


def test_a_chain_of_jobs_and_a_group_run_through_the_profile(cluster, tmp_path):
    # mem_mb 500, not less: under cgroup enforcement a job's memory includes the two Snakemake
    # processes the plugin runs in it (the batch step's and the srun step's, about 115 MB each
    # measured here); 200 MB ends even `echo` OUT_OF_MEMORY
    _, env = cluster
    (tmp_path / "Snakefile").write_text(
        textwrap.dedent(
            """
        rule all:
            input: "b.txt", expand("brief/{i}.txt", i=range(3))

        rule a:
            output: "a.txt"
            threads: 1
            resources: mem_mb=500, runtime=5
            shell: "echo $SLURM_JOB_ID > {output}"

        rule b:
            input: "a.txt"
            output: "b.txt"
            threads: 1
            resources: mem_mb=500, runtime=5
            shell: "cat {input} > {output}; echo $SLURM_JOB_ID >> {output}"

        rule brief:  # grouped by the profile (groups: brief=briefs): one Slurm job for the three
            output: "brief/{i}.txt"
            threads: 1
            resources: mem_mb=500, runtime=5
            shell: "echo $SLURM_JOB_ID > {output}"
        """
        )
    )
    res = snakemake(tmp_path, env)
    assert res.returncode == 0, res.stderr[-4000:]
    a, b = (tmp_path / "b.txt").read_text().split()
    assert a.isdigit() and b.isdigit() and a != b  # each rule ran as its own Slurm job
    ids = {(tmp_path / "brief" / f"{i}.txt").read_text().strip() for i in range(3)}
    assert len(ids) == 1 and ids.pop().isdigit()  # the group: one Slurm job


_HOG = textwrap.dedent(
    """
    rule hog:
        output: "hog.txt"
        threads: 1
        resources: mem_mb=600, runtime=5
        shell:
            "python3 -c 'import time; a = bytearray(900 * 2**20); a[::4096] = b\\"x\\" * len(a[::4096]); "
            "time.sleep(4); open(\\"{output}\\", \\"w\\").write(\\"ok\\")'"
    """
)


def _over_memory_then_more_memory(d: Path, env: dict, wd: Path) -> None:
    """The hog (900 MB in a job of 600 MB) fails with the state of the cluster's enforcement; raised
    to 2,000 MB it completes."""
    (wd / "Snakefile").write_text(_HOG)
    res = snakemake(wd, env, "--retries", "0")
    assert res.returncode != 0
    assert not (wd / "hog.txt").exists()
    out = res.stdout + res.stderr
    logs = "".join(p.read_text() for p in (wd / ".snakemake" / "slurm_logs" / "rule_hog").glob("*.log"))
    if (d / "run" / "memory").read_text().strip() == "cgroup":
        # the kernel's OOM killer in the job's memory cgroup ends the rule, which the plugin runs in
        # an srun step (N.0); slurmstepd records the step's OOM. The job's own state, which squeue
        # reports, is FAILED: Slurm 22.05 takes it from the batch script's exit status (the
        # plugin's Snakemake, exit 1), not from its steps (test below: a batch step over its memory
        # makes the job OUT_OF_MEMORY).
        assert "SLURM status is: 'FAILED'" in out, out[-4000:]
        jobid = re.search(r"submitted with SLURM jobid (\d+)", out).group(1)
        slurmd = (d / "log" / "slurmd.log").read_text()
        assert f"[{jobid}.0] task/cgroup: _memcg_initialize: job: alloc=600MB mem.limit=600MB" in slurmd
        assert f"Detected 1 oom-kill event(s) in StepId={jobid}.0" in slurmd, slurmd[-3000:]
    else:
        # Slurm's sampler kills the step: FAILED, the job's log names the cause
        assert "SLURM status is: 'FAILED'" in out, out[-4000:]
        assert "exceeded memory limit" in logs.lower(), logs[-2000:]

    res = snakemake(wd, env, "--retries", "0", "--set-resources", "hog:mem_mb=2000")
    assert res.returncode == 0, res.stderr[-4000:]
    assert (wd / "hog.txt").read_text() == "ok"


def test_a_job_over_its_memory_is_killed_and_a_rerun_with_more_memory_completes(cluster, tmp_path):
    d, env = cluster
    if Path(CGROUP_ROOT, "memory", "memory.limit_in_bytes").exists() and os.access(CGROUP_ROOT / "memory", os.W_OK):
        # where the cgroup v1 memory controller is there to use, the cluster must use it
        assert (d / "run" / "memory").read_text().strip() == "cgroup"
    _over_memory_then_more_memory(d, env, tmp_path)


def test_a_batch_step_over_its_memory_ends_the_job_out_of_memory(cluster, tmp_path):
    """Slurm's own OUT_OF_MEMORY state, where the batch script itself is OOM-killed (cgroup only)."""
    d, env = cluster
    if (d / "run" / "memory").read_text().strip() != "cgroup":
        pytest.skip("the cluster enforces memory by sampling (no cgroup v1 here): no OUT_OF_MEMORY state")
    script = tmp_path / "hog.sh"
    script.write_text("#!/bin/sh\npython3 -c 'a = bytearray(900 * 2**20); a[::4096] = b\"x\" * len(a[::4096])'\n")
    sub = subprocess.run(
        ["sbatch", "--parsable", "--mem=600", "-o", str(tmp_path / "hog.out"), str(script)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    jobid = sub.stdout.strip().split(";")[0]
    state = ""
    for _ in range(300):
        state = subprocess.run(
            ["squeue", "-h", "-t", "all", "-j", jobid, "-o", "%T"], env=env, capture_output=True, text=True
        ).stdout.strip()
        if state not in ("", "PENDING", "RUNNING", "CONFIGURING", "COMPLETING"):
            break
        time.sleep(0.5)
    assert state == "OUT_OF_MEMORY", state
    assert f"Detected 1 oom-kill event(s) in StepId={jobid}.batch" in (tmp_path / "hog.out").read_text()


def test_without_cgroups_the_sampler_kills_the_job_and_it_ends_failed(sampling_cluster, tmp_path):
    d, env = sampling_cluster
    assert (d / "run" / "memory").read_text().strip() == "sampling"
    _over_memory_then_more_memory(d, env, tmp_path)


def test_an_unknown_memory_mode_is_refused(tmp_path):
    res = subprocess.run(
        [str(SCRIPT), "up", str(tmp_path / "c")],
        capture_output=True,
        text=True,
        timeout=60,
        env=dict(os.environ, R2P_SLURM_MEMORY="swap"),
    )
    assert res.returncode == 1 and "R2P_SLURM_MEMORY must be cgroup or sampling" in res.stderr
    assert not (tmp_path / "c" / "run" / "munged.pid").exists()

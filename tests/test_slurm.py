"""The Slurm profile on a real one-node Slurm cluster (issue 21): cluster/slurm.sh starts it in a
private directory, small fixture workflows run through profiles/slurm, memory is enforced.

Needs Slurm's daemons (Debian: `apt-get install slurmctld slurmd slurm-client munge`; .ci/run's
cluster step installs them) and root; skips, saying so, where they are missing. The whole
workflow through the profile, compared byte for byte with a local build, is cluster/ci.sh.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import textwrap
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


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    d = tmp_path_factory.mktemp("slurm") / "cluster"
    up = subprocess.run([str(SCRIPT), "up", str(d)], capture_output=True, text=True, timeout=300)
    assert up.returncode == 0, up.stderr
    pids = {n: Path(d, "run", f"{n}.pid").read_text().strip() for n in ("munged", "slurmctld", "slurmd")}
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
    assert (node, state, int(cpus)) == ("localhost", "idle", os.cpu_count())
    conf = (d / "slurm.conf").read_text()
    assert "JobAcctGatherParams=OverMemoryKill" in conf and "SelectTypeParameters=CR_Core_Memory" in conf


def test_a_second_cluster_needs_a_fresh_directory(cluster):
    d, _ = cluster
    res = subprocess.run([str(SCRIPT), "up", str(d)], capture_output=True, text=True, timeout=60)
    assert res.returncode == 1 and "is not empty" in res.stderr


def test_a_chain_of_jobs_and_a_group_run_through_the_profile(cluster, tmp_path):
    _, env = cluster
    (tmp_path / "Snakefile").write_text(
        textwrap.dedent(
            """
        rule all:
            input: "b.txt", expand("brief/{i}.txt", i=range(3))

        rule a:
            output: "a.txt"
            threads: 1
            resources: mem_mb=200, runtime=5
            shell: "echo $SLURM_JOB_ID > {output}"

        rule b:
            input: "a.txt"
            output: "b.txt"
            threads: 1
            resources: mem_mb=200, runtime=5
            shell: "cat {input} > {output}; echo $SLURM_JOB_ID >> {output}"

        rule brief:  # grouped by the profile (groups: brief=briefs): one Slurm job for the three
            output: "brief/{i}.txt"
            threads: 1
            resources: mem_mb=200, runtime=5
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


def test_a_job_over_its_memory_is_killed_and_a_rerun_with_more_memory_completes(cluster, tmp_path):
    _, env = cluster
    (tmp_path / "Snakefile").write_text(
        textwrap.dedent(
            """
        rule hog:
            output: "hog.txt"
            threads: 1
            resources: mem_mb=300, runtime=5
            shell:
                "python3 -c 'import time; a = bytearray(700 * 2**20); a[::4096] = b\\"x\\" * len(a[::4096]); "
                "time.sleep(4); open(\\"{output}\\", \\"w\\").write(\\"ok\\")'"
        """
        )
    )
    res = snakemake(tmp_path, env, "--retries", "0")
    assert res.returncode != 0
    assert not (tmp_path / "hog.txt").exists()
    out = res.stdout + res.stderr
    assert "SLURM status is: 'FAILED'" in out or "SLURM status is: 'OUT_OF_MEMORY'" in out, out[-4000:]
    # the job's Slurm log (kept because the job failed) names the cause
    logs = list((tmp_path / ".snakemake" / "slurm_logs" / "rule_hog").glob("*.log"))
    assert logs and "exceeded memory limit" in "".join(p.read_text() for p in logs).lower()

    res = snakemake(tmp_path, env, "--retries", "0", "--set-resources", "hog:mem_mb=1500")
    assert res.returncode == 0, res.stderr[-4000:]
    assert (tmp_path / "hog.txt").read_text() == "ok"

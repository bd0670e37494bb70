#!/usr/bin/env bash
# A one-node Slurm cluster in a private directory, for testing the Slurm profile
# (profiles/slurm) on one Debian machine: CI (.ci/run), tests/test_slurm.py, bench/bench_scale.py.
#
#   cluster/slurm.sh up DIR     install the Debian packages when missing (root), write DIR/slurm.conf,
#                               start munged, slurmctld, slurmd, wait until the node is idle;
#                               DIR/env is then to be sourced (SLURM_CONF, PATH with the srun wrapper)
#   cluster/slurm.sh down DIR   stop the three daemons (by their pid files) and wait until they are gone
#   cluster/slurm.sh logs DIR   print the daemons' logs
#
# DIR must be new or empty (spool state of an earlier run would carry over). `up` prints the
# daemons' logs, stops whatever it started and exits 1 when the cluster does not come up.
# Nothing outside DIR is touched but munged's socket directory /tmp/r2p-munge.* and, with cgroup
# memory enforcement, Slurm's cgroup subtree /sys/fs/cgroup/{memory,freezer,cpuacct}/slurm_r2p<port>
# (no /etc/slurm, no systemd); the ports are free ones picked at start, so two clusters on one machine do not
# collide.
#
# Memory is enforced, in one of two ways (DIR/run/memory says which; R2P_SLURM_MEMORY=cgroup or
# sampling chooses, the default picks cgroup where it can):
# - cgroup (where the cgroup v1 memory, freezer and cpuacct controllers are mounted read-write under
#   /sys/fs/cgroup, as on these machines): task/cgroup with ConstrainRAMSpace puts each job in a
#   memory cgroup limited to its --mem (mem_mb of its rule), the kernel refuses it more, its OOM
#   killer ends the process and slurmstepd records the cgroup's OOM event ("Detected 1 oom-kill
#   event(s) in StepId=..." in slurmd's log), as on a site's cluster. A batch script over its memory
#   ends the job OUT_OF_MEMORY; a Snakemake job runs its rule in an srun step (N.0), whose OOM does
#   not change the job's state: Slurm 22.05 takes that from the batch script (the plugin's
#   Snakemake, exit 1), so squeue and the plugin report FAILED. Slurm's cgroups
#   are one subtree per controller, slurm_<node>/uid_<uid>/job_<id>, with a node name unique to this
#   cluster (r2p<port>), so two test clusters on one machine do not share job cgroups; the existing
#   cgroup tree is not reorganised (the daemons stay where they are, only job steps move into the
#   subtree) and `down` removes the subtree it created, nothing else.
# - sampling (no cgroup v1, e.g. a cgroup2-only machine without systemd to delegate a subtree):
#   jobacct_gather/linux samples every task each second and OverMemoryKill kills a step over its
#   --mem, writing "StepId=... exceeded memory limit (... > ...), being killed" to the job's log.
#   The job then ends FAILED, not OUT_OF_MEMORY (Slurm sets that state only from a cgroup's OOM
#   counter), and a process that overshoots between two samples is caught a second late.
set -euo pipefail

die() { echo "cluster/slurm.sh: $*" >&2; exit 1; }
[ $# -eq 2 ] || die "usage: cluster/slurm.sh up|down|logs DIR"
cmd=$1
dir=$2

logs() {
    for f in "$dir"/log/munged.log "$dir"/log/slurmctld.log "$dir"/log/slurmd.log; do
        [ -f "$f" ] || continue
        echo "===== $f (last 60 lines) =====" >&2
        tail -n 60 "$f" >&2
    done
}

stop_pidfile() {  # kill the daemon named in a pid file and wait (up to 10 s) until it is gone
    local pidfile=$1 pid i
    [ -f "$pidfile" ] || return 0
    pid=$(cat "$pidfile" 2>/dev/null || true)
    [ -n "$pid" ] || return 0
    kill "$pid" 2>/dev/null || { rm -f "$pidfile"; return 0; }
    for i in $(seq 100); do
        kill -0 "$pid" 2>/dev/null || { rm -f "$pidfile"; return 0; }
        sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
    rm -f "$pidfile"
}

down() {
    # jobs still queued or running are cancelled first (slurmstepd outlives slurmd otherwise), then
    # the node daemon, the controller and munge
    if [ -f "$dir/run/slurmctld.pid" ] && [ -f "$dir/slurm.conf" ]; then
        SLURM_CONF="$dir/slurm.conf" scancel --user="$(id -un)" 2>/dev/null || true
        for _ in $(seq 50); do
            [ -z "$(SLURM_CONF="$dir/slurm.conf" squeue -h -t PD,R,CG 2>/dev/null)" ] && break
            sleep 0.2
        done
    fi
    stop_pidfile "$dir/run/slurmd.pid"
    stop_pidfile "$dir/run/slurmctld.pid"
    stop_pidfile "$dir/run/munged.pid"
    # Slurm's cgroup subtree of this cluster (empty once its jobs are gone: rmdir only, deepest first)
    if [ -f "$dir/run/nodename" ]; then
        local node c left=0
        node=$(cat "$dir/run/nodename")
        for c in "${CGROUP_CONTROLLERS[@]}"; do
            [ -d "$CGROUP_ROOT/$c/slurm_$node" ] || continue
            find "$CGROUP_ROOT/$c/slurm_$node" -depth -type d -exec rmdir {} \; 2>/dev/null || true
            [ -d "$CGROUP_ROOT/$c/slurm_$node" ] && { echo "cluster/slurm.sh: could not remove $CGROUP_ROOT/$c/slurm_$node (processes left in it?)" >&2; left=1; }
        done
        [ $left = 1 ] || rm -f "$dir/run/nodename"
    fi
    if [ -f "$dir/run/munge-socket-dir" ]; then
        rm -rf "$(cat "$dir/run/munge-socket-dir")"
        rm -f "$dir/run/munge-socket-dir"
    fi
}

install_packages() {
    local missing=()
    for bin in slurmctld:slurmctld slurmd:slurmd sbatch:slurm-client munged:munge; do
        command -v "${bin%%:*}" >/dev/null || [ -x "/usr/sbin/${bin%%:*}" ] || missing+=("${bin##*:}")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    [ "$(id -u)" -eq 0 ] || die "Slurm is not installed (${missing[*]}); as root: apt-get install slurmctld slurmd slurm-client munge"
    echo "installing ${missing[*]} (apt-get)" >&2
    apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends slurmctld slurmd slurm-client munge >&2
}

CGROUP_ROOT=/sys/fs/cgroup
CGROUP_CONTROLLERS=(memory freezer cpuacct)  # task/cgroup (memory), proctrack/cgroup, jobacct_gather/cgroup

cgroup_v1_usable() {  # the cgroup v1 controllers Slurm needs, mounted and writable
    local c
    for c in "${CGROUP_CONTROLLERS[@]}"; do
        [ "$(stat -f -c %T "$CGROUP_ROOT/$c" 2>/dev/null)" = cgroupfs ] && [ -w "$CGROUP_ROOT/$c" ] || return 1
    done
    [ -f "$CGROUP_ROOT/memory/memory.limit_in_bytes" ]
}

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

wait_for() {  # wait_for SECONDS DESCRIPTION COMMAND...: poll every 0.2 s until COMMAND succeeds
    local secs=$1 what=$2 i
    shift 2
    for i in $(seq $((secs * 5))); do
        "$@" >/dev/null 2>&1 && return 0
        sleep 0.2
    done
    echo "cluster/slurm.sh: $what did not happen within ${secs} s" >&2
    return 1
}

node_idle() { [ "$(sinfo -h -N -o %T 2>/dev/null)" = idle ]; }

up() {
    install_packages
    [ "$(id -u)" -eq 0 ] || die "up needs root (SlurmUser=root; munged and slurmd run as root here)"
    if [ -e "$dir" ] && [ -n "$(ls -A "$dir")" ]; then die "$dir is not empty: use a fresh directory"; fi
    local memory=${R2P_SLURM_MEMORY:-auto}
    case $memory in
        auto) if cgroup_v1_usable; then memory=cgroup; else memory=sampling; fi ;;
        cgroup) cgroup_v1_usable || die "R2P_SLURM_MEMORY=cgroup, but the cgroup v1 controllers ${CGROUP_CONTROLLERS[*]} are not mounted read-write under $CGROUP_ROOT" ;;
        sampling) ;;
        *) die "R2P_SLURM_MEMORY must be cgroup or sampling (or unset), not '$memory'" ;;
    esac
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    mkdir -p "$dir"/{run,log,state,spool,munge,bin}
    # munged's socket: in a short directory of its own under /tmp (munged refuses a socket whose
    # directories others cannot enter, and a socket path is limited to 107 characters); `down`
    # removes it
    local sockdir
    sockdir=$(mktemp -d /tmp/r2p-munge.XXXXXX)
    chmod 755 "$sockdir"
    echo "$sockdir" > "$dir/run/munge-socket-dir"
    head -c 1024 /dev/urandom > "$dir/munge/munge.key"
    chmod 400 "$dir/munge/munge.key"

    local cpus mem_mb ctld_port d_port
    cpus=$(nproc)
    mem_mb=$(awk '/^MemTotal:/ { printf "%d", $2 / 1024 * 0.9 }' /proc/meminfo)  # more than the machine has: node DRAIN
    ctld_port=$(free_port)
    d_port=$(free_port)
    local node="r2p$ctld_port"
    echo "$memory" > "$dir/run/memory"
    [ $memory = cgroup ] && echo "$node" > "$dir/run/nodename"
    local enforcement
    if [ $memory = cgroup ]; then
        enforcement="# memory enforced by the kernel: each job in a memory cgroup of its --mem (cgroup.conf beside this
# file); over it, the kernel's OOM killer (job or step state OUT_OF_MEMORY, see cluster/slurm.sh)
ProctrackType=proctrack/cgroup
TaskPlugin=task/cgroup
JobAcctGatherType=jobacct_gather/cgroup
JobAcctGatherFrequency=task=1"
        cat > "$dir/cgroup.conf" <<CG
# written by cluster/slurm.sh: cgroup v1, the controllers mounted already (nothing is mounted)
CgroupPlugin=cgroup/v1
CgroupMountpoint=$CGROUP_ROOT
CgroupAutomount=no
ConstrainRAMSpace=yes
AllowedRAMSpace=100
ConstrainSwapSpace=yes
AllowedSwapSpace=0
CG
    else
        enforcement="# memory enforcement without cgroups: sample each task every second, kill a step over its --mem
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/linux
JobAcctGatherFrequency=task=1
JobAcctGatherParams=OverMemoryKill"
    fi
    cat > "$dir/slurm.conf" <<CONF
# written by cluster/slurm.sh: a one-node test cluster, everything under $dir
ClusterName=r2ptest
SlurmctldHost=localhost
SlurmctldPort=$ctld_port
SlurmdPort=$d_port
AuthType=auth/munge
AuthInfo=socket=$sockdir/munge.socket
CredType=cred/munge
SlurmUser=root
SlurmdUser=root
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool/slurmd-%n
SlurmctldPidFile=$dir/run/slurmctld.pid
SlurmdPidFile=$dir/run/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
$enforcement
AccountingStorageType=accounting_storage/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
ReturnToService=2
MailProg=/bin/true
# finished jobs stay visible to squeue (the profile's job status) for 5 minutes
MinJobAge=300
NodeName=$node NodeHostname=localhost NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem_mb State=UNKNOWN
PartitionName=debug Nodes=$node Default=YES MaxTime=INFINITE State=UP
CONF
    # the plugin's job step calls srun with the SLURM_* variables removed, so srun would not find
    # this private configuration: a wrapper first on PATH sets it again
    cat > "$dir/bin/srun" <<WRAP
#!/bin/sh
export SLURM_CONF=$dir/slurm.conf
exec /usr/bin/srun "\$@"
WRAP
    chmod 755 "$dir/bin/srun"
    cat > "$dir/env" <<ENV
export SLURM_CONF=$dir/slurm.conf
export PATH=$dir/bin:\$PATH
ENV
    export SLURM_CONF="$dir/slurm.conf"

    local ok=1
    /usr/sbin/munged -S "$sockdir/munge.socket" --key-file "$dir/munge/munge.key" \
        --pid-file "$dir/run/munged.pid" --log-file "$dir/log/munged.log" --seed-file "$dir/munge/munge.seed" \
        && wait_for 10 "munged's socket" test -S "$sockdir/munge.socket" \
        && /usr/sbin/slurmctld \
        && wait_for 30 "slurmctld answering (scontrol ping)" sh -c 'scontrol ping | grep -q UP' \
        && /usr/sbin/slurmd -N "$node" \
        && wait_for 30 "node idle (sinfo)" node_idle \
        || ok=0
    if [ $ok = 0 ]; then
        echo "cluster/slurm.sh: the Slurm cluster did not come up; the daemons' logs:" >&2
        logs
        sinfo -N -l >&2 2>&1 || true
        down
        exit 1
    fi
    echo "Slurm up in $dir (node $node, partition debug, $cpus CPUs, ${mem_mb} MB, memory enforced by $memory); source $dir/env" >&2
}

case $cmd in
    up) up ;;
    down) down ;;
    logs) logs ;;
    *) die "unknown command $cmd (up, down or logs)" ;;
esac

#!/usr/bin/env bash
# CI step (.ci/run): the workflow through the Slurm profile on a one-node test cluster, compared
# byte for byte with a local `snakemake -c2` build of the same targets.
#
#   cluster/ci.sh            # as root on Debian (installs slurmctld slurmd slurm-client munge if missing)
#
# Both builds start from clean copies of this checkout (tracked and untracked files, nothing the
# .gitignore ignores: no data, results or reports), so what the test suite built does not count.
# Targets: `data`, `claims`, then three briefs (the first three slugs of the brief manifest).
# Fails, with the daemons' logs, when the cluster does not come up or a Slurm job fails; fails
# when any output differs or exists in one build only. The daemons are stopped however it ends.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
start=$(date +%s)
work=$(mktemp -d "${TMPDIR:-/tmp}/r2p-slurm-ci.XXXXXX")
cleanup() {
    rc=$?
    cluster/slurm.sh down "$work/cluster" || true
    if [ $rc -ne 0 ]; then
        echo "Slurm CI step failed (exit $rc); the daemons' logs:" >&2
        cluster/slurm.sh logs "$work/cluster" || true
        for f in "$work"/slurm/.snakemake/slurm_logs/*/*.log; do
            [ -f "$f" ] && { echo "===== $f =====" >&2; tail -n 40 "$f" >&2; }
        done
    fi
    rm -rf "$work"
    echo "Slurm CI step: $(( $(date +%s) - start )) s, exit $rc" >&2
    exit $rc
}
trap cleanup EXIT

python3 -c 'import snakemake_executor_plugin_slurm' 2>/dev/null || python3 -m pip install -q 'snakemake-executor-plugin-slurm>=2.8,<3'  # the extra `cluster` of pyproject.toml
# memory enforced by sampling, as when this step was verified, unless R2P_SLURM_MEMORY says
# otherwise: under cgroup enforcement a job's memory also holds the plugin's two Snakemake
# processes (about 230-380 MB), which the mem_mb of config/resources.yaml (the rules' own
# commands, from their benchmark files) does not yet allow for; R2P_SLURM_MEMORY=cgroup tries it
R2P_SLURM_MEMORY=${R2P_SLURM_MEMORY:-sampling} cluster/slurm.sh up "$work/cluster"
# shellcheck disable=SC1091
. "$work/cluster/env"

copy() {  # a clean copy of the checkout: tracked and untracked files, nothing ignored
    mkdir -p "$1"
    git ls-files -z --cached --others --exclude-standard | while IFS= read -r -d '' f; do
        [ -e "$f" ] && printf '%s\0' "$f"
    done | tar --null -T - -cf - | tar -xf - -C "$1"
}
copy "$work/slurm"
copy "$work/local"

slurm() {  # the plugin ignores SIGTERM when it hangs: a hard limit
    (cd "$work/slurm" && timeout -s KILL 2400 snakemake --profile profiles/slurm "$@")
}
local_c2() {
    (cd "$work/local" && timeout -s KILL 2400 nice -n 10 snakemake -c2 "$@")
}

t=$(date +%s)
slurm data claims results/brief-slugs.json
slugs=$(python3 -c 'import json, sys; print(" ".join(json.load(open(sys.argv[1]))["slugs"][:3]))' \
    "$work/slurm/results/brief-slugs.json")
briefs=$(for s in $slugs; do printf 'reports/_output/briefs/%s.html reports/_output/briefs/%s.pdf ' "$s" "$s"; done)
# shellcheck disable=SC2086
slurm $briefs
echo "through Slurm: $(( $(date +%s) - t )) s" >&2

t=$(date +%s)
local_c2 data claims results/brief-slugs.json
# shellcheck disable=SC2086
local_c2 $briefs
echo "local -c2: $(( $(date +%s) - t )) s" >&2

# every output of either build, compared byte for byte
outputs() { (cd "$1" && find data/raw data/processed results reports/_output -type f ! -name '.*' 2>/dev/null | LC_ALL=C sort); }
diff <(outputs "$work/slurm") <(outputs "$work/local") || { echo "the two builds made different sets of files" >&2; exit 1; }
n=0
bad=0
while IFS= read -r f; do
    n=$((n + 1))
    cmp -s "$work/slurm/$f" "$work/local/$f" || { echo "differs: $f" >&2; bad=$((bad + 1)); }
done < <(outputs "$work/slurm")
[ "$bad" -eq 0 ] || { echo "$bad of $n outputs differ between the Slurm and the local build" >&2; exit 1; }
[ "$n" -gt 100 ] || { echo "only $n outputs: the builds did not run" >&2; exit 1; }
echo "Slurm profile: $n outputs (data, claims, 3 briefs) byte-identical to the local -c2 build" >&2

# Acquisition: data/raw/<source>/<file> from data/raw itself, the mirror, or the pinned URL;
# always verified by size and sha256 (analysis/sources.py).


# on a cluster (profiles/slurm) fetching runs where Snakemake runs: compute nodes often have no
# network access, and a copy with its checksum is no work for a queue
localrules:
    fetch,


rule fetch:
    output:
        "data/raw/{source}/{file}",
    log:
        "logs/fetch/{source}/{file}.log",
    benchmark:
        "benchmarks/fetch/{source}/{file}.tsv"
    wildcard_constraints:
        source="|".join(re.escape(s) for s in SOURCES),
        file="[^/]+",
    conda:
        "../envs/r2p.yaml"
    threads: threads_of("fetch")
    resources:
        mem_mb=mem_of("fetch"),
        runtime=runtime_of("fetch"),
    params:
        sha256=lambda w: SOURCES[w.source].file(w.file).sha256,
        mirror=mirror_arg(),
        download="" if config.get("allow_download", True) else "--no-download",
        raw=lambda w, output: Path(output[0]).parents[1],
    shell:
        "python -m analysis --log {log:q} fetch {wildcards.source:q} {wildcards.file:q}"
        " --raw {params.raw} {params.mirror} {params.download}"


rule raw:
    input:
        [raw_path(f.relpath) for s in SOURCES.values() for f in s.files],

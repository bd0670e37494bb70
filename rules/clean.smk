# Cleaning: one cleaned, pandera-validated Parquet table per `Table` in analysis/clean/*.py.


rule clean:
    input:
        raw=lambda w: [raw_path(s) for s in TABLES[w.table].sources],
        # the modules of the cleaned tables it reads too (the crosswalk's holds the Mapper's alias tables)
        code=lambda w: with_crosswalk_data(
            list(
                dict.fromkeys(
                    [_clean.table_module(w.table), "analysis/clean/base.py"]
                    + [_clean.table_module(t) for t in TABLES[w.table].tables]
                    + list(TABLES[w.table].code_deps)
                )
            )
        ),
        tables=lambda w: [f"{PROCESSED}/{t}.parquet" for t in TABLES[w.table].tables],
        # the source registry: checksums of the raw files, and the years the table covers
        registry=["config/sources.yaml", "config/schemas/sources.schema.json"],
    output:
        "data/processed/{table}.parquet",
    log:
        "logs/clean/{table}.log",
    benchmark:
        "benchmarks/clean/{table}.tsv"
    wildcard_constraints:
        table="|".join(TABLES),
    conda:
        "../envs/r2p.yaml"
    threads: threads_of("clean")
    resources:
        mem_mb=mem_of("clean"),
        runtime=runtime_of("clean"),
    params:
        raw=lambda w, input: Path(input.raw[0]).parents[1],
        out=lambda w, output: Path(output[0]).parent,
    shell:
        "python -m analysis --log {log:q} clean {wildcards.table} --raw {params.raw} --out {params.out}"

# Figures, brief data and the Quarto reports (rendered with `quarto` when on PATH,
# else the built-in engine in analysis/render.py).


rule figures:
    input:
        tables=[
            f"{PROCESSED}/hmi_cases.parquet",
            f"{PROCESSED}/country_year.parquet",
            f"{PROCESSED}/unsc_vetoes_by_member.parquet",
            f"{PROCESSED}/crosswalk.parquet",
            f"{PROCESSED}/polity5.parquet",
        ],
        claims=rules.claims_summary.output,
        code=["analysis/charts.py", "analysis/figures.py"],
    output:
        index="results/figures/index.json",
    params:
        processed=lambda w, input: Path(input.tables[0]).parent,
        claims=lambda w, input: Path(input.claims[0]).parent,
        out=lambda w, output: Path(output.index).parent,
    conda:
        "../envs/r2p.yaml"
    log:
        "logs/reports/figures.log",
    shell:
        "python -m analysis --log {log:q} figures --processed {params.processed:q}"
        " --claims {params.claims:q} --out {params.out:q}"


checkpoint briefs_data:
    input:
        tables=[
            f"{PROCESSED}/hmi_cases.parquet",
            f"{PROCESSED}/country_year.parquet",
            f"{PROCESSED}/ucdp_onesided.parquet",
            f"{PROCESSED}/crosswalk.parquet",
            f"{PROCESSED}/polity5.parquet",
        ],
        code="analysis/briefs.py",
    output:
        briefs=directory("results/briefs"),
        conditions="results/conditions.json",
    params:
        processed=lambda w, input: Path(input.tables[0]).parent,
        out=lambda w, output: Path(output.conditions).parent,
    conda:
        "../envs/r2p.yaml"
    log:
        "logs/reports/briefs_data.log",
    shell:
        "python -m analysis --log {log:q} briefs-data --processed {params.processed:q} --out {params.out:q}"

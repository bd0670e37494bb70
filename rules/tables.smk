# Analysis tables built from the cleaned tables (the contract the claims and reports rely on).

from analysis.checklist import INPUT_TABLES as CHECKLIST_TABLES
from analysis.panel import INPUT_TABLES as PANEL_TABLES

PANEL_INPUTS = [f"{PROCESSED}/{t}.parquet" for t in PANEL_TABLES]


rule country_year:
    input:
        tables=PANEL_INPUTS,
        code=["analysis/panel.py", *CROSSWALK_CODE],
        # the sources' coverage (the years each merge fills)
        registry=["config/sources.yaml", "config/schemas/sources.schema.json"],
    output:
        panel=f"{PROCESSED}/country_year.parquet",
        report=report(
            f"{PROCESSED}/crosswalk_report.csv",
            caption="../report/crosswalk_report.rst",
            category="Data",
            subcategory="Processed data",
            labels={"file": "crosswalk_report.csv"},
        ),
    log:
        "logs/tables/country_year.log",
    benchmark:
        "benchmarks/country_year.tsv"
    conda:
        "../envs/r2p.yaml"
    threads: threads_of("country_year")
    resources:
        mem_mb=mem_of("country_year"),
        runtime=runtime_of("country_year"),
    params:
        processed=lambda w, input: Path(input.tables[0]).parent,
        first=config["panel"]["first_year"],
        last=config["panel"]["last_year"],
    shell:
        "python -m analysis --log {log:q} panel --processed {params.processed}"
        " --first-year {params.first} --last-year {params.last}"
        " --output {output.panel:q} --report {output.report:q}"


rule hmi_release_diff:
    input:
        cases=f"{PROCESSED}/hmi_cases.parquet",
        code="analysis/clean/prif.py",
    output:
        report(
            f"{PROCESSED}/hmi_release_diff.csv",
            caption="../report/hmi_release_diff.rst",
            category="Data",
            subcategory="Processed data",
            labels={"file": "hmi_release_diff.csv"},
        ),
    log:
        "logs/tables/hmi_release_diff.log",
    benchmark:
        "benchmarks/hmi_release_diff.tsv"
    conda:
        "../envs/r2p.yaml"
    threads: threads_of("hmi_release_diff")
    resources:
        mem_mb=mem_of("hmi_release_diff"),
        runtime=runtime_of("hmi_release_diff"),
    shell:
        "python -m analysis --log {log:q} release-diff --cases {input.cases:q} --output {output:q}"


rule unsc_coding_validation:
    input:
        coded=f"{PROCESSED}/unsc_resolutions_coded.parquet",
        sample="config/coding/unsc_hand_coded_sample.csv",
        holdout="config/coding/unsc_holdout_sample.csv",
        code="analysis/clean/unsc_coding.py",
    output:
        report(
            f"{PROCESSED}/unsc_coding_validation.csv",
            caption="../report/unsc_coding_validation.rst",
            category="Data",
            subcategory="Processed data",
            labels={"file": "unsc_coding_validation.csv"},
        ),
    log:
        "logs/tables/unsc_coding_validation.log",
    benchmark:
        "benchmarks/unsc_coding_validation.tsv"
    conda:
        "../envs/r2p.yaml"
    threads: threads_of("unsc_coding_validation")
    resources:
        mem_mb=mem_of("unsc_coding_validation"),
        runtime=runtime_of("unsc_coding_validation"),
    shell:
        "python -m analysis --log {log:q} unsc-validate --coded {input.coded:q} --sample {input.sample:q}"
        " --holdout {input.holdout:q} --output {output:q}"


rule conditions_checklist:
    # Brozus's five conditions per intervention (analysis/checklist.py; rules in config/coding/conditions.yaml)
    input:
        tables=[f"{PROCESSED}/{t}.parquet" for t in CHECKLIST_TABLES],
        rules=["config/coding/conditions.yaml", "config/schemas/conditions.schema.json"],
        code=[
            "analysis/checklist.py",
            "analysis/schemas.py",
            "analysis/oda.py",
            "analysis/claims/conditions.py",
            "analysis/panel.py",
            *CROSSWALK_CODE,
        ],
    output:
        f"{PROCESSED}/conditions_checklist.parquet",
    log:
        "logs/tables/conditions_checklist.log",
    benchmark:
        "benchmarks/conditions_checklist.tsv"
    conda:
        "../envs/r2p.yaml"
    threads: threads_of("conditions_checklist")
    resources:
        mem_mb=mem_of("conditions_checklist"),
        runtime=runtime_of("conditions_checklist"),
    params:
        processed=lambda w, input: Path(input.tables[0]).parent,
    shell:
        "python -m analysis --log {log:q} conditions-checklist --processed {params.processed:q}"
        " --rules {input.rules[0]:q} --output {output:q}"


rule datapackage:
    input:
        tables=[f"{PROCESSED}/{t}.parquet" for t in TABLES],
        derived=rules.country_year.output
        + rules.hmi_release_diff.output
        + rules.unsc_coding_validation.output
        + rules.conditions_checklist.output,
        raw=sorted({raw_path(s) for t in TABLES.values() for s in t.sources}),
        # panel.py: the panel columns described and its universe; crosswalk.py: the microstates left out
        code=["analysis/datapackage.py", "analysis/panel.py", *CROSSWALK_CODE, "analysis/sources.py"],
        # the registry: raw checksums, and the years the tables' range checks (constraints) take
        registry=["config/sources.yaml", "config/schemas/sources.schema.json"],
    output:
        report(
            f"{PROCESSED}/datapackage.json",
            caption="../report/datapackage.rst",
            category="Data",
            subcategory="Processed data",
            labels={"file": "datapackage.json"},
        ),
    log:
        "logs/tables/datapackage.log",
    benchmark:
        "benchmarks/datapackage.tsv"
    conda:
        "../envs/r2p.yaml"
    threads: threads_of("datapackage")
    resources:
        mem_mb=mem_of("datapackage"),
        runtime=runtime_of("datapackage"),
    params:
        processed=lambda w, input: Path(input.tables[0]).parent,
        raw=lambda w, input: Path(input.raw[0]).parents[1],
    shell:
        "python -m analysis --log {log:q} datapackage --processed {params.processed} --raw {params.raw:q} --output {output:q}"


rule data:
    # every file of the stage is a target, so a deleted one is rebuilt even when the
    # files made from it are up to date
    input:
        rules.datapackage.output,
        rules.datapackage.input.tables,
        rules.datapackage.input.derived,

# Figures, brief data and the Quarto reports (rendered with `quarto` when on PATH,
# else the built-in engine in analysis/render/). Outputs marked report() make up
# `snakemake --report report.zip` (captions in report/; figure_report in common.smk).


rule figures_data:
    input:
        tables=[
            f"{PROCESSED}/hmi_cases.parquet",
            f"{PROCESSED}/country_year.parquet",
            f"{PROCESSED}/unsc_vetoes_by_member.parquet",
            f"{PROCESSED}/crosswalk.parquet",
            f"{PROCESSED}/polity5.parquet",
            # the LB2 consensus chart joins them as the claim does (analysis/claims/council.py)
            f"{PROCESSED}/unsc_resolutions_coded.parquet",
            f"{PROCESSED}/unsc_outcomes.parquet",
        ],
        code=["analysis/charts.py", "analysis/figures.py", "analysis/claims/council.py"],
    output:
        index="results/figures/index-data.json",
        charts=[figure_report(n, n, "From the processed tables", {"chart": n}) for n in DATA_FIGURES],
        # one fatalities chart per intervention (written as a set, replacing the old one)
        briefs=report(
            directory("results/figures/briefs"),
            patterns=["{slug}.svg"],
            caption="../report/figures/case_fatalities.rst",
            category="Figures",
            subcategory="Per intervention",
            labels={"intervention": "{slug}"},
        ),
    log:
        "logs/reports/figures_data.log",
    benchmark:
        "benchmarks/figures_data.tsv"
    priority: 10
    conda:
        "../envs/r2p.yaml"
    threads: threads_of("figures_data")
    resources:
        mem_mb=mem_of("figures_data"),
        runtime=runtime_of("figures_data"),
    params:
        processed=lambda w, input: Path(input.tables[0]).parent,
        out=lambda w, output: Path(output.index).parent,
    shell:
        "python -m analysis --log {log:q} figures data --processed {params.processed:q} --out {params.out:q}"


rule figures_claims:
    input:
        claims=rules.claims_summary.output,
        results=rules.claims_summary.input.results,  # each claim's JSON is read
        code=["analysis/charts.py", "analysis/figures.py"],
    output:
        index="results/figures/index-claims.json",
        charts=[figure_report(n, n, "From the claims' results", {"chart": n}) for n in CLAIM_FIGURES],
        curves=[figure_report(f"spec_curve_{c}", "spec_curve", "Specification curves", {"claim": c}) for c in CLAIMS],
    log:
        "logs/reports/figures_claims.log",
    benchmark:
        "benchmarks/figures_claims.tsv"
    priority: 5
    conda:
        "../envs/r2p.yaml"
    threads: threads_of("figures_claims")
    resources:
        mem_mb=mem_of("figures_claims"),
        runtime=runtime_of("figures_claims"),
    params:
        claims=lambda w, input: Path(input.claims[0]).parent,
        out=lambda w, output: Path(output.index).parent,
    shell:
        "python -m analysis --log {log:q} figures claims --claims {params.claims:q} --out {params.out:q}"


checkpoint briefs_data:
    # a checkpoint: the set of briefs (one per intervention) is known once the data are read
    input:
        tables=[
            f"{PROCESSED}/hmi_cases.parquet",
            f"{PROCESSED}/country_year.parquet",
            f"{PROCESSED}/ucdp_onesided.parquet",
            f"{PROCESSED}/crosswalk.parquet",
            f"{PROCESSED}/polity5.parquet",
            f"{PROCESSED}/conditions_checklist.parquet",
        ],
        # the checklist's rules and notes (shown in the paper and the appendix)
        rules=["config/coding/conditions.yaml", "config/schemas/conditions.schema.json"],
        code=["analysis/briefs.py", "analysis/checklist.py"],
    output:
        briefs=directory("results/briefs"),
        conditions="results/conditions.json",
        slugs="results/brief-slugs.json",
    log:
        "logs/reports/briefs_data.log",
    benchmark:
        "benchmarks/briefs_data.tsv"
    priority: 10
    conda:
        "../envs/r2p.yaml"
    threads: threads_of("briefs_data")
    resources:
        mem_mb=mem_of("briefs_data"),
        runtime=runtime_of("briefs_data"),
    params:
        processed=lambda w, input: Path(input.tables[0]).parent,
        out=lambda w, output: Path(output.conditions).parent,
    shell:
        "python -m analysis --log {log:q} briefs-data --processed {params.processed:q} --out {params.out:q}"


REPORT_INPUTS = {
    "qmd": "reports/{doc}.qmd",
    # the documents' "About this document" block reads the source registry and CITATION.cff
    # (the appendix's source table reads the registry too)
    "config": ["reports/_quarto.yml", "reports/references.bib", "config/sources.yaml", "CITATION.cff"],
    "extension": [
        "reports/_extensions/policybrief/_extension.yml",
        "reports/_extensions/policybrief/typst-template.typ",
        "reports/_extensions/policybrief/typst-show.typ",
        "reports/_extensions/policybrief/policybrief.css",
        "reports/_extensions/policybrief/policybrief.csl",
        *sorted(str(p) for p in Path("reports/_extensions/policybrief/fonts").iterdir()),
    ],
    "code": [
        *sorted(str(p) for p in Path("analysis/render").rglob("*") if p.is_file() and "__pycache__" not in p.parts),
        "analysis/reporting.py",
    ],
}


rule report:
    input:
        **REPORT_INPUTS,
        claims=rules.claims_summary.output,
        results=rules.claims_summary.input.results,  # analysis/reporting.py reads each claim's JSON
        figures=[rules.figures_data.output.index, rules.figures_claims.output.index],
        conditions="results/conditions.json",
        tables=[f"{PROCESSED}/hmi_release_diff.csv", f"{PROCESSED}/crosswalk_report.csv"],
        # the panel's universe as the data package states it (the appendix's crosswalk section)
        universe=f"{PROCESSED}/datapackage.json",
        # the appendix's coding rules of the five conditions (analysis/checklist.py reads them)
        checklist=[
            f"{PROCESSED}/conditions_checklist.parquet",
            "config/coding/conditions.yaml",
            "config/schemas/conditions.schema.json",
            "analysis/checklist.py",
        ],
        # the appendix's Security Council section (coding, validation, joins): analysis/council_report.py
        council=[
            f"{PROCESSED}/unsc_coding_validation.csv",
            f"{PROCESSED}/unsc_outcomes.parquet",
            f"{PROCESSED}/unsc_meetings_join_report.parquet",
            "config/coding/unsc_hand_coded_sample.csv",
            "config/coding/unsc_holdout_sample.csv",
            "analysis/council_report.py",
        ],
        replication="analysis/replication_report.py",  # the appendix's replication table (RP1-RP3)
        # the appendix's evidence pages: the registry entries as written, the tables' lineage
        evidence=["analysis/evidence.py", "analysis/trace.py", "config/claims.yaml"],
    output:
        html=report(
            "reports/_output/{doc}.html",
            caption="../report/document.rst",
            category="Documents",
            subcategory="Papers",
            labels={"document": "{doc}", "format": "HTML"},
        ),
        pdf=report(
            "reports/_output/{doc}.pdf",
            caption="../report/document.rst",
            category="Documents",
            subcategory="Papers",
            labels={"document": "{doc}", "format": "PDF"},
        ),
    log:
        "logs/reports/{doc}.log",
    benchmark:
        "benchmarks/report/{doc}.tsv"
    wildcard_constraints:
        doc="policy-paper|appendix",
    priority: 5
    conda:
        "../envs/r2p.yaml"
    threads: threads_of("report")
    resources:
        mem_mb=mem_of("report"),
        runtime=runtime_of("report"),
    params:
        out=lambda w, output: Path(output.html).parent,
    shell:
        "python -m analysis --log {log:q} render {input.qmd:q} --to html,pdf --out-dir {params.out:q} --execute-once"


rule briefs_execute:
    # every brief executed in ONE warm kernel; outputs frozen for the per-brief jobs
    input:
        qmd="reports/brief.qmd",
        code=REPORT_INPUTS["code"],
        config=REPORT_INPUTS["config"],
        data=brief_data_files,
        figures=rules.figures_data.output.index,
    output:
        directory("results/briefs-executed"),
    log:
        "logs/reports/briefs_execute.log",
    benchmark:
        "benchmarks/briefs_execute.tsv"
    priority: 10
    conda:
        "../envs/r2p.yaml"
    threads: threads_of("briefs_execute")
    resources:
        mem_mb=mem_of("briefs_execute"),
        runtime=runtime_of("briefs_execute"),
    params:
        data=lambda w, input: Path(input.data[0]).parent,
    shell:
        "python -m analysis --log {log:q} render {input.qmd:q} --each slug:@{params.data} --execute-only"
        " --freeze-dir {output:q}"


rule briefs_render:
    # every brief (HTML + PDF) converted from its frozen execution, in one job: with the
    # quarto CLI on PATH, Quarto renders them as executed notebooks in {threads} batches,
    # one `quarto render` per batch (its start-up, seconds, is paid per batch, not per
    # brief); else the built-in engine converts them in {threads} threads. Each brief's
    # title comes from its data.
    input:
        qmd="reports/brief.qmd",
        config=REPORT_INPUTS["config"],
        extension=REPORT_INPUTS["extension"],
        code=REPORT_INPUTS["code"],
        data=brief_data_files,
        frozen=rules.briefs_execute.output,
        figures=rules.figures_data.output.index,
    output:
        directory("results/briefs-rendered"),
    log:
        "logs/reports/briefs_render.log",
    benchmark:
        "benchmarks/briefs_render.tsv"
    priority: 5
    conda:
        "../envs/r2p.yaml"
    threads: threads_of("briefs_render")
    resources:
        mem_mb=mem_of("briefs_render"),
        runtime=runtime_of("briefs_render"),
    params:
        data=lambda w, input: Path(input.data[0]).parent,
    shell:
        "python -m analysis --log {log:q} render {input.qmd:q} --each slug:@{params.data:q} --from-frozen {input.frozen:q}"
        " --each-metadata title=title --to html,pdf --out-dir {output:q} --jobs {threads}"


rule brief:
    # one published brief: a copy of the rendered one (renamed into place whole)
    input:
        rules.briefs_render.output,
    output:
        html=report(
            "reports/_output/briefs/{slug}.html",
            caption="../report/brief.rst",
            category="Documents",
            subcategory="Intervention briefs",
            labels={"intervention": "{slug}", "format": "HTML"},
        ),
        pdf=report(
            "reports/_output/briefs/{slug}.pdf",
            caption="../report/brief.rst",
            category="Documents",
            subcategory="Intervention briefs",
            labels={"intervention": "{slug}", "format": "PDF"},
        ),
    log:
        "logs/reports/briefs/{slug}.log",
    benchmark:
        "benchmarks/brief/{slug}.tsv"
    wildcard_constraints:
        slug="[a-z0-9]+(?:-[a-z0-9]+)*",
    conda:
        "../envs/r2p.yaml"
    threads: threads_of("brief")
    resources:
        mem_mb=mem_of("brief"),
        runtime=runtime_of("brief"),
    shell:
        "for f in {output:q}; do t=$(dirname $f)/.$(basename $f).$$.tmp; cp {input:q}/$(basename $f) $t && mv $t $f;"
        " done 2> {log:q}"


rule briefs_index:
    # the published set: lists the briefs of the current interventions and removes any
    # other brief from reports/_output/briefs/ (e.g. of an intervention whose slug changed);
    # it reruns whenever the set of briefs changes
    input:
        brief_outputs,
    output:
        "reports/_output/briefs/index.json",
    log:
        "logs/reports/briefs_index.log",
    benchmark:
        "benchmarks/briefs_index.tsv"
    conda:
        "../envs/r2p.yaml"
    threads: threads_of("briefs_index")
    resources:
        mem_mb=mem_of("briefs_index"),
        runtime=runtime_of("briefs_index"),
    shell:
        "python -m analysis --log {log:q} publish-index {output:q} {input:q}"


rule briefs:
    input:
        rules.briefs_index.output,
        brief_outputs,


rule reports:
    input:
        expand("reports/_output/{doc}.{ext}", doc=["policy-paper", "appendix"], ext=["html", "pdf"]),
        rules.briefs_index.output,
        brief_outputs,  # targets themselves: a deleted brief is rebuilt though the index is current
        # intermediate files are targets too: a deleted one is rebuilt
        rules.figures_data.output,
        rules.figures_claims.output,
        "results/conditions.json",
        rules.briefs_execute.output,
        rules.briefs_render.output,

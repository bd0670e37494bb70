# Claims: one result per registry entry; a change to an entry reruns that claim only
# (its canonical JSON is a param). Decision rules live in config/claims.yaml.


rule claim:
    input:
        unpack(claim_inputs),
    output:
        result="results/claims/{claim}.json",
        curve="results/claims/curves/{claim}.parquet",
    log:
        "logs/claims/{claim}.log",
    benchmark:
        "benchmarks/claim/{claim}.tsv"
    wildcard_constraints:
        claim="|".join(CLAIMS),
    priority: 5
    conda:
        "../envs/r2p.yaml"
    threads: threads_of("claim")
    resources:
        mem_mb=mem_of("claim"),
        runtime=runtime_of("claim"),
    params:
        entry=lambda w: CLAIMS[w.claim].fingerprint(),
        registry=config.get("claims", "config/claims.yaml"),
        processed=lambda w, input: Path(input.tables[0]).parent,
        out=lambda w, output: Path(output.result).parent,
    shell:
        "python -m analysis --log {log:q} claim {wildcards.claim} --processed {params.processed:q} --out {params.out:q} --registry {params.registry:q}"


rule claims_summary:
    input:
        results=expand("results/claims/{claim}.json", claim=CLAIMS),
        curves=expand("results/claims/curves/{claim}.parquet", claim=CLAIMS),
        registry=config.get("claims", "config/claims.yaml"),
    output:
        verdicts="results/claims/verdicts.csv",
        curve="results/claims/spec_curve.parquet",
        findings="results/claims/findings.json",
    log:
        "logs/claims/summary.log",
    benchmark:
        "benchmarks/claims_summary.tsv"
    priority: 5
    conda:
        "../envs/r2p.yaml"
    threads: threads_of("claims_summary")
    resources:
        mem_mb=mem_of("claims_summary"),
        runtime=runtime_of("claims_summary"),
    params:
        out=lambda w, output: Path(output.verdicts).parent,
        ids=list(CLAIMS),
    shell:
        "python -m analysis --log {log:q} claims-summary {params.ids} --out {params.out:q} --registry {input.registry:q}"


rule claims:
    # the per-claim results are targets too: a deleted one is rebuilt (its readers are
    # the summary, the claim figures and the reports)
    input:
        rules.claims_summary.output,
        rules.claims_summary.input,

# r2p-evidence: do the empirical claims behind the R2P debate hold up?
#
#   snakemake -c2          everything (the default target `all`)
#   snakemake -c2 data     verified sources -> cleaned tables -> analysis tables
#   snakemake -c2 claims   every claim in config/claims.yaml tested, verdicts.csv
#   snakemake -c2 reports  policy paper, technical appendix and briefs (HTML and PDF)
#
# Each stage reads only the stage before it; the logic lives in the `analysis`
# package, the rules below only say what depends on what.

from snakemake.utils import min_version, validate

min_version("9.0")


configfile: "config/config.yaml"


report: "report/workflow.rst"  # `snakemake --report report.zip`: the outputs marked report() in rules/


try:  # a configuration that breaks its schema: the message, exit status 2, no traceback
    validate(config, "config/schemas/config.schema.json")
except Exception as e:
    from snakemake.logging import logger

    logger.error(f"Error: config/config.yaml does not match config/schemas/config.schema.json: {e}")
    raise SystemExit(2)


include: "rules/common.smk"
include: "rules/fetch.smk"  # data/raw/<source>/<file>, verified by sha256
include: "rules/clean.smk"  # data/processed/<table>.parquet, one per cleaned table
include: "rules/tables.smk"  # country_year, hmi_release_diff, crosswalk report, datapackage
include: "rules/claims.smk"  # results/claims/<id>.json, verdicts.csv, spec_curve.parquet
include: "rules/reports.smk"  # figures, brief data, reports/_output/*.html|pdf


rule all:
    default_target: True
    input:
        rules.data.input,
        rules.claims.input,
        rules.reports.input,

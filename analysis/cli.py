"""The `r2p` command line (also `python -m analysis`). Snakemake rules call it.

Every subcommand writes its messages to stderr (`-q` only warnings and errors, `-v` debug
messages too) and, with `--log FILE`, to a log file as well.

Exit codes: 0 done; 2 bad input or usage (a usage error prints the usage line; bad input,
`DataError`, a one-paragraph message naming source, file, column and row; nothing
half-written is left); 1 anything unexpected (a bug: the traceback is printed), and for
`r2p verify` a file that does not match its record and for `r2p trace --recompute` a
recomputation that differs from the result.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

from .errors import DataError
from .render import RenderError

log = logging.getLogger("r2p")


def _setup_logging(logfile: str | None, verbosity: int = 0) -> None:
    """Messages to stderr at the chosen verbosity (-1 quiet, 0 normal, 1 verbose); the log
    file, when given, always gets INFO and above."""
    console = logging.StreamHandler(sys.stderr)
    console.setLevel({-1: logging.WARNING, 0: logging.INFO}.get(verbosity, logging.DEBUG))
    handlers: list[logging.Handler] = [console]
    if logfile:
        Path(logfile).parent.mkdir(parents=True, exist_ok=True)
        f = logging.FileHandler(logfile, mode="w", encoding="utf-8")
        f.setLevel(logging.INFO)
        handlers.append(f)
    logging.basicConfig(
        level=logging.DEBUG if verbosity > 0 else logging.INFO,
        format="%(levelname)s %(name)s: %(message)s",
        handlers=handlers,
        force=True,
    )


def version() -> str:
    """The installed package's version, or pyproject's for a checkout that is not installed."""
    from importlib import metadata

    try:
        return metadata.version("r2p-evidence")
    except metadata.PackageNotFoundError:  # pragma: no cover - running from a bare checkout
        import tomllib

        from . import ROOT

        return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]


def cmd_fetch(args: argparse.Namespace) -> None:
    from .sources import all_files, fetch_file, load_registry, resolve_mirror

    reg = load_registry(args.registry)
    mirror = resolve_mirror(args.mirror)
    if args.source:
        src = reg.get(args.source)
        if src is None:
            raise DataError(f"unknown source id; known: {', '.join(reg)}", source=args.source)
        files = [src.file(args.file)] if args.file else list(src.files)
    else:
        files = all_files(reg)
    for f in files:
        fetch_file(f, args.raw, mirror, allow_download=not args.no_download, log=log.info)


def cmd_clean(args: argparse.Namespace) -> None:
    from . import clean

    path = clean.build_table(args.table, args.raw, args.out, verify=not args.no_verify)
    log.info("wrote %s", path)


def cmd_release_diff(args: argparse.Namespace) -> None:
    from .clean.prif import release_diff
    from .io import read_parquet, write_csv

    cases = read_parquet(args.cases)
    diff = release_diff(cases[cases.release == "0.3"], cases[cases.release == "2019"])
    write_csv(diff, args.output)
    log.info("wrote %s (%d differences)", args.output, len(diff))


def cmd_panel(args: argparse.Namespace) -> None:
    from .panel import build_panel_outputs

    first, last = args.first_year, args.last_year
    if first is None or last is None:  # the workflow's configuration says which years
        import yaml

        from . import ROOT

        panel = yaml.safe_load((ROOT / "config" / "config.yaml").read_text(encoding="utf-8"))["panel"]
        first = panel["first_year"] if first is None else first
        last = panel["last_year"] if last is None else last
    build_panel_outputs(Path(args.processed), first, last, Path(args.output), Path(args.report))


def cmd_datapackage(args: argparse.Namespace) -> None:
    from .datapackage import write_datapackage

    write_datapackage(Path(args.processed), Path(args.output), Path(args.raw))


def cmd_unsc_validate(args: argparse.Namespace) -> None:
    from .clean.unsc_coding import write_validation

    write_validation(args.coded, args.sample, args.output, args.holdout)
    log.info("wrote %s", args.output)


def cmd_conditions_checklist(args: argparse.Namespace) -> None:
    from .checklist import write_checklist

    df = write_checklist(Path(args.processed), Path(args.output), args.rules)
    log.info("wrote %s (%d interventions x 5 conditions)", args.output, df["case_id"].nunique())


def cmd_claim(args: argparse.Namespace) -> None:
    from .claims import load_claims, write_claim
    from .io import check_parquet

    claims = load_claims(args.registry)
    if args.claim_id not in claims:
        raise DataError(f"unknown claim id {args.claim_id!r}; known: {', '.join(claims)}", file=args.registry)
    for t in claims[args.claim_id].data["tables"]:  # a corrupt table is an error naming it
        check_parquet(Path(args.processed) / f"{t}.parquet")
    # the test may read only its declared inputs (analysis.claims.run.Data enforces it)
    write_claim(args.claim_id, args.processed, args.out, args.registry)
    log.info("wrote %s/%s.json", args.out, args.claim_id)


def cmd_claims_summary(args: argparse.Namespace) -> None:
    from .claims import load_claims, write_summary
    from .io import check_parquet, read_json

    ids = args.ids or list(load_claims(args.registry))
    for cid in ids:  # a missing or damaged result is an error naming it
        read_json(Path(args.out) / f"{cid}.json")
        check_parquet(Path(args.out) / "curves" / f"{cid}.parquet")
    write_summary(args.out, ids, args.registry)
    log.info("wrote %s/verdicts.csv, findings.json and spec_curve.parquet (%d claims)", args.out, len(ids))


def cmd_figures(args: argparse.Namespace) -> None:
    from .figures import build_claim_figures, build_data_figures

    if args.which == "data":
        index = build_data_figures(Path(args.processed), Path(args.out))
    else:
        from .claims import load_claims

        index = build_claim_figures(Path(args.claims), Path(args.out), list(load_claims(args.registry)))
    log.info("wrote %d figures to %s", len(index), args.out)


def cmd_briefs_data(args: argparse.Namespace) -> None:
    from .briefs import write_all

    slugs = write_all(Path(args.processed), Path(args.out))
    log.info("wrote %d briefs' data and conditions.json to %s", len(slugs), args.out)


def cmd_render(args: argparse.Namespace) -> None:
    import yaml

    from .render import execute_many, render, render_many

    def key_values(items: list[str], flag: str) -> dict:
        # like `quarto render -P key:value` / `-M key:value` (value read as YAML)
        out = {}
        for item in items:
            key, sep, value = item.partition(":")
            if not sep or not key:
                raise DataError(f"r2p render: {flag} expects KEY:VALUE, got {item!r}", file=args.doc)
            out[key] = yaml.safe_load(value)
        return out

    from .render import _normalise_to

    try:
        _normalise_to(args.to)
    except ValueError as e:
        raise DataError(f"r2p render --to {args.to}: {e}", file=args.doc) from None
    params = key_values(args.param, "-P")
    metadata = key_values(args.metadata, "-M")
    if args.execute_only and not args.freeze_dir:
        raise DataError("r2p render: --execute-only needs --freeze-dir", file=args.doc)
    if args.frozen and args.each:
        raise DataError("r2p render: --frozen names one record; it cannot be combined with --each", file=args.doc)
    if (args.from_frozen or args.each_metadata) and not args.each:
        raise DataError("r2p render: --from-frozen and --each-metadata go with --each", file=args.doc)
    if args.from_frozen and args.execute_only:
        raise DataError("r2p render: --from-frozen converts; it cannot be combined with --execute-only", file=args.doc)
    if args.each and metadata:
        raise DataError("r2p render: -M applies to one document; it cannot be combined with --each", file=args.doc)
    if args.each:  # KEY:V1,V2,... or KEY:@DIR (one render per *.json stem in DIR), one warm kernel
        key, _, values = args.each.partition(":")
        if values.startswith("@"):
            vals = sorted(p.name[: -len(".json")] for p in Path(values[1:]).glob("*.json"))
        else:
            vals = [v for v in values.split(",") if v]
        jobs = [(args.doc, {**params, key: v}, v) for v in vals]
        if args.from_frozen:  # every record converted, none executed; the directory as a whole
            from .io import atomic_dir
            from .render import md_escape, render_frozen_many

            if not args.out_dir:
                raise DataError("r2p render: --from-frozen needs --out-dir", file=args.doc)
            fields = []
            for item in args.each_metadata:
                k, sep, field = item.partition("=")
                if not sep or not k or not field:
                    raise DataError(f"r2p render: --each-metadata expects KEY=FIELD, got {item!r}", file=args.doc)
                fields.append((k, field))
            if fields and not values.startswith("@"):
                raise DataError("r2p render: --each-metadata needs --each KEY:@DIR", file=args.doc)

            def meta(v: str) -> dict:
                if not fields:
                    return {}
                src = Path(values[1:]) / f"{v}.json"
                try:
                    data = json.loads(src.read_text(encoding="utf-8"))
                except (OSError, ValueError) as e:
                    raise DataError(f"r2p render: cannot read {src}: {e}", file=src) from None
                missing = [f for _, f in fields if not isinstance(data, dict) or f not in data]
                if missing:
                    raise DataError(f"r2p render: {src} has no field {missing[0]!r}", file=src)
                return {k: md_escape(str(data[f])) for k, f in fields}

            frozen_jobs = [({**params, key: v}, v, meta(v), Path(args.from_frozen) / f"{v}.json") for v in vals]
            with atomic_dir(args.out_dir) as tmp:
                render_frozen_many(
                    args.doc, frozen_jobs, to=args.to, out_dir=tmp, engine=args.engine, workers=args.jobs
                )
            outs = [Path(args.out_dir) / p.name for p in sorted(Path(args.out_dir).iterdir())]
        elif args.execute_only:  # one warm kernel, outputs frozen for later conversion; the
            # records replace the directory as a whole once all are written (no partial set)
            from .io import atomic_dir

            with atomic_dir(args.freeze_dir) as tmp:
                execute_many(jobs, tmp)
            outs = [Path(args.freeze_dir) / f"{v}.json" for v in vals]
        else:
            outs = [p for ps in render_many(jobs, to=args.to, out_dir=args.out_dir, engine=args.engine) for p in ps]
    elif args.execute_only:
        outs = execute_many([(args.doc, params, args.output_name)], args.freeze_dir)
    else:
        outs = render(
            args.doc,
            to=args.to,
            out_dir=args.out_dir,
            params=params or None,
            engine=args.engine,
            output_name=args.output_name,
            metadata=metadata or None,
            frozen=args.frozen,
            execute_once=args.execute_once,
        )
    for p in outs:
        log.info("wrote %s", p)


def cmd_verify(args: argparse.Namespace) -> int:
    from .verify import verify

    problems, checked = verify(args.root, registry=args.registry)
    for m in problems:
        log.error("%s", m)
    if problems:
        log.error(
            "%d of %d checks failed; delete the files named and run `snakemake -c2` to rebuild them",
            len(problems),
            checked,
        )
        return 1
    log.info("all %d checks passed: raw files match the registry, outputs match their records", checked)
    return 0


def cmd_publish_index(args: argparse.Namespace) -> None:
    from .guard import publish_index

    removed = publish_index(Path(args.index), [Path(f) for f in args.files])
    for p in removed:
        log.info("removed %s (not in the current set)", p)
    log.info("wrote %s (%d files)", args.index, len(args.files))


def cmd_trace(args: argparse.Namespace) -> int:
    from .trace import format_list, list_uses, trace

    root = Path(args.root).resolve()
    if args.list:
        if args.target:
            raise DataError("r2p trace: give a claim or --list, not both")
        lines = format_list(list_uses(root))
    elif not args.target:
        raise DataError("r2p trace: name a claim result field (e.g. RC1.estimate), or --list")
    else:
        lines = trace(args.target, root, recompute=args.recompute)
    sys.stdout.write("\n".join(lines) + "\n")
    if args.recompute and not lines[-1].endswith("all equal"):
        log.error("the independent recomputation differs from the result (see above)")
        return 1
    return 0


def cmd_cite(args: argparse.Namespace) -> int:
    from .cite import cite

    sys.stdout.write(cite(args.target, Path(args.root).resolve()))
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="r2p",
        description=__doc__.splitlines()[0],
        epilog="Exit codes: 0 done; 2 bad input or usage; 1 anything unexpected.",
    )
    p.add_argument("--version", action="version", version=f"%(prog)s {version()}")
    p.add_argument("--log", help="also write messages to this file")
    loud = p.add_mutually_exclusive_group()
    loud.add_argument(
        "-q",
        "--quiet",
        action="store_const",
        const=-1,
        dest="verbosity",
        default=0,
        help="only warnings and errors on stderr",
    )
    loud.add_argument("-v", "--verbose", action="store_const", const=1, dest="verbosity", help="debug messages too")
    sub = p.add_subparsers(dest="cmd", required=True)

    f = sub.add_parser("fetch", help="fetch and verify raw files (mirror, then URL)")
    f.add_argument("source", nargs="?")
    f.add_argument("file", nargs="?")
    f.add_argument("--raw", default="data/raw")
    f.add_argument(
        "--mirror", default=None, help="mirror directory (default: R2P_DATA_MIRROR or ../shared/data-mirror)"
    )
    f.add_argument("--registry", default="config/sources.yaml")
    f.add_argument("--no-download", action="store_true")
    f.set_defaults(func=cmd_fetch)

    c = sub.add_parser("clean", help="build, validate and write one cleaned table")
    c.add_argument("table")
    c.add_argument("--raw", default="data/raw")
    c.add_argument("--out", default="data/processed")
    c.add_argument(
        "--no-verify",
        action="store_true",
        help="clean raw files that are not the registered versions (for testing a cleaner on edited files)",
    )
    c.set_defaults(func=cmd_clean)

    d = sub.add_parser("release-diff", help="differences between the PRIF HMI releases")
    d.add_argument("--cases", default="data/processed/hmi_cases.parquet")
    d.add_argument("--output", default="data/processed/hmi_release_diff.csv")
    d.set_defaults(func=cmd_release_diff)

    pn = sub.add_parser("panel", help="build the country-year panel and the crosswalk report")
    pn.add_argument("--processed", default="data/processed")
    pn.add_argument("--first-year", type=int, default=None, help="default: panel.first_year in config/config.yaml")
    pn.add_argument("--last-year", type=int, default=None, help="default: panel.last_year in config/config.yaml")
    pn.add_argument("--output", default="data/processed/country_year.parquet")
    pn.add_argument("--report", default="data/processed/crosswalk_report.csv")
    pn.set_defaults(func=cmd_panel)

    dp = sub.add_parser("datapackage", help="write the data package descriptor")
    dp.add_argument("--processed", default="data/processed")
    dp.add_argument("--output", default="data/processed/datapackage.json")
    dp.add_argument("--raw", default="data/raw", help="the raw files the tables were cleaned from")
    dp.set_defaults(func=cmd_datapackage)
    uv = sub.add_parser("unsc-validate", help="precision and recall of the resolution coding against the hand sample")
    uv.add_argument("--coded", default="data/processed/unsc_resolutions_coded.parquet")
    uv.add_argument("--sample", default="config/coding/unsc_hand_coded_sample.csv")
    uv.add_argument("--holdout", default="config/coding/unsc_holdout_sample.csv")
    uv.add_argument("--output", default="data/processed/unsc_coding_validation.csv")
    uv.set_defaults(func=cmd_unsc_validate)
    ck = sub.add_parser("conditions-checklist", help="Brozus's five conditions per intervention, coded from sources")
    ck.add_argument("--processed", default="data/processed")
    ck.add_argument("--rules", default="config/coding/conditions.yaml")
    ck.add_argument("--output", default="data/processed/conditions_checklist.parquet")
    ck.set_defaults(func=cmd_conditions_checklist)
    cl = sub.add_parser("claim", help="test one claim from config/claims.yaml")
    cl.add_argument("claim_id")
    cl.add_argument("--processed", default="data/processed")
    cl.add_argument("--out", default="results/claims")
    cl.add_argument("--registry", default="config/claims.yaml")
    cl.set_defaults(func=cmd_claim)

    cs = sub.add_parser("claims-summary", help="verdicts.csv and spec_curve.parquet from the claim results")
    cs.add_argument("ids", nargs="*")
    cs.add_argument("--out", default="results/claims")
    cs.add_argument("--registry", default="config/claims.yaml")
    cs.set_defaults(func=cmd_claims_summary)
    fg = sub.add_parser("figures", help="build report figures (Vega-Lite spec + SVG)")
    fg.add_argument("which", choices=["data", "claims"], help="figures from processed tables, or from claim results")
    fg.add_argument("--processed", default="data/processed")
    fg.add_argument("--claims", default="results/claims")
    fg.add_argument("--out", default="results/figures")
    fg.add_argument("--registry", default="config/claims.yaml")
    fg.set_defaults(func=cmd_figures)
    bd = sub.add_parser("briefs-data", help="per-intervention brief data and the five-conditions summary")
    bd.add_argument("--processed", default="data/processed")
    bd.add_argument("--out", default="results")
    bd.set_defaults(func=cmd_briefs_data)
    r = sub.add_parser("render", help="render a Quarto document to HTML and/or PDF (quarto if on PATH, else built-in)")
    r.add_argument("doc", help="the .qmd document")
    r.add_argument("--to", default="html,pdf", help="comma-separated: html, pdf (default: both)")
    r.add_argument("--out-dir", default=None, help="output directory (default: the document's directory)")
    r.add_argument(
        "-P", "--param", action="append", default=[], metavar="KEY:VALUE", help="document parameter (repeatable)"
    )
    r.add_argument(
        "-M",
        "--metadata",
        action="append",
        default=[],
        metavar="KEY:VALUE",
        help="document metadata over the front matter, e.g. -M 'title:\"A title\"' (repeatable)",
    )
    r.add_argument("--output-name", default=None, help="file stem of the outputs (default: the document's)")
    r.add_argument(
        "--each",
        default=None,
        metavar="KEY:V1,V2,...|KEY:@DIR",
        help="render once per value of KEY (outputs V1.*, V2.*); @DIR takes the *.json stems in DIR",
    )
    r.add_argument("--engine", choices=["auto", "quarto", "builtin"], default="auto")
    r.add_argument(
        "--execute-only",
        action="store_true",
        help="built-in engine: execute (one warm kernel for --each) and freeze the outputs, no conversion",
    )
    r.add_argument("--freeze-dir", default=None, help="where --execute-only writes <output name>.json records")
    r.add_argument(
        "--frozen",
        default=None,
        metavar="RECORD.json",
        help="convert a frozen execution instead of executing (quarto: as an executed notebook)",
    )
    r.add_argument(
        "--from-frozen",
        default=None,
        metavar="DIR",
        help="with --each: convert DIR/<value>.json (records of --execute-only) instead of executing; "
        "--out-dir is then replaced as a whole once every document is written",
    )
    r.add_argument(
        "--each-metadata",
        action="append",
        default=[],
        metavar="KEY=FIELD",
        help="with --each KEY:@DIR: metadata KEY of each document is FIELD of DIR/<value>.json, "
        "as text (Markdown-escaped), e.g. title=title (repeatable)",
    )
    r.add_argument(
        "--execute-once",
        action="store_true",
        help="quarto: execute the document once in the project's kernel and let Quarto convert it to every "
        "format (Quarto itself executes once per format); the built-in engine always does",
    )
    r.add_argument(
        "--jobs",
        type=int,
        default=1,
        metavar="N",
        help="with --from-frozen: documents converted side by side (quarto: N batches)",
    )
    r.set_defaults(func=cmd_render)
    v = sub.add_parser("verify", help="check raw files, processed tables and results against their records")
    v.add_argument("--root", default=".", help="the workflow directory (default: the current one)")
    v.add_argument("--registry", default=None, help="source registry (default: config/sources.yaml)")
    v.set_defaults(func=cmd_verify)
    tr = sub.add_parser("trace", help="a claim's number back to its rule, specification, sample, tables and raw files")
    tr.add_argument(
        "target",
        nargs="?",
        metavar="CLAIM[.FIELD]",
        help="e.g. RC1.estimate, RC1.primary_detail.against_government.k (default field: primary.estimate)",
    )
    tr.add_argument("--list", action="store_true", help="every claim result field the documents use, and where")
    tr.add_argument(
        "--recompute", action="store_true", help="also recompute the primary estimate independently from the raw files"
    )
    tr.add_argument("--root", default=".", help="the workflow directory (default: the current one)")
    tr.set_defaults(func=cmd_trace)
    ct = sub.add_parser("cite", help="the BibTeX of every source behind a table or a claim")
    ct.add_argument("target", metavar="TABLE|CLAIM", help="e.g. country_year, hmi_cases, RC1")
    ct.add_argument("--root", default=".", help="the workflow directory (default: the current one)")
    ct.set_defaults(func=cmd_cite)
    pi = sub.add_parser("publish-index", help="list a directory's current outputs; remove the others")
    pi.add_argument("index", help="the index to write (JSON), in the directory of the outputs")
    pi.add_argument("files", nargs="*", help="the current outputs")
    pi.set_defaults(func=cmd_publish_index)
    return p


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    _setup_logging(args.log, args.verbosity)
    try:
        rc = args.func(args)
    except (DataError, RenderError) as e:
        log.error("%s", e)
        return 2
    except __import__("yaml").YAMLError as e:  # a registry that is not YAML (the source registry names itself)
        log.error("file %s: not valid YAML: %s", getattr(args, "registry", None) or "?", e)
        return 2
    except OSError as e:  # a read-only directory, a full disk, ...: name the file, no traceback
        where = f" ({e.filename})" if e.filename else ""
        log.error(
            "cannot %s%s: %s", "write" if isinstance(e, PermissionError) else "read or write", where, e.strerror or e
        )
        return 2
    return rc or 0

def __r2p_setup__():
    import builtins
    import json
    import re

    def fmt(value):
        md = getattr(value, "_repr_markdown_", None)
        if callable(md):
            r = md()
            if isinstance(r, tuple):
                r = r[0]
            if r is not None:
                return json.dumps(["md", str(r)])
        # what Quarto inserts for a value without Markdown: its text/plain (repr) representation
        plain = get_ipython().display_formatter.format(value, include={"text/plain"})[0].get("text/plain", "")
        return json.dumps(["plain", plain])

    builtins.__r2p_fmt__ = fmt

    def reset():
        # a fresh namespace for the next document (like %reset -f, without its 0.2-0.5 s gc.collect)
        ip = get_ipython()
        ns, hidden = ip.user_ns, ip.user_ns_hidden
        for k in [k for k in ns if k not in hidden and not (k.startswith("__") and k.endswith("__"))]:
            del ns[k]
        # the output cache, cleared as displayhook.flush() does, without the full gc.collect()
        # it ends with (0.1-0.2 s per document once pandas or altair are loaded)
        dh = ip.displayhook
        for n in range(1, dh.prompt_count + 1):
            ns.pop(f"_{n}", None)
        if ns.get("_oh") is not None:
            ns["_oh"].clear()
        for attr in ("_", "__", "___"):
            setattr(dh, attr, "")
        # the record of sourced inline values (analysis.reporting.number_sources) starts empty
        import sys

        rep = sys.modules.get("analysis.reporting")
        if rep is not None:
            rep._USES.clear()

    builtins.__r2p_reset__ = reset

    def altair_bundle(chart):
        spec = chart.to_dict()
        m = re.search(r"/v(\d+)", str(spec.get("$schema", "")))
        return {"application/vnd.vegalite.v%s+json" % (m.group(1) if m else "5"): spec, "text/plain": "<altair chart>"}

    f = get_ipython().display_formatter.mimebundle_formatter
    for mod in ("altair.vegalite.v5.api", "altair.vegalite.v6.api"):
        f.for_type_by_name(mod, "TopLevelMixin", altair_bundle)


__r2p_setup__()
del __r2p_setup__

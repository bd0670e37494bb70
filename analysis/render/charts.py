"""Charts in documents: `show_chart` and the interactive chart markup both engines write."""

from __future__ import annotations

import base64
import html as _html
import json
import os
import re
from collections.abc import Mapping
from pathlib import Path

from .markdown import _raw
from .selfcontained import _vega_bundle


def _vegalite_major(spec: Mapping) -> str:
    m = re.search(r"/v(\d+)(?:\.[\d.]*)?\.json", str(spec.get("$schema", "")))
    return m.group(1) if m else "5"


def show_chart(
    spec_path: str | os.PathLike, svg_path: str | os.PathLike | None = None, *, name: str | None = None
) -> None:
    """Display a chart saved earlier in the workflow, without importing Altair.

    Displays one MIME bundle holding the Vega-Lite spec, its SVG and (under Quarto
    or plain Jupyter) the same interactive HTML the built-in engine writes. The
    built-in engine reads the Vega-Lite spec (interactive HTML) and the SVG (PDF);
    Quarto takes `text/html` for HTML (it prefers it to every image type) and the
    SVG for Typst. The first chart's HTML carries the Vega libraries, inlined, so
    the page stays self-contained. `svg_path` defaults to the spec's path with
    `.vl.json`/`.json` replaced by `.svg`; when no SVG exists it is made here with
    vl-convert. Use it in a cell labelled `fig-...` with a `fig-cap`; the spec's
    `description` is the chart's text alternative.
    """
    import builtins

    from IPython.display import display

    spec_path = Path(spec_path)
    spec = json.loads(spec_path.read_text(encoding="utf-8"))
    if svg_path is None:
        stem = spec_path.name
        for suffix in (".vl.json", ".json"):
            if stem.endswith(suffix):
                stem = stem[: -len(suffix)]
                break
        svg_path = spec_path.with_name(stem + ".svg")
    svg_path = Path(svg_path)
    if svg_path.exists():
        svg = svg_path.read_text(encoding="utf-8")
    else:
        svg = _vegalite_to_svg(spec)
    mime = f"application/vnd.vegalite.v{_vegalite_major(spec)}+json"
    label = name or spec_path.name
    bundle = {mime: spec, "image/svg+xml": svg, "text/plain": f"<chart {label}>"}
    if not hasattr(builtins, "__r2p_fmt__"):  # not the built-in engine's kernel (which reads the spec itself)
        global _CHARTS_SHOWN
        _CHARTS_SHOWN += 1
        bundle["text/markdown"] = _chart_markdown(spec, svg, _CHARTS_SHOWN)
    display(bundle, raw=True)


def _typst_str(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _chart_markdown(spec: Mapping, svg: str, n: int) -> str:
    """The chart for Quarto: raw HTML (the interactive chart, as the built-in engine writes
    it) and raw Typst (the SVG, with the spec's description as its alt text), as Markdown.

    Markdown, not `text/html`: Quarto prefers text/markdown to the image types in every
    format, while any text/html output makes it load require.js and jQuery from a CDN
    (its support for JavaScript widgets), which a self-contained page must not do. The
    first chart (`n` = 1, the chart's number in its document) carries the Vega libraries,
    inlined.
    """
    alt = spec.get("description")
    html = chart_html(spec, svg, alt, f"r2p-vega-{n}")
    if n == 1:
        html = f"<script>{_vega_bundle()}</script>\n" + html
    img = f'#image(bytes({_typst_str(svg)}), format: "svg"' + (f", alt: {_typst_str(str(alt))}" if alt else "") + ")"
    return _raw("html", html) + _raw("typst", img)


_CHARTS_SHOWN = 0  # charts shown in this kernel (one document per kernel under Quarto)


def chart_html(spec: Mapping, svg: str | None, alt: str | None, cid: str) -> str:
    """The HTML of one interactive chart (both engines): a container holding the chart's
    text alternative, the spec as JSON and the vega-embed call (the Vega libraries are
    on the page once, before the first chart)."""
    spec_json = json.dumps(spec, sort_keys=True, separators=(",", ":"))
    spec_json = spec_json.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    aria = f' aria-label="{_html.escape(alt, quote=True)}"' if alt else ""
    fallback = ""
    if svg:
        uri = "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")
        fallback = f'<noscript><img src="{uri}" alt="{_html.escape(alt or "", quote=True)}"></noscript>'
    return (
        f'<div id="{cid}" class="r2p-vega" role="img"{aria}>{fallback}</div>\n'
        f'<script type="application/json" id="{cid}-spec">{spec_json}</script>\n'
        f'<script>vegaEmbed("#{cid}", JSON.parse(document.getElementById("{cid}-spec").textContent), '
        f'{{"actions": false, "renderer": "svg"}}).catch(function (e) {{ console.error(e); }});</script>'
    )


def _vegalite_to_svg(spec: Mapping) -> str:
    import vl_convert as vlc

    major = _vegalite_major(spec)
    versions = [v for v in vlc.get_vegalite_versions() if v.split(".")[0] == major]
    m = re.search(r"/v(\d+\.\d+)", str(spec.get("$schema", "")))
    version = m.group(1) if m and m.group(1) in versions else (versions[-1] if versions else None)
    return vlc.vegalite_to_svg(spec, vl_version=version) if version else vlc.vegalite_to_svg(spec)

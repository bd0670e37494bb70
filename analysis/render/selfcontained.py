"""Self-contained HTML: the Vega libraries inlined once per page, and the check that a
page loads nothing from elsewhere."""

from __future__ import annotations

import contextlib
import os
import re
from pathlib import Path

_vega_bundle_cache: str | None = None


def _vega_bundle() -> str:
    """vega + vega-lite + vega-embed as one script (vl-convert bundles it; cached on disk: ~7 s to build)."""
    global _vega_bundle_cache
    if _vega_bundle_cache is not None:
        return _vega_bundle_cache
    import vl_convert as vlc

    cache_dir = Path(
        os.environ.get("R2P_CACHE_DIR")
        or Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "r2p-evidence"
    )
    f = cache_dir / f"vega-bundle-vlconvert-{vlc.__version__}.js"
    if f.is_file():
        js = f.read_text(encoding="utf-8")
    else:
        js = vlc.javascript_bundle()
        with contextlib.suppress(OSError):
            cache_dir.mkdir(parents=True, exist_ok=True)
            tmp = f.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_text(js, encoding="utf-8")
            os.replace(tmp, f)
    js = js.replace("</script", "<\\/script")
    _vega_bundle_cache = js
    return js


# a resource a page would load (not a link): anything but a data: URI or a fragment
_RESOURCE_REF = re.compile(
    r"<(?:script|link|img|iframe|source|embed|object|video|audio|input)\b[^>]*?"
    r"\b(?:src|href|data)=[\"']?(?!data:|#)([^\"' >]+)",
    re.I,
)
_REMOTE = re.compile(r"(?:https?:)?//", re.I)
_LOADING_TAGS = {"script", "link", "img", "iframe", "source", "embed", "object", "video", "audio", "input"}


def _resource_ref(html: str) -> tuple[str, str] | None:
    """The first resource a page would load, as (tag, URL): a `src`/`href`/`data` attribute of
    a loading tag that is not a data: URI or a fragment. Attributes are parsed, so text
    that merely contains `src=` (escaped in the page, in an alt text or a data-src) is not one."""
    from html.parser import HTMLParser

    found: list[tuple[str, str]] = []

    class _P(HTMLParser):
        def handle_starttag(self, tag, attrs):
            if found or tag not in _LOADING_TAGS:
                return
            for k, v in attrs:
                if k in ("src", "href", "data") and v and not v.startswith(("data:", "#")):
                    found.append((self.get_starttag_text() or f"<{tag}>", v))
                    return

        handle_startendtag = handle_starttag

    parser = _P(convert_charrefs=True)
    parser.feed(html)
    parser.close()
    return found[0] if found else None

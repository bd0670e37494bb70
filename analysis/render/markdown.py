"""Markdown escaping and raw blocks, applied the same way under both engines.

`md_escape` / `md_table` make data literal; `quarto_inline_markdown` is what an inline
`{python}` value without a Markdown representation becomes (Quarto's rule, which the
built-in engine follows).
"""

from __future__ import annotations

import re
from typing import Any

_MD_PUNCT = set("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")


class EscapedMarkdown(str):
    """A string that is already Markdown (what `md_escape` and `md_table` return).

    It displays as Markdown (`_repr_markdown_`), so an inline `{python}` value
    that is already escaped is inserted as it is, not escaped twice.
    """

    def _repr_markdown_(self) -> str:
        return str(self)


def md_escape(value: Any) -> EscapedMarkdown:
    """`str(value)` as Markdown that displays literally (for inline text and table cells).

    Every ASCII punctuation character is backslash-escaped and line breaks
    become spaces, so a string from a dataset (an actor name, a case id) can
    never become markup: not HTML (`<script>`), not Typst (`#set`, `$x$`,
    `@label`), not a Markdown link, list or heading. Use it for any data you
    put into `Markdown(...)` output. Inline `{python}` values are escaped by
    the built-in engine unless they are already `EscapedMarkdown` (so
    `{python} md_escape(x)` is right with both engines; an f-string built from
    md_escape pieces is a plain str again and would be escaped twice -- wrap
    the whole string instead). `md_table` escapes its cells.
    """
    s = "" if value is None else str(value)
    s = re.sub(r"\s*[\r\n]+\s*", " ", s)
    return EscapedMarkdown("".join("\\" + c if c in _MD_PUNCT else c for c in s))


# the class of jupyter-inline.ts, where "+-." is a range: + , - .
_QUARTO_INLINE_ESCAPE = re.compile(r"([\\`*_{}\[\]()>#+,\-.!])")


def quarto_inline_markdown(plain: str) -> str:
    """The Markdown an inline `{python} expr` becomes when the value has no Markdown
    representation: its text/plain form, as Quarto 1.10 treats it (jupyter-inline.ts,
    `asEscapedMarkdown`): a quoted string (a str's repr) loses its quotes and has
    backslashes and ``\\`*_{}[]()>#+,-.!`` escaped; anything else (a number's repr) is
    inserted as it is. Both engines therefore write the same Markdown. It does not
    make markup such as `<b>` or `@key` literal: pass data through `md_escape`.
    """
    if len(plain) >= 2 and plain[0] == plain[-1] and plain[0] in "'\"":
        return _QUARTO_INLINE_ESCAPE.sub(r"\\\1", plain[1:-1].replace("\\", "\\\\"))
    return plain


def md_table(df: Any, *, index: bool = False, floatfmt: str | None = None, na: str = "") -> EscapedMarkdown:
    """A pandas DataFrame as a pipe table with every cell escaped (see `md_escape`).

    Display it with `IPython.display.Markdown(md_table(df))`: the built-in
    engine and Quarto render it to both HTML and PDF, with a `tbl-cap` caption
    when the cell has a `tbl-` label. Numeric columns are right-aligned;
    `floatfmt` (e.g. ".2f", ",.0f") formats floats; missing values become `na`.
    """
    cols = list(df.columns)
    kinds = [getattr(df[c].dtype, "kind", "O") for c in cols]
    header = [md_escape(c) for c in cols]
    aligns = ["---:" if k in "iuf" else ":---" for k in kinds]
    if index:
        names = [n for n in (df.index.names or []) if n is not None]
        header = [md_escape(" / ".join(map(str, names)))] + header
        aligns = [":---"] + aligns

    def fmt(v: Any) -> str:
        try:
            if v is None or v != v:  # NaN
                return na
        except (TypeError, ValueError):  # arrays, pd.NA comparisons
            pass
        if floatfmt and isinstance(v, float):
            return format(v, floatfmt)
        return str(v)

    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(aligns) + "|"]
    for row in df.itertuples(index=index, name=None):
        lines.append("| " + " | ".join(md_escape(fmt(v)) for v in row) + " |")
    return EscapedMarkdown("\n".join(lines) + "\n")


def _fence(text: str, char: str = "`") -> str:
    runs = [len(r) for r in re.findall(re.escape(char) + "+", text)]
    return char * max(3, max(runs, default=0) + 1)


def _raw(fmt: str, content: str) -> str:
    f = _fence(content)
    return f"\n{f}{{={fmt}}}\n{content}\n{f}\n\n"


def _codeblock(text: str, classes: str) -> str:
    f = _fence(text)
    return f"\n{f} {{{classes}}}\n{text.rstrip(chr(10))}\n{f}\n\n"

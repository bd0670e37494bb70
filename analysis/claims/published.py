"""Published comparisons (`config/comparisons.yaml`): the figures a claim sets its result beside.

The facts (what is compared, the published figure, its source and a note) live in the YAML
file; a claim's code supplies only `ours`, the figure computed from the data, and the values of
any `{placeholder}` in `what` or `note`. `comparisons(set, ours)` returns the entries in the
file's order as dicts {what, published, ours, source, note}, the shape of a result's
`comparisons`. The file is checked against `config/schemas/comparisons.schema.json` when read:
a YAML or schema error is a `DataError` naming the file and line (exit 2).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from .. import ROOT
from ..errors import DataError
from ..io import yaml_loader

COMPARISONS_PATH = ROOT / "config" / "comparisons.yaml"
SCHEMA_PATH = ROOT / "config" / "schemas" / "comparisons.schema.json"


@lru_cache(maxsize=4)
def load(path: str | Path = COMPARISONS_PATH) -> dict[str, list[dict[str, Any]]]:
    """The comparison sets by name, schema-checked."""
    import json

    import jsonschema

    from .registry import line_of

    path = Path(path)
    text = path.read_text(encoding="utf-8")
    try:
        root = yaml.compose(text, Loader=yaml_loader())
        data = yaml.load(text, Loader=yaml_loader())
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}: " if mark is not None else ""
        raise DataError(f"{where}YAML syntax error: {getattr(exc, 'problem', exc)}", file=str(path)) from None
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    errors = sorted(jsonschema.Draft202012Validator(schema).iter_errors(data), key=lambda e: [str(p) for p in e.path])
    if errors:
        e = errors[0]
        where = "/".join(str(p) for p in e.path) or "(top)"
        line = line_of(root, list(e.path)) if root is not None else 1
        raise DataError(f"line {line}: {where}: {e.message}", file=str(path))
    for name, entries in data.items():
        ids = [e["id"] for e in entries]
        dup = sorted({i for i in ids if ids.count(i) > 1})
        if dup:
            raise DataError(f"comparison set {name!r}: duplicate ids {dup}", file=str(path))
    return data


def comparisons(
    name: str, ours: dict[str, Any], fill: dict[str, Any] | None = None, path: str | Path = COMPARISONS_PATH
) -> list[dict[str, Any]]:
    """The entries of set `name`, each with `ours[id]`; `fill` gives the placeholders' values.

    `ours` must name exactly the set's entries: a comparison added to the file without code
    that computes it (or the reverse) is an error, not a silent gap.
    """
    sets = load(path)
    if name not in sets:
        raise DataError(f"no comparison set {name!r}", file=str(path))
    entries = sets[name]
    ids = [e["id"] for e in entries]
    if set(ids) != set(ours):
        raise DataError(
            f"comparison set {name!r}: the file has {sorted(set(ids) - set(ours))} that the code does not compute "
            f"and the code computes {sorted(set(ours) - set(ids))} that the file lacks",
            file=str(path),
        )
    fill = fill or {}
    return [
        {
            "what": e["what"].format_map(fill) if fill else e["what"],
            "published": e["published"],
            "ours": ours[e["id"]],
            "source": e["source"],
            "note": e["note"].format_map(fill) if fill else e["note"],
        }
        for e in entries
    ]

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

from .. import ROOT
from ..errors import DataError
from ..io import read_yaml_checked

COMPARISONS_PATH = ROOT / "config" / "comparisons.yaml"
SCHEMA_PATH = ROOT / "config" / "schemas" / "comparisons.schema.json"


@lru_cache(maxsize=4)
def load(path: str | Path = COMPARISONS_PATH) -> dict[str, list[dict[str, Any]]]:
    """The comparison sets by name, schema-checked."""
    path = Path(path)
    data = read_yaml_checked(path, SCHEMA_PATH)
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

"""Print the hand-coded sample's resolution numbers (see unsc_resolution_coding_guide.md, "Sample")."""

import numpy as np

SEED = 1973
RANDOM = sorted(np.random.default_rng(SEED).choice(np.arange(1, 2260), size=64, replace=False).tolist())
FORCE = [
    678,
    794,
    929,
    940,
    1031,
    1088,
    1101,
    1264,
    1386,
    1464,
    1484,
    1497,
    1511,
    1529,
    1671,
    1744,
    1778,
    1816,
    1851,
    1973,
    1975,
    2085,
    2127,
    2149,
    770,
    816,
    836,
    1080,
    1244,
    1510,
    1546,
    1575,
    1838,
    2093,
    2098,
    2100,
    2134,
    2240,
    2249,
]

#: hold-out sample, drawn and hand-coded after the rules were written (not used to write or tune them):
#: 30 resolutions of 1990-2015 outside RANDOM and FORCE
HOLDOUT_SEED = 2011


def holdout(years_of: dict[int, int] | None = None) -> list[int]:
    """The hold-out draw; `years_of` (resolution -> adoption year) restricts the pool to 1990-2015."""
    import numpy as np

    taken = set(RANDOM) | set(FORCE)
    pool = [n for n in range(1, 2260) if n not in taken and (years_of is None or years_of[n] >= 1990)]
    return sorted(np.random.default_rng(HOLDOUT_SEED).choice(np.array(pool), size=30, replace=False).tolist())


if __name__ == "__main__":
    print("random:", RANDOM)
    print("force:", sorted(FORCE))

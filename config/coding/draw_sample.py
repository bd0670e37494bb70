"""Print the hand-coded sample's resolution numbers (see unsc_resolution_coding_guide.md, "Sample")."""

import numpy as np

SEED = 1973
RANDOM = sorted(np.random.default_rng(SEED).choice(np.arange(1, 2260), size=64, replace=False).tolist())
FORCE = [678, 794, 929, 940, 1031, 1088, 1101, 1264, 1386, 1464, 1484, 1497, 1511, 1529, 1671, 1744, 1778,
         1816, 1851, 1973, 1975, 2085, 2127, 2149, 770, 816, 836, 1080, 1244, 1510, 1546, 1575, 1838, 2093,
         2098, 2100, 2134, 2240, 2249]

if __name__ == "__main__":
    print("random:", RANDOM)
    print("force:", sorted(FORCE))

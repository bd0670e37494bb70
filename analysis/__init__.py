"""r2p-evidence: reproducible tests of the empirical claims in the R2P debate."""

from pathlib import Path

__version__ = "0.1.0"

#: Repository root (the directory holding the Snakefile and config/).
ROOT = Path(__file__).resolve().parent.parent

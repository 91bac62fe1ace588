"""Where the package's embedded data lives."""

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parents[1]
DATA_DIR = PACKAGE_DIR / "data"
DEMO_DIR = DATA_DIR / "demo"

"""Where the pinned platform API specifications are: shared/specs beside the checkout, or $SOLIDARITY_SPECS_DIR."""

from __future__ import annotations

import os
from pathlib import Path


def specs_dir() -> Path:
    """shared/specs beside the checkout (as CI lays it out), or $SOLIDARITY_SPECS_DIR."""
    if os.environ.get("SOLIDARITY_SPECS_DIR"):
        return Path(os.environ["SOLIDARITY_SPECS_DIR"])
    for parent in Path(__file__).resolve().parents:
        if (parent / "shared" / "specs").is_dir():
            return parent / "shared" / "specs"
    raise FileNotFoundError("shared/specs not found beside the checkout; set SOLIDARITY_SPECS_DIR")

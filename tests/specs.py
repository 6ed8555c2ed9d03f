"""Where the pinned platform API specifications are: tests/platform_specs, carried in the repository."""

from __future__ import annotations

from pathlib import Path

SPECS = Path(__file__).resolve().parent / "platform_specs"


def specs_dir() -> Path:
    """The folder holding the pinned Telegram and Discord specifications (see its README for their sources)."""
    return SPECS

"""The pinned platform specifications are in the repository, and unchanged since they were pinned."""

from __future__ import annotations

import hashlib
import re

from tests.specs import specs_dir


def test_every_pinned_specification_is_present_and_matches_its_recorded_checksum():
    table = (specs_dir() / "README.md").read_text(encoding="utf-8")
    pinned = dict(re.findall(r"^\| `([\w.-]+\.json)` \|.*\| `([0-9a-f]{64})` \|$", table, re.MULTILINE))
    assert set(pinned) == {"telegram-bot-api.json", "discord-openapi.json"}
    for name, checksum in pinned.items():
        assert hashlib.sha256((specs_dir() / name).read_bytes()).hexdigest() == checksum, name

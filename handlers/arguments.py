"""Reading a command's text: free words plus named parts such as `theme:detention region:West Africa`."""

from __future__ import annotations

import re


def keyword_args(text: str, names: tuple[str, ...]) -> tuple[str, dict[str, str]]:
    """Split '/members ali theme:Access to health' into ('ali', {'theme': 'Access to health'}).

    A named part runs to the next named part or the end, so values may hold spaces. A name given twice keeps
    its last value. Names are matched in any case; anything else stays in the free text.
    """
    pattern = re.compile(r"(?:^|\s)(" + "|".join(map(re.escape, names)) + r"):", re.IGNORECASE)
    parts = pattern.split(text)
    free = parts[0].strip()
    named: dict[str, str] = {}
    for i in range(1, len(parts) - 1, 2):
        named[parts[i].lower()] = " ".join(parts[i + 1].split())
    return free, named

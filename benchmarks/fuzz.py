"""The fuzzing of tests/test_fuzz.py, run longer: every command the routers declare, as every role (stranger,
member, blocked member, organiser, admin), with generated arguments, free text, button presses (own, forged,
someone else's, pressed twice) and time passing, each example starting from the same small network; then the
sweep (every command with each kind of bad value in each of its slots).

The test suite runs 200 derandomized examples per role; this runs as many as asked, at random (or from
`--seed`), and does not stop at the first failure. It prints, per role, how many examples and steps it tried,
and every distinct failure (an exception a handler raised, which members would have seen as "Something went
wrong on our side"), told apart by where in the bot's code it was raised, with how often it happened, the
shortest program that caused it, and the end of its traceback. The exit code is 1 when anything was found.

    python benchmarks/fuzz.py                            # 5,000 examples per role (about 10 minutes)
    python benchmarks/fuzz.py --examples 500 --role member --seed 7
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.test_fuzz import ROLES, Found, fuzz, sweep_as  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--examples", type=int, default=5000, help="examples per role (default 5000)")
    parser.add_argument("--role", choices=ROLES, action="append", help="only this role (may be repeated)")
    parser.add_argument("--seed", type=int, help="a seed, to run the same examples again")
    options = parser.parse_args()
    total: dict[str, int] = {}
    found = Found()
    started = time.perf_counter()
    for role in options.role or ROLES:
        before = time.perf_counter()
        with tempfile.TemporaryDirectory() as folder:
            tried = fuzz(role, Path(folder), examples=options.examples, seed=options.seed, found=found)
        with tempfile.TemporaryDirectory() as folder:
            tried["swept"] = sweep_as(role, Path(folder), found)
        for key, n in tried.items():
            total[key] = total.get(key, 0) + n
        print(f"{role:>9}: {tried['examples']:,} examples, {tried['steps']:,} steps ({tried['commands']:,} commands, "
              f"{tried['texts']:,} free texts, {tried['presses']:,} presses, {tried['waits']:,} waits), "
              f"and {tried['swept']:,} commands of the sweep, in {time.perf_counter() - before:.0f} s", flush=True)
    print(f"    total: {total['examples']:,} examples, {total['steps']:,} steps, {total['swept']:,} commands of the "
          f"sweep: {total['steps'] + total['swept']:,} inputs in {time.perf_counter() - started:.0f} s")
    if not found.seen:
        print("found: nothing")
        return 0
    print(f"found: {len(found.seen)} distinct failure(s)")
    for (kind, where), (count, program, error) in sorted(found.seen.items(), key=lambda item: -item[1][0]):
        print(f"\n{kind} at {where}, {count} time(s); the shortest program:\n    {program!r}")
        print("".join("    " + line for line in traceback.format_exception(error)[-6:]))
    return 1


if __name__ == "__main__":
    sys.exit(main())

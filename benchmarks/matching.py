"""Partner search at scale: 100,000 members whose themes, regions and languages follow skewed (Zipf-like) spreads,
with introductions, member blocks, paused, blocked and unfinished profiles and open commitments among them.

Prints:
- `EXPLAIN QUERY PLAN` of the search query for each way it reads (from a theme's index, from a region's index, one
  of the two only, with a language), and whether any of them scans a whole table (it must not: target none);
- latency p50/p99 of a search through the repository (`PartnerRepository.candidates` and the ranking), over
  searches for popular and rare themes and regions, both, one, with and without a language (target p99 < 5 ms);
- latency p50/p99 of the whole handler: `/partner theme:… region:…` through `Core.handle_message`, from the
  member's message to the list with its buttons stored, each by a different member (target p99 < 5 ms for the
  search; the handler also writes the search, its proposals, the conversation and the buttons).

    python benchmarks/matching.py [--members 100000] [--searches 2000]
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.common import IDENTITY_COLUMNS, Silent, identity, keyring_for  # noqa: E402
from bot.app import network_from  # noqa: E402
from bot.settings import Settings  # noqa: E402
from handlers.capabilities import all_routers
from handlers.core import Core, Services  # noqa: E402
from handlers.events import Incoming, Person  # noqa: E402
from handlers.network import ACTOR_KINDS, Network  # noqa: E402
from handlers.partners import POOL, rank  # noqa: E402
from storage import Repositories, SqliteDatabase  # noqa: E402
from storage.partners import PartnerRepository  # noqa: E402

LANGUAGES = ["en", "fr", "ar", "es", "de", "it", "pt", "tr", "ru", "sw", "fa", "wo", "ha", "am", "so", "ur", "bn",
             "zh", "nl", "pl", "ro", "uk", "el", "ti", "ps", "ku", "yo", "ln", "mg", "ff"]


def zipf_weights(n: int, s: float = 1.1) -> list[float]:
    return [1 / (k ** s) for k in range(1, n + 1)]


async def make_database(path: Path, members: int, network: Network, rng: random.Random) -> None:
    """A migrated database filled with bulk sqlite3 inserts (set-up, not what is measured); contact lines sealed
    and accounts hashed and sealed with the database's key, as the bot writes them."""
    db = SqliteDatabase(path)
    await db.open()
    await db.close()
    keyring = keyring_for(path)
    themes = [c.id for c in network.themes]
    regions = [c.id for c in network.regions]
    theme_w, region_w, lang_w = zipf_weights(len(themes)), zipf_weights(len(regions)), zipf_weights(len(LANGUAGES))
    kinds = [k.id for k in ACTOR_KINDS]
    now = int(time.time())
    conn = sqlite3.connect(path)
    with conn:
        conn.executemany(
            "INSERT INTO members (id, display_name, actor_kind, timezone, contact, profile_complete, blocked, "
            "matching, consented_at, created_at, updated_at) VALUES (?, ?, ?, 'UTC', ?, ?, ?, ?, ?, ?, ?)",
            [(i, f"member {i}", rng.choice(kinds), keyring.seal(f"Signal {i}"), int(rng.random() > 0.05),
              int(rng.random() < 0.005), int(rng.random() > 0.03), now, now, now) for i in range(1, members + 1)])
        conn.executemany(f"INSERT INTO identities ({IDENTITY_COLUMNS}) VALUES (?, ?, ?, ?, ?)",
                         [identity(keyring, "console", f"m{i}", i, now) for i in range(1, members + 1)])
        theme_rows, region_rows, language_rows = [], [], []
        for i in range(1, members + 1):
            for theme in set(rng.choices(themes, theme_w, k=rng.randint(1, 4))):
                theme_rows.append((i, theme))
            for region in set(rng.choices(regions, region_w, k=rng.choice((1, 1, 1, 2, 2, 3)))):
                region_rows.append((i, region, 0))
            if rng.random() < 0.1:
                region_rows.append((i, f"City {rng.randint(1, 500)}", 1))
            for position, code in enumerate(dict.fromkeys(rng.choices(LANGUAGES, lang_w, k=rng.randint(1, 3)))):
                language_rows.append((i, code, position))
        conn.executemany("INSERT INTO member_themes (member_id, theme) VALUES (?, ?)", theme_rows)
        conn.executemany("INSERT OR IGNORE INTO member_regions (member_id, region, free) VALUES (?, ?, ?)",
                         region_rows)
        conn.executemany("INSERT INTO member_languages (member_id, language, position) VALUES (?, ?, ?)",
                         language_rows)
        conn.executemany(
            "INSERT INTO commitments (member_id, what, theme, region, visibility, created_at, updated_at) "
            "VALUES (?, 'a commitment', ?, ?, ?, ?, ?)",
            [(rng.randint(1, members), rng.choices(themes, theme_w)[0], rng.choices(regions, region_w)[0],
              rng.choice(("network", "network", "organisers", "private")), now, now) for _ in range(members // 5)])
        conn.executemany(
            "INSERT INTO introductions (a_id, b_id, a_answer, b_answer, status, expires_at, created_at, updated_at) "
            "VALUES (?, ?, 'accepted', ?, ?, ?, ?, ?)",
            [(rng.randint(1, members), rng.randint(1, members), answer, status, now, now - rng.randint(0, 10**7), now)
             for answer, status in (rng.choice((("accepted", "introduced"), ("pending", "pending"),
                                                ("declined", "lapsed"))) for _ in range(members * 3 // 10))])
        conn.executemany("INSERT OR IGNORE INTO member_blocks (member_id, blocked_id, created_at) VALUES (?, ?, ?)",
                         [(rng.randint(1, members), rng.randint(1, members), now) for _ in range(members // 20)])
    conn.close()


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


def searches(network: Network, count: int, members: int, rng: random.Random) -> list[tuple]:
    """(member, theme, region, language) for popular and rare themes and regions, both or one, some with a language."""
    themes = [c.id for c in network.themes]
    regions = [c.id for c in network.regions]
    out = []
    for n in range(count):
        theme = rng.choice(themes) if n % 2 else rng.choices(themes, zipf_weights(len(themes)))[0]
        region = rng.choice(regions) if n % 3 else rng.choices(regions, zipf_weights(len(regions)))[0]
        kind = n % 10
        if kind == 0:
            region = None
        elif kind == 1:
            theme = None
        language = rng.choice(LANGUAGES[:8]) if n % 4 == 0 else None
        out.append((rng.randint(1, members), theme, region, language))
    return out


async def explain(db: Database) -> bool:
    """Print the plan of each form of the search query; True if none scans a whole table."""
    args = {"me": 1, "theme": "detention", "region": "western-europe", "language": "fr", "lo": 0, "hi": 10**9,
            "limit": 200, "l0": "en", "l1": "fr"}
    forms = [("a theme in a region, from the index of pairs", "pair", ()),
             ("a theme in a region speaking a language, from the language's index, the pair checked", "language",
              ("pair",)),
             ("a theme only, with a language", "theme", ("language",)),
             ("a region only", "region", ())]
    clean = True
    for title, driver, checks in forms:
        sql = PartnerRepository.candidate_sql(driver, checks, shared=2)
        rows = await db.fetch_all(f"EXPLAIN QUERY PLAN {sql}", args)
        print(f"\nEXPLAIN QUERY PLAN — {title}:")
        for row in rows:
            detail = row[3]
            print(f"  {detail}")
            if detail.startswith("SCAN") and "USING" not in detail and "CONSTANT ROW" not in detail:
                clean = False
    return clean


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--searches", type=int, default=2000)
    options = parser.parse_args()
    rng = random.Random(20261123)
    network = dataclasses.replace(network_from(Settings(network_name="Benchmark Network")),
                                  partner_searches_per_day=10**6)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "matching.db"
        started = time.perf_counter()
        await make_database(path, options.members, network, rng)
        print(f"{options.members:,} members set up in {time.perf_counter() - started:.1f} s")
        conn = sqlite3.connect(path)
        counts = {t: n for t, n in conn.execute("SELECT theme, count(*) FROM member_themes GROUP BY theme")}
        conn.close()
        spread = sorted(counts.values(), reverse=True)
        print(f"members per theme: most {spread[0]:,}, median {int(statistics.median(spread)):,}, "
              f"least {spread[-1]:,}")

        db = SqliteDatabase(path)
        await db.open()
        repos = Repositories.over(db)
        try:
            clean = await explain(db)
            print(f"\nfull scans of members or of a member list: {'none' if clean else 'FOUND'} "
                  "(target: none)")

            plan = searches(network, options.searches, options.members, rng)
            times, found = [], []
            for me, theme, region, language in plan[:50]:  # warm the page cache
                await repos.partners.candidates(me, theme=theme, region=region, language=language,
                                                languages=("en", "fr"), pivot=rng.random(), limit=POOL)
            for me, theme, region, language in plan:
                started = time.perf_counter()
                candidates = await repos.partners.candidates(me, theme=theme, region=region, language=language,
                                                             languages=("en", "fr"), pivot=rng.random(), limit=POOL)
                rank(candidates)[:5]
                times.append((time.perf_counter() - started) * 1000)
                found.append(len(candidates))
            p50, p99 = percentiles(times)
            print(f"\nsearch through the repository ({len(plan):,} searches, {statistics.mean(found):.0f} "
                  f"candidates read and ranked on average, at most {POOL}): p50 {p50:.2f} ms, p99 {p99:.2f} ms "
                  "(target p99 < 5 ms)")

            core = Core(Services(repos=repos, network=network, delivery=Silent()), all_routers())
            labels = {c.id: c.label for c in (*network.themes, *network.regions)}
            times = []
            used: set[int] = set()
            for me, theme, region, language in plan:
                while me in used:
                    me = rng.randint(1, options.members)
                used.add(me)
                words = [f"theme:{labels[theme]}" if theme else "", f"region:{labels[region]}" if region else "",
                         f"language:{language}" if language else ""]
                message = Incoming(Person("console", f"m{me}"), "/partner " + " ".join(w for w in words if w))
                started = time.perf_counter()
                await core.handle_message(message)
                times.append((time.perf_counter() - started) * 1000)
            p50, p99 = percentiles(times)
            print(f"whole handler, /partner through Core.handle_message ({len(plan):,} members, one search each): "
                  f"p50 {p50:.2f} ms, p99 {p99:.2f} ms")
        finally:
            await db.close()


if __name__ == "__main__":
    asyncio.run(main())

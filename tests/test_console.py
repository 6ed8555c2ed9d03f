"""The console, driven as a newcomer would: a script piped into the real command."""

from __future__ import annotations

import asyncio
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from storage import Repositories, SqliteDatabase

ROOT = Path(__file__).resolve().parent.parent


def run_console(script: str, *args: str, env: dict | None = None, cwd: Path | None = None
                ) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("SOLIDARITY")}
    environment.update(env or {})
    environment["PYTHONPATH"] = str(ROOT)
    return subprocess.run([sys.executable, "-m", "bot", *args], input=script, capture_output=True, text=True,
                          timeout=120, env=environment, cwd=cwd or ROOT)


ONBOARDING = """\
/as amina
/start
/press 1
Amina
/press 1
/press 6
/press 1
/press 15
/press 3
/press 17
/press 13
Lyon
Signal: amina.42
"""


def test_newcomer_goes_through_onboarding_on_the_embedded_defaults(tmp_path):
    result = run_console(ONBOARDING + "/profile\n", "console", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "[@amina] Welcome to Demo Solidarity Network." in out
    assert "(1) I understand — set up my profile" in out and "(2) Not now" in out
    assert "Step 1 of 8" in out
    assert "Your profile is ready." in out
    assert "Time zone: Europe/Paris" in out
    assert "Kind of actor: Journalist or media" in out
    assert (tmp_path / "solidarity.db").exists()  # the embedded default database, in the working directory


def test_invite_join_promote_block_export_and_forget_from_a_script(tmp_path):
    db = tmp_path / "net.db"
    first = run_console(ONBOARDING + "/invite 2 7\n", "console", "--db", str(db))
    assert first.returncode == 0, first.stderr
    code = first.stdout.split("Invite code: ")[1].split()[0]
    second = run_console(
        f"/as bob\n/start {code}\n/press 1\nBob\n/press 1\n/press 1\n/press 1\n/press 15\n/press 1\n/press 17\n"
        f"/press 13\nNairobi\n/press 1\n"
        f"/profile\n/press 9\n/press 2\n"  # no quiet hours: the notice below comes whatever the hour in Nairobi
        f"/as amina\n/members\n/promote #2\n/block #2\n/demote #2\n/block #2\n"
        f"/as bob\n/profile\n/export\n/forget\n/press 1\n",
        "console", "--db", str(db))
    assert second.returncode == 0, second.stderr
    out = second.stdout
    assert "[@bob] Your profile is ready." in out
    assert "[@bob] You are now an organiser" in out  # a notification to another console person
    assert "#2 Bob is now an organiser" in out
    assert "#2 Bob is blocked." in out
    assert "#2 Bob is already blocked." in out
    assert "[@bob] Your access to this network is suspended" in out
    export = out.split("[file solidarity-export-")[1]
    body = export[export.index("{"):export.index("\n> ")]
    assert json.loads(body)["profile"]["display_name"] == "Bob"
    assert "has been erased" in out

    async def stored() -> tuple[int, object]:  # Bob erased: only Amina is left
        async with SqliteDatabase(db) as database:
            repos = Repositories.over(database)
            return await repos.members.count(), await repos.members.by_identity("console", "bob")

    assert asyncio.run(stored()) == (1, None)


def test_console_explains_its_own_commands(tmp_path):
    result = run_console("/start\n/as\n/as amina\n/press 1\n/press 9\n/sleep nope\n/sleep 0\n", "console",
                         "--db", str(tmp_path / "x.db"))
    assert result.returncode == 0
    out = result.stdout
    assert "Choose who is typing first" in out
    assert "Usage: /as <handle>" in out
    assert "@amina has no message with buttons" in out
    assert "Usage: /sleep SECONDS" in out


def test_invalid_setting_stops_with_one_line_naming_the_key_and_exit_code_2(tmp_path):
    config = tmp_path / "bad.toml"
    config.write_text('network_name = "X"\n[telegram]\nport = "not a port"\ntoken = "123:SECRET-TOKEN"\n')
    result = run_console("", "console", "--config", str(config))
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "telegram.port" in lines[0]
    assert "SECRET-TOKEN" not in result.stderr + result.stdout


def test_run_without_tokens_says_what_is_missing(tmp_path):
    result = run_console("", "run", "--db", str(tmp_path / "x.db"))
    assert result.returncode == 2
    assert "no platform has a token" in result.stderr


def test_migrate_creates_then_reports_up_to_date(tmp_path):
    db = tmp_path / "m.db"
    first = run_console("", "migrate", "--db", str(db))
    assert first.returncode == 0 and "upgraded from version 0" in first.stdout
    second = run_console("", "migrate", "--db", str(db))
    assert "up to date" in second.stdout


def test_database_from_a_newer_release_is_refused(tmp_path):
    db = tmp_path / "new.db"
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA user_version = 999")
    conn.close()
    result = run_console("/as amina\n", "console", "--db", str(db))
    assert result.returncode == 2
    assert "newer release" in result.stderr


def test_files_the_bot_sends_are_saved_in_the_folder_given_readable_by_their_owner_only(tmp_path):
    import json
    import stat

    files = tmp_path / "files"
    result = run_console(ONBOARDING + "/export\n/export\n", "console", "--files", str(files), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    second = next(files.glob("*-2.json"))
    first = files / second.name.replace("-2.json", ".json")  # the second export never overwrites the first
    assert sorted(files.iterdir()) == sorted([first, second])
    assert f"[file saved: {first}" in result.stdout and "\"contact_for_partners\"" not in result.stdout
    assert json.loads(first.read_text())["profile"]["contact_for_partners"] == "Signal: amina.42"
    assert stat.S_IMODE(first.stat().st_mode) == 0o600
    printed = run_console(ONBOARDING + "/export\n", "console", cwd=tmp_path)  # without --files: the text shown
    assert "[file solidarity-export-" in printed.stdout and '"contact_for_partners"' in printed.stdout

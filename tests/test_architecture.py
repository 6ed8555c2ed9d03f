"""The shape of the code, read from its source: a platform-neutral core in small files, capabilities that depend on
each other in one direction only, imports at the top of each module, and no registry filled as a side effect.

Each check reads the files with `ast`; none imports or runs them.
"""

from __future__ import annotations

import ast
import dataclasses
import re
import tomllib
from pathlib import Path

import pytest
from setuptools import find_namespace_packages

from handlers.capabilities import all_routers
from handlers.core import Role, Router, Routes
from handlers.core.questions import Flow

ROOT = Path(__file__).resolve().parent.parent
HANDLERS = ROOT / "handlers"
MAX_LINES = 400


def _python_files(*folders: str) -> list[Path]:
    return sorted(p for folder in folders for p in (ROOT / folder).rglob("*.py"))


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imported(tree: ast.Module, module: str) -> set[str]:
    """The modules a module imports at its top level (`from handlers import profile` names handlers.profile)."""
    found: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def _capabilities() -> dict[str, Path]:
    """The capability modules and packages: those that make a `Router`, by their top-level name in handlers/."""
    found: dict[str, Path] = {}
    for path in _python_files("handlers"):
        if "Router(" in path.read_text() and path.parent.name != "core":
            top = path.relative_to(HANDLERS).parts[0].removesuffix(".py")
            found[f"handlers.{top}"] = path
    return found


def test_no_file_in_the_core_is_longer_than_a_newcomer_reads_in_one_go():
    long = {str(p.relative_to(ROOT)): n for p in _python_files("handlers")
            if (n := len(p.read_text().splitlines())) > MAX_LINES}
    assert not long, f"files over {MAX_LINES} lines: {long}"


def test_the_core_imports_no_chat_platform():
    for path in _python_files("handlers"):
        imported = _imported(ast.parse(path.read_text()), _module_name(path))
        assert not {m for m in imported if m.split(".")[0] in ("telegram", "discord")}, path


def test_capabilities_depend_on_each_other_in_one_direction_only():
    capabilities = _capabilities()
    assert {"handlers.profile", "handlers.commitments", "handlers.partners", "handlers.sessions"} <= set(capabilities)
    uses: dict[str, set[str]] = {name: set() for name in capabilities}
    for path in _python_files("handlers"):
        top = "handlers." + path.relative_to(HANDLERS).parts[0].removesuffix(".py")
        if top not in capabilities:
            continue
        for imported in _imported(ast.parse(path.read_text()), _module_name(path)):
            other = ".".join(imported.split(".")[:2])
            if other in capabilities and other != top:
                uses[top].add(other)

    def circle_from(start: str, path: list[str]) -> list[str] | None:
        for other in sorted(uses[path[-1]]):
            if other == start:
                return [*path, start]
            if other not in path and (found := circle_from(start, [*path, other])):
                return found
        return None

    circles = [c for name in sorted(uses) if (c := circle_from(name, [name]))]
    assert not circles, "capabilities that import each other: " + "; ".join(" -> ".join(c) for c in circles)


_SQL = re.compile(r"\b(SELECT\b.*\bFROM|INSERT\s+INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM|CREATE\s+TABLE|PRAGMA)\b", re.S)
_DATABASE_CALLS = {"execute", "executemany", "executescript", "fetch_all", "fetch_one"}


def test_all_sql_lives_in_storage():
    """Handlers and adapters go through repositories: no SQL text, and no statement run on a connection (they may
    open a transaction and hand it to several repositories, so that their writes commit together)."""
    found: list[str] = []
    for path in _python_files("handlers", "bot"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and _SQL.search(node.value):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno} SQL text")
            elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                  and node.func.attr in _DATABASE_CALLS):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno} .{node.func.attr}()")
    assert not found, "SQL outside storage/: " + ", ".join(found)


_ZONE_ARITHMETIC = re.compile(r"ZoneInfo\(|fold=|\.astimezone\(|tzinfo=(?!None|UTC\b|local\.tzinfo|end\.tzinfo)")


def test_local_time_is_turned_into_utc_in_one_place():
    """Every conversion between wall-clock time and UTC goes through handlers/localtime.py, so one rule for
    daylight-saving gaps and overlaps holds everywhere."""
    found = [f"{path.relative_to(ROOT)}:{n}" for path in _python_files("handlers", "bot")
             if path != HANDLERS / "localtime.py"
             for n, line in enumerate(path.read_text().splitlines(), 1) if _ZONE_ARITHMETIC.search(line)]
    assert not found, f"time zone arithmetic outside handlers/localtime.py: {found}"


def test_every_import_is_at_the_top_of_its_module():
    """No import inside a function: what a module needs shows at its top, and no import circle hides behind one."""
    inside: list[str] = []
    for path in _python_files("handlers", "bot"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                inside += [f"{path.relative_to(ROOT)}:{n.lineno}" for n in ast.walk(node)
                           if isinstance(n, (ast.Import, ast.ImportFrom))]
    assert not inside, f"imports inside functions: {inside}"


def test_no_module_keeps_a_registry_that_imports_fill():
    """Commands and the rest are declared on each capability's router and handed to the core: no module-level
    registry object, and no table of handlers that decorators fill."""
    found: list[str] = []
    for path in _python_files("handlers", "bot"):
        for node in ast.parse(path.read_text()).body:
            targets = [t.id for t in getattr(node, "targets", [getattr(node, "target", None)])
                       if isinstance(t, ast.Name)]
            value = getattr(node, "value", None)
            call = value.func.id if isinstance(value, ast.Call) and isinstance(value.func, ast.Name) else ""
            if any(t in ("REGISTRY", "EXPORTERS", "ERASERS") for t in targets) or call == "Registry":
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert not found, f"module-level registries: {found}"


async def _answer(ctx, args: str) -> None:
    return None


def test_two_routers_declaring_the_same_name_stop_the_bot_at_start_up():
    first, second = Router("first"), Router("second")
    first.command("ping", Role.MEMBER, "answer")(_answer)
    second.command("ping", Role.MEMBER, "answer too")(_answer)
    with pytest.raises(ValueError, match="ping"):
        Routes([first, second])
    with pytest.raises(ValueError, match="twice"):
        first.command("ping", Role.MEMBER, "again")(_answer)
    steps = Router("steps")
    profile, session = Flow(steps, "profile", stale="Stale."), Flow(steps, "session", stale="Stale.")
    profile.step("name")(_answer)
    session.step("name")(_answer)  # the same step name in another flow is another step
    with pytest.raises(ValueError, match="twice"):
        profile.step("name")(_answer)
    with pytest.raises(ValueError, match="twice"):
        Flow(steps, "profile", stale="Stale.")


def test_an_installed_bot_has_every_package_of_the_source():
    """`pip install .` (the README's console command) installs what pyproject.toml finds: every folder of the
    bot's code, however the code is split into packages."""
    found = set(find_namespace_packages(
        where=ROOT, include=tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]
        ["find"]["include"]))
    folders = {".".join(p.parent.relative_to(ROOT).parts) for p in _python_files("bot", "handlers", "storage")}
    folders |= {".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "storage").rglob("*.sql")}
    assert folders <= found, f"not installed: {sorted(folders - found)}"


def test_every_button_carries_a_frozen_dataclass_or_nothing():
    """A button's payload is typed: a small frozen dataclass per action, with names that say what they hold, never a
    dict with one-letter keys; a button made with another kind of payload is refused when it is made."""
    routes = Routes(all_routers())
    for name, spec in routes.actions.items():
        if spec.payload is None:
            continue
        assert dataclasses.is_dataclass(spec.payload) and spec.payload.__dataclass_params__.frozen, name
        assert all(len(f.name) > 1 for f in dataclasses.fields(spec.payload)), name
    assert len([s for s in routes.actions.values() if s.payload is not None]) > 40

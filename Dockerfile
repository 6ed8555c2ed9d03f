# Solidarity Bot in a container: `docker build -t solidarity-bot .`, then see compose.yaml (with PostgreSQL) or
# compose.sqlite.yaml (SQLite in a volume). The image runs `solidarity-bot run` as an unprivileged user, keeps its
# database in the /data volume and serves /healthz, /readyz and /metrics on port 8080.

# ---- builder: install the bot and its dependencies into a venv that the final stage copies whole ----
FROM python:3.11-slim-bookworm AS builder

# A venv at a fixed path, so that the final stage can copy it as it is: its scripts name /opt/venv/bin/python.
RUN python -m venv /opt/venv
ENV PATH="/opt/venv/bin:$PATH" \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /src
# Only what the package build reads: the project's metadata (pyproject names README.md as the long description)
# and the three packages, with their data files (default.toml, the migrations' .sql, the .po catalogues).
COPY pyproject.toml README.md ./
COPY bot/ bot/
COPY handlers/ handlers/
COPY storage/ storage/
# A regular (not editable) install: the venv holds a copy of the code, and /src is left behind with this stage.
RUN pip install --no-cache-dir .

# ---- final: the same base, the venv, and nothing of the build ----
FROM python:3.11-slim-bookworm

# A system user with a fixed uid, so that files on the host (secrets, a bind-mounted data directory) can be given
# to it: chown 10001. No home and no shell: it only runs the bot. --no-log-init keeps the image small.
RUN useradd --system --no-log-init --uid 10001 --user-group --no-create-home --shell /usr/sbin/nologin solidarity \
    && mkdir /data \
    && chown solidarity:solidarity /data

COPY --from=builder /opt/venv /opt/venv

# PYTHONUNBUFFERED: log lines reach `docker logs` as they are written. The database is in the volume. HTTP
# listens on every interface of the container (only the published port reaches it from outside), so that the
# HEALTHCHECK and a Prometheus scraper can reach /healthz and /metrics.
ENV PATH="/opt/venv/bin:$PATH" \
    PYTHONUNBUFFERED=1 \
    SOLIDARITY__DATABASE=/data/solidarity.db \
    SOLIDARITY__HTTP__LISTEN=0.0.0.0 \
    SOLIDARITY__HTTP__PORT=8080

# A new named volume starts as a copy of this directory, owned by solidarity; a bind mount keeps the host's owner,
# so give the host directory to uid 10001.
VOLUME /data
WORKDIR /data
EXPOSE 8080

# By number rather than name, so that Kubernetes' runAsNonRoot and similar checks can see it is not root.
USER 10001:10001

# `docker stop` sends SIGTERM (the default, stated here because the bot relies on it): `run` finishes what it is
# doing and exits within 10 s, before Docker's kill (compose.yaml gives it 15 s).
STOPSIGNAL SIGTERM
# Healthy while the bot's event loop answers /healthz; the checker is a few lines of standard library, no shell.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 CMD ["python", "-m", "bot.healthcheck"]

# `docker run IMAGE migrate`, `… backup FILE` and the other commands work too: the arguments replace `run`.
ENTRYPOINT ["solidarity-bot"]
CMD ["run"]

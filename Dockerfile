# Panelbot's container image. Build:  docker build -t panelbot .
# The base must be a Debian-based Python ≥ 3.11 with the venv module; any registry's copy
# will do:  docker build --build-arg BASE_IMAGE=registry.internal/python:3.11-slim-bookworm .
# Needs BuildKit (the default builder since Docker 23; podman/buildah too) for the
# wheel mount below. See docs/container.md.
ARG BASE_IMAGE=python:3.11-slim-bookworm

# ---- build: panelbot's wheel and a wheel of every runtime dependency ---------------------
FROM ${BASE_IMAGE} AS build
# Only this stage reaches a package index. A mirror is a build argument; the CA bundle
# of a TLS-inspecting proxy is a build secret (`--secret id=pip_ca,src=/path/ca.pem`).
# Neither reaches the runtime image or its history.
ARG PIP_INDEX_URL
ARG PIP_EXTRA_INDEX_URL
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
RUN python3 -m venv /opt/build
WORKDIR /src
COPY pyproject.toml README.md LICENSE ./
COPY bot ./bot
COPY handlers ./handlers
COPY storage ./storage
RUN --mount=type=secret,id=pip_ca,required=false \
    if [ -s /run/secrets/pip_ca ]; then export PIP_CERT=/run/secrets/pip_ca; fi \
    && /opt/build/bin/pip wheel --quiet --wheel-dir /wheels .

# ---- runtime: the wheels installed into a venv, no compiler, no sources, no dev tools ----
FROM ${BASE_IMAGE}
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1 \
    PATH=/opt/panelbot/bin:$PATH \
    PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1 \
    PORT=3000
# Bound, not copied: the wheels never become a layer of this image; --no-index keeps
# this stage off the network.
RUN --mount=type=bind,from=build,source=/wheels,target=/wheels \
    python3 -m venv /opt/panelbot \
    && /opt/panelbot/bin/pip install --quiet --no-index --find-links=/wheels panelbot \
    && /opt/panelbot/bin/pip uninstall --quiet --yes pip \
    && groupadd --gid 10001 panelbot \
    && useradd --uid 10001 --gid panelbot --home-dir /data --no-create-home \
        --shell /usr/sbin/nologin panelbot \
    && mkdir -p /data && chown panelbot:panelbot /data
# The working directory is the data volume: the default DATABASE_URL (sqlite:///panelbot.db)
# lands here, and so would a .env file.
WORKDIR /data
VOLUME ["/data"]
USER panelbot:panelbot
EXPOSE 3000
# /healthz answers on PORT however Panelbot runs: `panelbot serve`, `panelbot run` over HTTP,
# and `panelbot run` in Socket Mode (PORT then serves only the probes).
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('PORT', '3000'), timeout=4)"]
# Exec form: panelbot is PID 1 and gets SIGTERM itself (docker stop), and exits 0 after
# a graceful shutdown; give it a stop timeout above --graceful-timeout (30 s).
STOPSIGNAL SIGTERM
CMD ["panelbot", "serve"]

# matrixbot in a container: `docker build -t matrixbot .` (or `podman build`), then see
# docker-compose.yml. The config comes from a mounted file (/config/config.yaml) or from the
# environment alone (MATRIXBOT_HOMESERVER, MATRIXBOT_USER_ID, MATRIXBOT_PASSWORD or
# MATRIXBOT_ACCESS_TOKEN); the database, session and crypto store live in the /data volume, or
# the database in PostgreSQL with MATRIXBOT_DATABASE=postgresql://… (the image has the driver).
ARG PYTHON_IMAGE=python:3.11-slim-bookworm

FROM ${PYTHON_IMAGE} AS build
WORKDIR /src
COPY pyproject.toml README.md LICENSE build_catalogs.py ./
COPY matrixbot ./matrixbot
COPY plugins ./plugins
RUN python -m venv /opt/matrixbot \
    && /opt/matrixbot/bin/pip install --no-cache-dir --disable-pip-version-check '.[postgres]' \
    && /opt/matrixbot/bin/matrixbot --version

FROM ${PYTHON_IMAGE}
RUN groupadd --gid 10001 matrixbot \
    && useradd --uid 10001 --gid 10001 --home-dir /data --no-create-home \
        --shell /usr/sbin/nologin matrixbot \
    && mkdir -p /data /config \
    && chown matrixbot:matrixbot /data \
    && chmod 0700 /data
COPY --from=build /opt/matrixbot /opt/matrixbot
ENV PATH=/opt/matrixbot/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    MATRIXBOT_CONFIG=/config/config.yaml \
    MATRIXBOT_DATA_DIR=/data \
    MATRIXBOT_HTTP_LISTEN=127.0.0.1:9090
USER matrixbot
WORKDIR /data
VOLUME /data
# /health answers 200 while the bot syncs and its scheduler runs, else 503 (urlopen raises).
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:9090/health', timeout=4)"]
STOPSIGNAL SIGTERM
ENTRYPOINT ["matrixbot"]
CMD ["run"]

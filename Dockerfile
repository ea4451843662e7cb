# mockguard serve: a slim image that runs as uid/gid 10001 (numeric, so Kubernetes' runAsNonRoot
# can verify it). Build: docker build -t mockguard .   (.dockerignore keeps .venv, .git, caches out)
# The App's key must be readable by uid 10001: docs/service.md, "Giving the container its key".
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md LICENSE requirements-app.lock ./
COPY bot ./bot
COPY rules ./rules
# The App's dependencies exactly as pinned and hashed in requirements-app.lock (what CI tests), then
# mockguard itself without resolving anything again.
RUN pip install --no-cache-dir --prefix=/install --require-hashes -r requirements-app.lock \
 && pip install --no-cache-dir --prefix=/install --no-deps .

FROM python:3.11-slim
# git: the App reads pull requests through a partial clone per repository (docs/service.md).
RUN apt-get update && apt-get install -y --no-install-recommends git ca-certificates \
 && rm -rf /var/lib/apt/lists/*
COPY --from=build /install /usr/local
RUN groupadd --gid 10001 mockguard && useradd --create-home --uid 10001 --gid 10001 mockguard \
    && mkdir -p /data && chown 10001:10001 /data
USER 10001:10001
ENV MOCKGUARD_DATA_DIR=/data \
    PYTHONUNBUFFERED=1
VOLUME /data
EXPOSE 8000
# Readiness, not liveness: healthy only while the key loads, a JWT can be signed and the store answers.
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
  CMD python -c "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/readyz', timeout=4).status != 200)"
CMD ["mockguard", "serve", "--host", "0.0.0.0", "--port", "8000"]

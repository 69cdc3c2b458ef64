# Viva's container image: the supported way to grade code on macOS and Windows (Docker
# Desktop), and the unit a server deployment runs. Built from the same hashed lock as `make run`.
FROM python:3.11-slim-bookworm AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
WORKDIR /build
COPY requirements.lock ./
RUN python -m venv /opt/viva \
    && /opt/viva/bin/pip install --require-hashes -r requirements.lock
COPY pyproject.toml README.md ./
COPY src ./src
RUN /opt/viva/bin/pip install --no-deps .

FROM python:3.11-slim-bookworm
# bubblewrap isolates each graded run; libseccomp2 compiles its system-call filter.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends bubblewrap libseccomp2 \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --create-home --uid 10001 viva \
    && install -d -o viva -g viva /data
COPY --from=build /opt/viva /opt/viva
# Not root: the sandbox then runs unprivileged, each slot in its own user namespace.
USER 10001:10001
ENV PATH=/opt/viva/bin:$PATH \
    VIVA_DATA_DIR=/data \
    VIVA_HOST=0.0.0.0 \
    VIVA_PORT=8000
VOLUME ["/data"]
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s --start-period=20s \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2)"]
ENTRYPOINT ["viva"]
CMD ["serve"]

# openai-emulator: a small image that serves the emulator on 0.0.0.0:7171, with SQLite in the /data volume.
#   docker build -t openai-emulator .
#   docker run -p 7171:7171 -v "$PWD/scenarios:/scenarios:ro" openai-emulator
# Configure with OPENAI_EMULATOR_* environment variables (README, "Settings"), e.g. OPENAI_EMULATOR_DATABASE_URL.
# Scenario files mounted at /scenarios load at start-up; a bad one stops it with a file:line message.
#
# No Docker engine runs in CI: tests/packaging/test_image_install.py runs these same COPY and RUN pip steps
# in a fresh virtual environment and checks that `openai-emulator serve` answers.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    OPENAI_EMULATOR_HOST=0.0.0.0 \
    OPENAI_EMULATOR_PORT=7171 \
    OPENAI_EMULATOR_DATA_DIR=/data \
    OPENAI_EMULATOR_SCENARIO_PATHS='["/scenarios"]'

WORKDIR /app
COPY pyproject.toml README.md ./
COPY server ./server
COPY storage ./storage
COPY scenarios ./scenarios
RUN pip install . \
    && useradd --create-home --uid 10001 emulator \
    && mkdir -p /data /scenarios \
    && chown emulator /data

USER emulator
VOLUME ["/data"]
EXPOSE 7171
# Python rather than curl: the slim image has no curl, and the check must not need a second package.
HEALTHCHECK --interval=5s --timeout=3s --start-period=5s --retries=5 \
    CMD python -c "import os, urllib.request; urllib.request.urlopen(f'http://127.0.0.1:{os.environ.get(\"OPENAI_EMULATOR_PORT\", \"7171\")}/health', timeout=2)"
CMD ["openai-emulator", "serve"]

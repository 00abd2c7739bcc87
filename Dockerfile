# openai-emulator: a small image that serves the emulator on 0.0.0.0:7171 with SQLite in the /data volume.
#   docker build -t openai-emulator . && docker run -p 7171:7171 openai-emulator
# Configure with OPENAI_EMULATOR_* environment variables (see README), e.g. OPENAI_EMULATOR_DATABASE_URL.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    OPENAI_EMULATOR_HOST=0.0.0.0 \
    OPENAI_EMULATOR_PORT=7171 \
    OPENAI_EMULATOR_DATA_DIR=/data

WORKDIR /app
COPY pyproject.toml README.md ./
COPY server ./server
COPY storage ./storage
COPY scenarios ./scenarios
RUN pip install . \
    && useradd --create-home --uid 10001 emulator \
    && mkdir -p /data \
    && chown emulator /data

USER emulator
VOLUME ["/data"]
EXPOSE 7171
HEALTHCHECK --interval=5s --timeout=3s --start-period=5s --retries=5 \
    CMD python -c "import os, urllib.request; urllib.request.urlopen(f'http://127.0.0.1:{os.environ.get(\"OPENAI_EMULATOR_PORT\", \"7171\")}/health', timeout=2)"
CMD ["openai-emulator", "serve"]

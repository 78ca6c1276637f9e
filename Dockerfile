# The hotline under gunicorn: docker-compose.yml runs several of these behind nginx.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# Dependencies first, so that editing prompts or code does not reinstall them.
COPY pyproject.toml README.md ./
COPY ivr ./ivr
RUN pip install . \
    && useradd --system --home-dir /app --shell /usr/sbin/nologin hotline \
    && mkdir -p /usr/local/var/ivr-instance \
    && chown hotline /usr/local/var/ivr-instance

COPY prompts ./prompts
COPY data ./data
COPY deploy ./deploy

# The installed package does not sit beside prompts/ and data/, so say where they are. The image serves callers, so it
# runs in production: it refuses to start without the settings that protect them (see the README's Production).
ENV IVR_PROMPTS=/app/prompts \
    IVR_DATA=/app/data \
    IVR_LOG_FORMAT=json \
    IVR_ENV=production

USER hotline
EXPOSE 8000
CMD ["gunicorn", "-c", "deploy/gunicorn.conf.py", "ivr:create_app()"]

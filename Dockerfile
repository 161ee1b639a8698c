# The CoopMap image: one image for the web app, the Celery worker and beat.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONPATH=/app \
    VAR_DIR=/app/var

WORKDIR /app
# Exactly the locked versions, each checked against its hash (requirements.txt, `make lock`).
# The app itself runs from /app (PYTHONPATH): it is not installed as a package.
COPY requirements.txt ./
RUN pip install --require-hashes --no-deps -r requirements.txt
COPY . .
RUN useradd --system --home /app coopmap \
    && mkdir -p /app/var \
    && env DEBUG=false SECRET_KEY="$(python -c 'import secrets; print(secrets.token_urlsafe(50))')" \
       DATABASE_URL=postgres://build.invalid/build REDIS_URL=redis://build.invalid:6379/0 \
       ALLOWED_HOSTS=build.invalid SITE_URL=https://build.invalid \
       python manage.py collectstatic --noinput \
    && chown -R coopmap /app/var
USER coopmap

EXPOSE 8000
# Behind the reverse proxy (docker-compose.yml); the access log leaves out personal tokens.
CMD ["gunicorn", "coopmap.wsgi:application", "--config", "gunicorn.conf.py", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-", "--logger-class", "coopmap.access_log.RedactingGunicornLogger"]

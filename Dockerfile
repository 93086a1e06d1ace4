# Tandem web and Celery image. docker-compose.yml runs it as web, worker and beat.
FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# Pango and a font for the "My Plan" PDFs (WeasyPrint); the slim image has neither.
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*

# Dependencies first, so a code change does not reinstall them.
# pyproject.toml declares no packages: this installs the pinned dependencies; the code runs from /app.
COPY pyproject.toml constraints.txt README.md ./
RUN pip install -c constraints.txt .

COPY . .

# Static files at build time, so the image serves them on its own. Settings need a key, hosts and a database URL
# to load; collectstatic connects to no database, and these values stay out of the running container.
RUN useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin tandem \
    && mkdir -p var \
    && TANDEM_ENV=production \
       SECRET_KEY=build-only-not-a-secret \
       ALLOWED_HOSTS=localhost \
       DATABASE_URL=postgres://build@localhost:5432/build \
       python manage.py collectstatic --noinput \
    && chown -R tandem:tandem var

USER tandem
ENV TANDEM_ENV=production
EXPOSE 8000

CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3"]

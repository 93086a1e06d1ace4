# Tandem. `make demo` runs it with demo data; `make test` runs the whole suite.
# Both install into .venv with a Python >= 3.12 found on this machine.

SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
# A Python >= 3.12: pyenv's 3.12.1 (see .python-version), else python3.13 / python3.12 / python3 on PATH.
PYTHON ?= $(shell for p in $$HOME/.pyenv/versions/3.12.*/bin/python3 python3.13 python3.12 python3; do \
	command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null && { command -v $$p; break; }; done)

.PHONY: install chromium pdf-libs test-tools demo run worker beat test test-fast lint format migrate seed check-deploy bench

$(VENV)/.installed: pyproject.toml constraints.txt
	@test -n "$(PYTHON)" || { echo "Tandem needs Python 3.12 or newer. Install it (for example: pyenv install 3.12) and run make again."; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c constraints.txt -e '.[dev]'
	touch $@

install: $(VENV)/.installed

migrate: install
	$(PY) manage.py migrate --noinput

seed: migrate
	$(PY) manage.py seed_demo --if-empty

# The demo runs without Pango too; only the handout PDF needs it.
demo: seed
	-@$(MAKE) --no-print-directory pdf-libs
	$(PY) manage.py runserver 127.0.0.1:$(PORT)

run: migrate
	$(PY) manage.py runserver 127.0.0.1:$(PORT)

worker: install
	$(VENV)/bin/celery -A config worker --loglevel=INFO --concurrency=2

beat: install
	$(VENV)/bin/celery -A config beat --loglevel=INFO

# Browser tests drive Debian's Chromium (never a downloaded browser); install it when missing.
chromium:
	@test -x /usr/bin/chromium || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "Installing Debian's chromium for the browser tests"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else \
	    echo "The browser tests need Chromium at /usr/bin/chromium: run 'sudo apt-get install -y chromium'."; exit 1; \
	  fi; }

# "My Plan" PDFs are made by WeasyPrint, which needs Pango from the system; install it when missing.
pdf-libs: install
	@$(PY) -c 'import weasyprint' 2>/dev/null || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "Installing Pango for the handout PDFs"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libpango-1.0-0 libpangoft2-1.0-0 >/dev/null; \
	  else \
	    echo "Handout PDFs need Pango: run 'sudo apt-get install -y libpango-1.0-0 libpangoft2-1.0-0'."; exit 1; \
	  fi; }

# axe-core (npm) is injected into pages by the accessibility tests.
node_modules/.installed: package.json package-lock.json
	@command -v npm >/dev/null || { echo "The accessibility tests need Node.js and npm: run 'apt-get install -y nodejs npm'."; exit 1; }
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

test-tools: node_modules/.installed

test: install chromium pdf-libs test-tools
	$(VENV)/bin/pytest -n 2 --dist loadfile

test-fast: install chromium pdf-libs test-tools
	$(VENV)/bin/pytest -n 2 --dist loadfile --reuse-db

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# The caseload recompute benchmark (bench/README.md): a scratch database on DATABASE_URL's server (default:
# the local PostgreSQL) seeded with about 100,000 enrolments in care, timed, then dropped (about 5 minutes).
# BENCH_ARGS="--database URL" reuses a seeded database instead; "--keep" keeps the scratch one.
bench: install
	$(PY) bench/recompute.py $(BENCH_ARGS)

check-deploy: install
	TANDEM_ENV=production SECRET_KEY=$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(50))') \
		ALLOWED_HOSTS=tandem.example.org $(PY) manage.py check --deploy --fail-level WARNING

# The dashboard, caseload review and outcomes benchmark (issue 6, bench/README.md): builds the tandem_bench_dash
# database on DATABASE_URL's server the first time (about 15 minutes; kept for later runs, --fresh rebuilds it),
# then measures the pages under gunicorn. BENCH_ARGS passes options, e.g. BENCH_ARGS="--seed-only".
.PHONY: bench-dashboard
bench-dashboard: install
	$(PY) bench/dashboard.py $(BENCH_ARGS)

# CoopMap: `make run` serves the app with demo data, `make test` runs the whole suite.
# Both create .venv/ and install everything on a fresh clone.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
# Links in e-mails that the worker sends (and commands) start with this; pages' own e-mails
# use the address the visitor used.
SITE_URL ?= http://127.0.0.1:$(PORT)
PYTEST_ARGS ?=

.PHONY: setup run test test-fast worker beat bench lint format messages lock clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# Exactly the versions in the lock file, each checked against its hash. The app runs from this
# directory; it is not installed as a package.
$(VENV)/.installed: requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet --require-hashes --no-deps -r requirements-dev.txt
	touch $@

# Refresh the lock files after changing dependencies in pyproject.toml (needs PyPI):
# requirements.txt for the image, requirements-dev.txt (with the dev extra) for make and CI.
LOCK := $(BIN)/pip-compile --quiet --generate-hashes --strip-extras --allow-unsafe \
	--no-emit-index-url --no-emit-find-links
lock: setup
	$(LOCK) --output-file requirements.txt pyproject.toml
	$(LOCK) --extra dev --output-file requirements-dev.txt pyproject.toml

setup: $(VENV)/.installed
	@mkdir -p var/mail var/media

run: setup
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_demo
	SITE_URL=$(SITE_URL) $(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

test: setup
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# The inner loop: everything but the browser tests and the tests of the real services, on the
# embedded default (whatever DATABASE_URL or REDIS_URL say), in one process per core.
test-fast: setup
	env -u DATABASE_URL -u REDIS_URL $(BIN)/python -m pytest -m "not browser and not services" \
		--ignore=tests/e2e -n auto $(PYTEST_ARGS)

worker: setup
	SITE_URL=$(SITE_URL) $(BIN)/python -m celery -A coopmap worker --loglevel=INFO

beat: setup
	$(BIN)/python -m celery -A coopmap beat --loglevel=INFO --schedule var/celerybeat-schedule

bench: setup
	$(BIN)/python -m bench

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/djlint templates --lint
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/python manage.py check

format: setup
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Refresh the translation catalogues after changing user-visible strings, then translate the
# new entries in locale/*/LC_MESSAGES/django.po. The compiled .mo files are committed so that a
# fresh clone needs no gettext tools.
messages: setup
	$(BIN)/python manage.py makemessages --locale de --locale en --no-location --ignore ".venv/*" --ignore "var/*"
	$(BIN)/python manage.py makemessages --locale de --locale en --no-location -d djangojs --ignore ".venv/*" --ignore "var/*" --ignore "static/vendor/*"
	$(BIN)/python manage.py compilemessages --ignore ".venv/*"

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache

# CivicDesk: `make run` serves the demo city, `make test` runs the test suite.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
MANAGE := $(PY) site/manage.py
HOST ?= 127.0.0.1
PORT ?= 8000
# the admin's links in e-mails follow the port the demo is served on
export WAGTAILADMIN_BASE_URL ?= http://$(HOST):$(PORT)

.PHONY: run install install-test migrate demo test e2e bench lint messages check-deploy clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.installed: $(PY) setup.cfg pyproject.toml
	$(PY) -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(PY) -m pip install --quiet -e ".[test]"
	touch $@

install: $(VENV)/.installed

install-test: $(VENV)/.installed-test

migrate: install
	$(MANAGE) migrate --noinput

demo: migrate
	$(MANAGE) load_demo --port $(PORT)

## The demo city on http://$(HOST):$(PORT) with a django-q2 worker beside it.
run: demo
	@$(MANAGE) qcluster & QPID=$$!; \
	trap "kill $$QPID 2>/dev/null" EXIT INT TERM; \
	$(MANAGE) runserver $(HOST):$(PORT)

## The whole suite (SQLite by default; DATABASE_URL / REDIS_URL switch database and broker).
test: install-test
	$(PY) -m pytest -p no:cacheprovider $(PYTEST_ARGS)

## Browser tests: Playwright on Debian's chromium, axe-core from npm.
e2e: install-test
	$(PY) -m pytest -p no:cacheprovider -m e2e tests/e2e $(PYTEST_ARGS)

## Figures: catalog and addressee pages, appeals (PostgreSQL: BENCH_DATABASE_URL=postgres://...),
## the report classifier's accuracy, the situational-center GeoJSON, free slots and booking
## throughput, a 100,000-recipient campaign with a killed worker, the e-digest and digest
## matching, the survey results page, finding a caller among 1,000,000 persons, the chat
## channels' webhooks and whole conversations per platform; the management figures at
## 5,000,000 service events against 50,000 (INSIGHTS_BENCH_ARGS=--small for a short run); the
## city-size benchmark (PostgreSQL, Redis, gunicorn, wrk): every public page over HTTP against a stock Wagtail site, at demo and at city size.
bench: install-test
	$(PY) tests/perf/run.py
	$(PY) tests/perf/triage_bench.py
	$(PY) tests/perf/street_bench.py
	$(PY) tests/perf/reports_bench.py
	$(PY) tests/perf/queues_bench.py
	$(PY) tests/perf/mailings_bench.py
	$(PY) tests/perf/bulletins_bench.py
	$(PY) tests/perf/contacts_bench.py
	$(PY) tests/perf/channels_bench.py
	$(PY) tests/perf/surveys_bench.py
	$(PY) tests/perf/workspace_bench.py
	$(PY) tests/perf/assignment_bench.py
	$(PY) tests/perf/insights_bench.py $(INSIGHTS_BENCH_ARGS)
	$(PY) tests/perf/insights_speed.py
	$(PY) tests/perf/city_bench.py $(CITY_BENCH_ARGS)

lint: install-test
	$(PY) -m ruff check .

messages: install
	for app in addons/*/; do (cd $$app && $(CURDIR)/$(PY) $(CURDIR)/site/manage.py makemessages -l uk -l ro -l bg -l en --no-obsolete >/dev/null) || exit 1; done
	cd themes && $(CURDIR)/$(PY) $(CURDIR)/site/manage.py makemessages -l uk -l ro -l bg -l en --no-obsolete >/dev/null
	$(MANAGE) compilemessages >/dev/null

check-deploy: install
	DJANGO_SETTINGS_MODULE=civicdesk.settings.production SECRET_KEY=$$(head -c 48 /dev/urandom | base64) \
	ALLOWED_HOSTS=city.example.org $(MANAGE) check --deploy --fail-level WARNING

clean:
	rm -rf var

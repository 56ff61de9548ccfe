# The daily commands. `make run` and `make test` work on a fresh machine with Python >= 3.12.
VENV := .venv
PY := $(VENV)/bin/python
DEV_ENV := DEBUG=1
TEST_ENV := SECRET_KEY=insecure-key-for-tests-only DEBUG=0
# Every install comes from the lock (uv.lock, exported with hashes to requirements/*.txt):
# pip checks each file's hash; the project itself is installed without dependencies.
PIP_INSTALL := $(PY) -m pip install --quiet --disable-pip-version-check
# uv refreshes the lock with the venv's Python and never downloads one.
UV := UV_PYTHON=$(PY) UV_PYTHON_DOWNLOADS=never $(VENV)/bin/uv
UV_EXPORT := $(UV) export --quiet --frozen --format requirements-txt --no-emit-project \
	--no-default-groups --group build --no-header
LOCK_HEADER := \# uv.lock exported with hashes by make lock (or make upgrade): do not edit by hand.

.PHONY: fuzz run test lint types format check migrate demo clean serve worker bench faults upgrade lock lock-check browser messages

$(VENV)/bin/python:
	@python=$$(bin/find-python) && echo "Using $$python" && "$$python" -m venv $(VENV)

# Development and tests: the app's packages and the tools (requirements/dev.txt).
$(VENV)/installed: $(VENV)/bin/python requirements/dev.txt pyproject.toml
	$(PIP_INSTALL) --require-hashes -r requirements/dev.txt
	$(PIP_INSTALL) --no-deps --no-build-isolation -e .
	@touch $@

# Production: the app's packages only (requirements/production.txt).
$(VENV)/installed-production: $(VENV)/bin/python requirements/production.txt pyproject.toml
	$(PIP_INSTALL) --require-hashes -r requirements/production.txt
	$(PIP_INSTALL) --no-deps --no-build-isolation -e .
	@touch $@

PORT ?= 8000

run: $(VENV)/installed  ## the app with demo data on http://127.0.0.1:8000 (another port: make run PORT=8123)
	$(DEV_ENV) $(PY) manage.py migrate --noinput
	$(DEV_ENV) $(PY) manage.py load_demo
	@echo "The boards: http://127.0.0.1:$(PORT)/  The chair's desk: http://127.0.0.1:$(PORT)/admin/"
	@# The task worker beside the server (it sends the mail), stopped with it: the real
	@# worker, not the immediate backend, so that development meets what production runs.
	$(DEV_ENV) bin/with-worker $(PY) $(PY) manage.py runserver 127.0.0.1:$(PORT)

upgrade: $(VENV)/installed  ## the newest allowed versions into the lock (one package: make upgrade PACKAGE=django)
	$(UV) lock $(if $(PACKAGE),--upgrade-package $(PACKAGE),--upgrade)
	$(MAKE) --no-print-directory lock

lock: $(VENV)/installed  ## after editing pyproject.toml's dependencies: the lock, its exports, the venv
	$(UV) lock
	{ echo "$(LOCK_HEADER)"; $(UV_EXPORT) --extra dev; } > requirements/dev.txt
	{ echo "$(LOCK_HEADER)"; $(UV_EXPORT); } > requirements/production.txt
	$(PIP_INSTALL) --require-hashes -r requirements/dev.txt
	@touch $(VENV)/installed

lock-check: $(VENV)/installed  ## uv.lock agrees with pyproject.toml, requirements/*.txt with uv.lock
	$(UV) lock --check
	{ echo "$(LOCK_HEADER)"; $(UV_EXPORT) --extra dev; } | cmp -s requirements/dev.txt - \
		|| { echo "requirements/dev.txt is not uv.lock's export: run make lock" >&2; exit 1; }
	{ echo "$(LOCK_HEADER)"; $(UV_EXPORT); } | cmp -s requirements/production.txt - \
		|| { echo "requirements/production.txt is not uv.lock's export: run make lock" >&2; exit 1; }

# The browser tests use $CHROMIUM, else /usr/bin/chromium, else Playwright's own Chromium
# (`make browser`); tests/browser/conftest.py chooses and says how to get one when none is there,
# and bin/ensure-chromium installs one first when none is there.
test: $(VENV)/installed  ## the whole test suite (DATABASE_URL picks the database)
	@bin/ensure-chromium $(VENV)
	$(TEST_ENV) $(PY) manage.py collectstatic --noinput --verbosity 0
	$(TEST_ENV) $(VENV)/bin/pytest $(PYTEST_ARGS)

FUZZ_EXAMPLES ?= 500
fuzz: $(VENV)/installed  ## the fuzzer at length: FUZZ_EXAMPLES=500 examples an endpoint (DATABASE_URL picks the database)
	$(TEST_ENV) $(PY) manage.py collectstatic --noinput --verbosity 0
	FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(TEST_ENV) $(VENV)/bin/pytest tests/test_fuzz.py -q

browser: $(VENV)/installed  ## Playwright's Chromium for the browser tests, for this user (needs its download site)
	$(VENV)/bin/playwright install chromium

lint: $(VENV)/installed  ## ruff, the type check, the CI workflow
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(MAKE) --no-print-directory types
	$(VENV)/bin/actionlint

types: $(VENV)/installed  ## mypy with django-stubs (configuration in pyproject.toml)
	$(TEST_ENV) $(VENV)/bin/mypy

format: $(VENV)/installed
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

check: $(VENV)/installed  ## Django's deployment checks with production settings
	SECRET_KEY=$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(50))') HTTPS=1 DEBUG=0 EMAIL_HOST=smtp.example.org \
		ALLOWED_HOSTS=openspaces.example.org $(PY) manage.py check --deploy --fail-level WARNING

migrate: $(VENV)/installed
	$(DEV_ENV) $(PY) manage.py migrate

demo: $(VENV)/installed  ## reset the demo conference around today
	$(DEV_ENV) $(PY) manage.py load_demo --reset

clean:
	rm -rf $(VENV) staticfiles

serve: $(VENV)/installed-production  ## production: migrate, collectstatic, gunicorn and the task worker (needs SECRET_KEY etc.)
	$(PY) manage.py migrate --noinput
	$(PY) manage.py collectstatic --noinput --verbosity 0
	bin/with-worker $(PY) $(VENV)/bin/gunicorn -c openspaces/gunicorn.conf.py openspaces.wsgi

worker: $(VENV)/installed-production  ## production: the task worker alone (a process manager's second service)
	$(PY) manage.py requeue_stuck_tasks
	$(PY) manage.py db_worker --no-reload

bench: $(VENV)/installed  ## measured speed: board, static ceiling, 304 polls, claims (bench/README)
	bench/run.sh

faults: $(VENV)/installed  ## behaviour under faults: PostgreSQL restart, Redis down, worker killed, two servers
	bench/faults.sh

# The catalogue (boards/locale/es/LC_MESSAGES/django.po) from every marked string, then the
# compiled .mo that is committed with it. Needs GNU gettext (apt-get install gettext).
messages: $(VENV)/installed  ## after changing user-facing text: update, translate, compile
	$(DEV_ENV) $(PY) manage.py makemessages --locale es --no-location --no-obsolete --ignore=.venv \
		--ignore=staticfiles --ignore=tests --ignore=bench --ignore=static
	$(DEV_ENV) $(PY) manage.py compilemessages --ignore=.venv

# The daily commands. `make run` and `make test` work on a fresh machine.
VENV := .venv
PY := $(VENV)/bin/python
DEV_ENV := DEBUG=1
TEST_ENV := SECRET_KEY=insecure-key-for-tests-only DEBUG=0
# The browser tests (tests/browser) drive Debian's Chromium; Playwright never fetches one.
CHROMIUM := /usr/bin/chromium

.PHONY: run test lint format check migrate demo clean serve bench faults

$(VENV)/installed: pyproject.toml
	@python=$$(bin/find-python) && echo "Using $$python" && "$$python" -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $@

run: $(VENV)/installed  ## the app with demo data on http://127.0.0.1:8000
	$(DEV_ENV) $(PY) manage.py migrate --noinput
	$(DEV_ENV) $(PY) manage.py load_demo
	$(DEV_ENV) $(PY) manage.py runserver 127.0.0.1:8000

test: $(VENV)/installed $(CHROMIUM)  ## the whole test suite (DATABASE_URL picks the database)
	$(TEST_ENV) $(PY) manage.py collectstatic --noinput --verbosity 0
	$(TEST_ENV) $(VENV)/bin/pytest $(PYTEST_ARGS)

$(CHROMIUM):  ## Debian's Chromium for the browser tests, installed when missing (as root)
	@[ "$$(id -u)" = 0 ] || { echo "$@ is missing: install Debian's chromium package (apt-get install chromium) as root." >&2; exit 1; }
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium

lint: $(VENV)/installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

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

serve: $(VENV)/installed  ## production: migrate, collectstatic, gunicorn (needs SECRET_KEY etc.)
	$(PY) manage.py migrate --noinput
	$(PY) manage.py collectstatic --noinput --verbosity 0
	$(VENV)/bin/gunicorn -c openspaces/gunicorn.conf.py openspaces.wsgi

bench: $(VENV)/installed  ## measured speed: board, static ceiling, 304 polls, claims (bench/README)
	bench/run.sh

faults: $(VENV)/installed  ## behaviour under faults: PostgreSQL restart, Redis down, worker killed, two servers
	bench/faults.sh

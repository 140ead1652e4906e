# CDM: `make run` serves the demo on http://127.0.0.1:8000/, `make test` runs the whole suite.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PY     := $(BIN)/python
STAMP  := $(VENV)/.installed-stamp
DEMO_CUSTOMERS ?= 5000
PYTEST_ARGS ?=

.PHONY: setup assets run test migrate demo lock clean check-deploy

setup: $(STAMP) assets

# Front-end assets come from the npm registry (package-lock.json pins them) and are copied into
# static/vendor, which staticfiles serves: no CDN, so pages work offline and under a strict CSP.
assets: static/vendor/htmx.min.js static/vendor/chart.umd.min.js static/vendor/chart.umd.min.js.map

node_modules/.installed-stamp: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

static/vendor/htmx.min.js: node_modules/.installed-stamp
	mkdir -p static/vendor
	cp node_modules/htmx.org/dist/htmx.min.js static/vendor/htmx.min.js

static/vendor/chart.umd.min.js: node_modules/.installed-stamp
	mkdir -p static/vendor
	cp node_modules/chart.js/dist/chart.umd.min.js static/vendor/chart.umd.min.js

# The bundle names its source map: collectstatic's manifest (DEBUG off) refuses a reference to a missing file.
static/vendor/chart.umd.min.js.map: node_modules/.installed-stamp
	mkdir -p static/vendor
	cp node_modules/chart.js/dist/chart.umd.min.js.map static/vendor/chart.umd.min.js.map

$(STAMP): pyproject.toml constraints.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade "pip>=24"
	$(PY) -m pip install --quiet --disable-pip-version-check -c constraints.txt -e ".[dev]"
	touch $(STAMP)

migrate: setup
	DEBUG=$${DEBUG:-1} $(PY) manage.py migrate --noinput

demo: migrate
	DEBUG=$${DEBUG:-1} $(PY) manage.py seed_demo --customers $(DEMO_CUSTOMERS)

run: demo
	DEBUG=$${DEBUG:-1} $(PY) manage.py runserver 127.0.0.1:8000

# The import layers first (.importlinter: cdm imports no app, views -> services -> selectors -> models),
# then the suite. pytest exit code 5 ("no tests collected") is a failure here, like any other non-zero code.
test: setup
	$(BIN)/lint-imports --no-cache
	$(BIN)/pytest $(PYTEST_ARGS)

check-deploy: setup
	DEBUG=0 SECRET_KEY=$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(50))') \
	CDM_BLIND_INDEX_KEY=check CRYPTOGRAPHY_KEY=check ALLOWED_HOSTS=cdm.example.com CDM_PUBLIC_BASE_URL=https://cdm.example.com DATABASE_URL=sqlite:///var/check-deploy.sqlite3 \
	$(PY) manage.py check --deploy --fail-level WARNING

lock:
	rm -rf .venv-lock && $(PYTHON) -m venv .venv-lock
	.venv-lock/bin/pip install --quiet --upgrade pip && .venv-lock/bin/pip install --quiet -e ".[dev]"
	(echo "# Versions CI tested. Regenerate with: make lock"; .venv-lock/bin/pip freeze --exclude-editable) > constraints.txt
	rm -rf .venv-lock

clean:
	rm -rf $(VENV) var staticfiles node_modules static/vendor

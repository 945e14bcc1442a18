# Two commands a user needs: `make run` and `make test`. Everything else builds on them.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
SCALES ?= 1000000 10000000
SHAPES ?= demo
PORT ?= 8050
HOST ?= http://127.0.0.1:8050
USERS ?= 50
DURATION ?= 60
# pytest-xdist processes for `make test` (0: the suite in make's own pytest process).
TEST_WORKERS ?= 2

.PHONY: run test bench serve loadtest screenshots clean reset

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: setup.cfg pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: setup.cfg pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(VENV)/.installed $@

run: $(VENV)/.installed
	$(BIN)/dashboard setup-demo
	$(BIN)/dashboard run --port $(PORT)

test: $(VENV)/.installed-test
	$(BIN)/python -m pytest -n $(TEST_WORKERS) $(PYTEST_ARGS)

bench: $(VENV)/.installed-test
	$(BIN)/python bench/run.py --scales "$(SCALES)" --shapes "$(SHAPES)"

# Production-style server: schema upgraded first, then gunicorn (see docs/deployment.md).
serve: $(VENV)/.installed
	$(BIN)/dashboard init-db
	PORT=$(PORT) $(BIN)/gunicorn -c dashboard/gunicorn_conf.py wsgi:application

# Against a running server (make serve): USERS logged-in users for DURATION seconds.
loadtest: $(VENV)/.installed
	$(BIN)/pip show --quiet locust >/dev/null 2>&1 || $(BIN)/pip install --quiet -e '.[load]'
	$(BIN)/python bench/loadtest.py --host $(HOST) --users $(USERS) --duration $(DURATION)

# PNGs of each main view for the README, from the demo sample in headless Chromium.
screenshots: $(VENV)/.installed-test
	$(BIN)/python docs/make_screenshots.py

# Only what a build makes again; the database and uploads in instance/ are never touched.
clean:
	rm -rf $(VENV) *.egg-info build dist .pytest_cache .hypothesis
	find . -name __pycache__ -type d -prune -exec rm -rf {} +

# Deletes the database, uploaded files and cached results after asking (see the README).
reset: $(VENV)/.installed
	$(BIN)/dashboard reset-data

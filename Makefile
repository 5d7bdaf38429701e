# konigle_bg: `make demo` runs the demo store, `make test` runs the whole suite, `make check`
# the fast part of it (lint, unit and service tests) while developing.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
PHOTOS ?=
# pytest-xdist workers. The slow tests mostly wait on real processes (workers, servers, a
# browser), so more workers than cores pays. --dist loadfile keeps each file on one worker, so
# module-scoped fixtures (the browser tests' site, the tiny torch models) are built once.
TEST_WORKERS ?= 4
CHECK_WORKERS ?= 2
FAST := not browser and not integration and not cluster and not slow
export DJANGO_SETTINGS_MODULE ?= config.settings

.PHONY: demo test check install system-deps lint serve clean readme-images

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	# torch is pinned in the extras so pip takes the CPU build, never a multi-GB CUDA one.
	$(PY) -m pip install -q -e ".[dev]"
	touch $@

install: $(VENV)/.installed

# Debian packages the tests drive: Chromium for browser tests, Redis and PostgreSQL servers
# for the cluster tests where none runs already.
system-deps:
	@bash scripts/system-deps.sh

demo: install
	@bash scripts/demo.sh "$(HOST)" "$(PORT)" "$(PHOTOS)"

test: install system-deps
	$(PY) -m ruff check .
	$(PY) -m pytest -n $(TEST_WORKERS) --dist loadfile

# Lint, then the unit and service tests: no browser, no worker processes, no cluster.
check: install
	$(PY) -m ruff check .
	$(PY) -m pytest -q -n $(CHECK_WORKERS) --dist loadfile -m "$(FAST)"

lint: install
	$(PY) -m ruff check . && $(PY) -m ruff format --check .

readme-images: install
	$(PY) manage.py bg_showcase --out docs/images

clean:
	rm -rf var .pytest_cache

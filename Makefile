# crossdesk: every target bootstraps .venv when it is missing, so a fresh clone needs only `make demo`
# or `make test`.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
DEMO_DB ?= demo-desk/desk.db
DEMO_SIZE ?= 5000
ARGS ?=

.PHONY: demo test lint bench build clean

# (Re)install when the package definition or a kernel changes.
$(STAMP): pyproject.toml setup.py $(wildcard ext/*.pyx ext/*.pxd)
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip setuptools wheel
	$(PY) -m pip install --quiet -e ".[dev,dask]"
	touch $(STAMP)

build: $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/crossdesk demo --db $(DEMO_DB) --size $(DEMO_SIZE) --sla examples/sla.toml --rules examples/rules.toml $(ARGS)

test: $(STAMP) lint
	$(PY) -m pytest -q $(ARGS)

# import-linter reads a package from one folder; crossdesk spans four (see package-dir), so the contracts
# are checked on a merged copy of the sources.
lint: $(STAMP)
	$(VENV)/bin/ruff check .
	rm -rf build/lint && mkdir -p build/lint/crossdesk
	cp -r core/. build/lint/crossdesk/ && cp -r ext build/lint/crossdesk/_native
	cp -r plugins build/lint/crossdesk/plugins && cp -r tui build/lint/crossdesk/tui
	cd build/lint && PYTHONPATH=. ../../$(VENV)/bin/lint-imports ../../pyproject.toml

bench: $(STAMP)
	$(PY) benches/run.py $(ARGS)

clean:
	rm -rf build dist *.egg-info ext/*.so ext/*.c $(VENV)/.installed

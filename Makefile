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
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

build: $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/crossdesk demo --db $(DEMO_DB) --size $(DEMO_SIZE) $(ARGS)

test: $(STAMP) lint
	$(PY) -m pytest -q $(ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports

bench: $(STAMP)
	$(PY) benches/run.py $(ARGS)

clean:
	rm -rf build dist *.egg-info ext/*.so ext/*.c $(VENV)/.installed

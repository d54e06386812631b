# crossdesk: every target bootstraps .venv when it is missing, so a fresh clone needs only `make demo`
# or `make test`.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
DEMO_DB ?= demo-desk/desk.db
DEMO_SIZE ?= 5000
ARGS ?=

.PHONY: demo test lint bench instructions build clean browser

# (Re)install when the package definition or a kernel changes.
$(STAMP): pyproject.toml setup.py $(wildcard ext/*.pyx ext/*.pxd)
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip setuptools wheel
	$(PY) -m pip install --quiet -e ".[dev,dask,parquet]"
	touch $(STAMP)

# The compiled twins of the bulk-intake modules (crossdesk._accel), again when one of their sources changes:
# until then the changed module is imported from its source (slower, never stale).
ACCEL := $(VENV)/.accel
$(ACCEL): $(STAMP) $(wildcard core/io/*.py core/intake/*.py)
	$(PY) -m crossdesk._accel 2>/dev/null || $(PY) setup.py --quiet build_ext --inplace
	touch $(ACCEL)

build: $(STAMP) $(ACCEL)

demo: $(STAMP) $(ACCEL)
	$(VENV)/bin/crossdesk demo --db $(DEMO_DB) --size $(DEMO_SIZE) --sla examples/sla.toml --rules examples/rules.toml $(ARGS)

test: $(STAMP) $(ACCEL) lint browser
	$(PY) -m pytest -q $(ARGS)

# The headless browser of the `crossdesk serve` test (tests/serve): Debian's chromium, installed only when
# it is missing; where it cannot be installed the test says so and is skipped.
browser:
	test -x /usr/bin/chromium || (apt-get update -qq && apt-get install -y -qq --no-install-recommends chromium) \
		|| echo "chromium could not be installed: the browser test of crossdesk serve will be skipped"

# import-linter reads a package from one folder; crossdesk spans four (see package-dir), so the contracts
# are checked on a merged copy of the sources.
lint: $(STAMP)
	$(VENV)/bin/ruff check .
	rm -rf build/lint && mkdir -p build/lint/crossdesk
	cp -r core/. build/lint/crossdesk/ && cp -r ext build/lint/crossdesk/_native
	cp -r plugins build/lint/crossdesk/plugins && cp -r tui build/lint/crossdesk/tui
	cd build/lint && PYTHONPATH=. ../../$(VENV)/bin/lint-imports ../../pyproject.toml

bench: $(STAMP) $(ACCEL)
	$(PY) benches/run.py $(ARGS)

# Instructions of one import, counted by callgrind: repeatable to about 0.1% on a noisy machine (see the
# script). Needs valgrind (Debian's package of that name).
instructions: $(STAMP) $(ACCEL)
	$(PY) benches/instructions.py

clean:
	rm -rf build dist *.egg-info ext/*.so ext/*.c core/_accel/*/ core/_accel/manifest.json $(VENV)/.installed $(ACCEL)

# Two commands take a fresh clone to a site: `make site` and `make test`. BUILD_ARGS=--strict fails on warnings.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: site new test serve publish bench clean

# The venv is rebuilt whenever pyproject.toml changes (the stamp is older than it).
$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

site: $(VENV)/.installed
	$(BIN)/unrolled build $(BUILD_ARGS)

# `make new NAME=my-page` scaffolds content/my-page.md.
new: $(VENV)/.installed
	@test -n "$(NAME)" || { echo 'usage: make new NAME=my-page' >&2; exit 2; }
	$(BIN)/unrolled new '$(NAME)'

test: $(VENV)/.installed-test
	$(BIN)/ruff check generator tests
	$(BIN)/mypy generator
	$(BIN)/python -m pytest

serve: $(VENV)/.installed
	$(BIN)/unrolled serve

publish: $(VENV)/.installed
	$(BIN)/unrolled publish

# `make bench`: its own venv with the project and the comparison tools (MkDocs, Playwright),
# so `make test` never sees them. Pass options with BENCH_ARGS, e.g. BENCH_ARGS="--rows cold,warm".
BENCH_VENV := .venv-bench

$(BENCH_VENV)/.installed: pyproject.toml tests/bench/requirements.txt
	test -x $(BENCH_VENV)/bin/python || $(PYTHON) -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(BENCH_VENV)/bin/python -m pip install --quiet -e . -r tests/bench/requirements.txt
	touch $@

# Lighthouse for the `lighthouse` row: npm's package at a pinned version, into build/bench-node only (never global).
LIGHTHOUSE_VERSION := 13.5.0
LIGHTHOUSE := build/bench-node/node_modules/.bin/lighthouse

$(LIGHTHOUSE): Makefile
	npm install --prefix build/bench-node --no-audit --no-fund --silent lighthouse@$(LIGHTHOUSE_VERSION)
	touch $@

bench: $(BENCH_VENV)/.installed $(LIGHTHOUSE)
	$(BENCH_VENV)/bin/python tests/bench/run.py $(BENCH_ARGS)

clean:
	rm -rf build

# Two commands take a fresh clone to a site: `make site` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: site test serve publish bench clean

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
	$(BIN)/unrolled build

test: $(VENV)/.installed-test
	$(BIN)/ruff check generator tests
	$(BIN)/mypy generator
	$(BIN)/python -m pytest

serve: $(VENV)/.installed
	$(BIN)/unrolled serve

publish: $(VENV)/.installed
	$(BIN)/unrolled publish

clean:
	rm -rf build

# Atiende: `make run` (everything, then the embedded desk with demo data) and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
VENDOR := src/atiende/web/static/atiende/vendor
export ATIENDE_DATA_DIR ?= $(CURDIR)/var

.PHONY: run test install assets lint typecheck check messages bench clean

run: install assets
	$(BIN)/atiende run --demo

test: install assets
	$(BIN)/pytest -n 2 --dist loadfile

install: $(BIN)/.installed

$(BIN)/.installed: pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
	  { echo "Atiende needs Python 3.11 or newer (set PYTHON=python3.12, say)."; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

# Front-end packages come from the npm registry at install time, never from a CDN.
# Without npm the UI still works: htmx only enhances pages that already work without it.
assets: $(VENDOR)/htmx.min.js

$(VENDOR)/htmx.min.js: package.json
	@mkdir -p $(VENDOR)
	@if command -v npm >/dev/null 2>&1; then \
	  npm install --no-audit --no-fund --silent && cp node_modules/htmx.org/dist/htmx.min.js $@; \
	else echo "npm not found: serving pages without htmx enhancements."; fi

lint: install
	$(BIN)/ruff check src tests bench scripts
	$(BIN)/ruff format --check src tests bench scripts
	$(BIN)/python scripts/check_raw_sql.py
	$(BIN)/lint-imports --no-cache

typecheck: install
	$(BIN)/mypy

check: lint typecheck
	ATIENDE_DATA_DIR=$$(mktemp -d) $(BIN)/atiende manage makemigrations --check --dry-run

# Extract messages, complete the English catalogue (source language), compile both.
# Spanish translations are written in src/atiende/locale/es/LC_MESSAGES/django.po.
messages: install
	cd src/atiende && ../../$(BIN)/atiende manage makemessages -l es -l en --no-obsolete --no-location
	$(BIN)/python scripts/fill_english_catalog.py
	cd src/atiende && ../../$(BIN)/atiende manage compilemessages -l es

bench: install
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) node_modules $(VENDOR) var

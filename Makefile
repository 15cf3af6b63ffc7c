# open-weights-lag: validate the CSVs, build the SQLite database, serve it.
# Every output is a real file target: a second `make` with nothing changed does nothing.

PYTHON_SYS ?= python3
VENV       := .venv
PY         := $(VENV)/bin/python
DATASETTE  := $(VENV)/bin/datasette
SETUP      := $(VENV)/.installed
DB         := build/open-weights-lag.db
METADATA   := build/metadata.json
INSPECT    := build/inspect.json
CSVS       := $(wildcard data/*.csv)
BUILD_PY   := scripts/__init__.py scripts/package.py scripts/validate.py scripts/build.py scripts/views.sql
HOST       ?= 127.0.0.1
PORT       ?= 8001

# Serving settings: why each is set is in the README ("Serving").
SETTINGS := --setting sql_time_limit_ms 3000 \
            --setting max_returned_rows 2000 \
            --setting allow_download on \
            --setting allow_csv_stream on \
            --setting default_page_size 100 \
            --setting facet_time_limit_ms 500 \
            --setting num_sql_threads 3 \
            --setting default_cache_ttl 3600

.DEFAULT_GOAL := all
.PHONY: all help setup validate build serve test clean coverage

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/'

all: $(DB) $(METADATA) $(INSPECT) ## validate, build the database and the served metadata

setup: $(SETUP) ## create .venv from the pinned requirements

$(SETUP): requirements.txt
	@echo "==> setting up $(VENV) from requirements.txt"
	$(PYTHON_SYS) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

validate: $(SETUP) ## check the CSVs against the schema and the cross-table rules
	@echo "==> validating datapackage.json and data/*.csv"
	$(PY) -m scripts.validate

build: $(DB) ## build build/open-weights-lag.db (validates first)

$(DB): datapackage.json $(CSVS) $(BUILD_PY) $(SETUP)
	@echo "==> validating and building $@"
	$(PY) -m scripts.build --db $@

$(METADATA): metadata.yml datapackage.json scripts/metadata.py $(SETUP)
	@echo "==> writing $@"
	$(PY) -m scripts.metadata --out $@

$(INSPECT): $(DB)
	@echo "==> writing $@"
	$(DATASETTE) inspect $(DB) --inspect-file $@.tmp
	mv $@.tmp $@

serve: all ## build, then serve the site on http://127.0.0.1:8001
	@echo "==> serving http://$(HOST):$(PORT)"
	$(DATASETTE) serve -i $(DB) --inspect-file $(INSPECT) -m $(METADATA) \
	  -h $(HOST) -p $(PORT) $(SETTINGS)

test: all ## run every test
	@echo "==> running tests"
	$(PY) -m pytest

clean: ## remove generated files (keeps .venv)
	rm -rf build dist

coverage: $(DB) ## print what the data covers and where it has gaps
	$(PY) -m scripts.coverage $(DB)

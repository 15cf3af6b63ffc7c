# open-weights-lag: validate the CSVs, build the SQLite database, serve it.
# Every output is a real file target: a second `make` with nothing changed does nothing.

PYTHON_SYS ?= python3
VENV       := .venv
PY         := $(VENV)/bin/python
DATASETTE  := $(VENV)/bin/datasette
SETUP      := $(VENV)/.installed
# The package name, as datapackage.json states it, names the database.
NAME       := $(shell $(PYTHON_SYS) -c 'import json; print(json.load(open("datapackage.json"))["name"])')
DB         := build/$(NAME).db
METADATA   := build/metadata.json
INSPECT    := build/inspect.json
CSVS       := $(wildcard data/*.csv)
BUILD_PY   := $(wildcard scripts/*.py scripts/derived/*.sql) site/plugins/sql_functions.py
HOST       ?= 127.0.0.1
PORT       ?= 8001
PLUGINS    := site/plugins
SITE_FILES := $(wildcard site/settings.json $(PLUGINS)/*.py site/templates/*.html site/static/*)
FLY_APP    ?= $(NAME)

.DEFAULT_GOAL := all
.PHONY: all help setup validate build serve test lint clean coverage release changes changelog check-version publish publish-dry-run loadtest bench hf-dataset hf-publish cross-check

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/'

all: $(DB) $(METADATA) $(INSPECT) ## validate, build the database and the served metadata

setup: $(SETUP) ## create .venv from the pinned requirements (and fetch what the tests read)

# The Citation File Format 1.2.0 JSON schema, taken from the cffconvert wheel on
# PyPI (cffconvert itself pins an old jsonschema, so it is not installed). Fetched
# at setup, so the tests need no network once `make` has run.
CFF_SCHEMA := $(VENV)/cff-schema-1.2.0.json

$(SETUP): requirements.txt
	@echo "==> setting up $(VENV) from requirements.txt"
	$(PYTHON_SYS) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements.txt
	$(VENV)/bin/pip download --quiet --disable-pip-version-check --no-deps --dest $(VENV)/cffconvert-dist cffconvert==2.0.0
	$(PY) -c "import glob, zipfile; z = zipfile.ZipFile(sorted(glob.glob('$(VENV)/cffconvert-dist/cffconvert-2.0.0-*.whl'))[0]); open('$(CFF_SCHEMA)', 'wb').write(z.read('cffconvert/schemas/1.2.0/schema.json'))"
	$(PY) -m scripts.tools.actionlint fetch $(VENV)/actionlint
	touch $@

validate: $(SETUP) ## check the CSVs against the schema and the cross-table rules
	@echo "==> validating datapackage.json and data/*.csv"
	$(PY) -m scripts.validate

build: $(DB) ## build build/$(NAME).db (validates first)

$(DB): datapackage.json $(CSVS) $(BUILD_PY) $(SETUP)
	@echo "==> validating and building $@"
	$(PY) -m scripts.build --db $@

$(METADATA): metadata.yml datapackage.json $(BUILD_PY) $(DB) $(SETUP)
	@echo "==> writing $@"
	$(PY) -m scripts.metadata --db $(DB) --out $@

$(INSPECT): $(DB)
	@echo "==> writing $@"
	$(DATASETTE) inspect $(DB) --inspect-file $@.tmp
	mv $@.tmp $@

serve: all ## build, then serve the site on http://127.0.0.1:8001
	$(PY) -m scripts.serve serve --host $(HOST) --port $(PORT)

test: all ## run every test (lint first)
	@echo "==> linting"
	$(VENV)/bin/ruff check scripts tests site
	@echo "==> running tests"
	$(PY) -m pytest

lint: $(SETUP) ## ruff (pyflakes and complexity) and actionlint on the GitHub workflows
	$(VENV)/bin/ruff check scripts tests site
	$(PY) -m scripts.tools.actionlint

clean: ## remove generated files (keeps .venv)
	rm -rf build dist

BENCH_SIZES ?= 10000,100000,1000000
BENCH_RUNS  ?= 3
BENCH_REQUESTS ?= 100

bench: all ## time validate and build on synthetic packages (vs sqlite3 .import, csv, a peer) and the served queries
	$(PY) -m scripts.tools.bench --sizes $(BENCH_SIZES) --runs $(BENCH_RUNS) --serve-requests $(BENCH_REQUESTS)

loadtest: all ## serve the site and load it from a second process at 10 and 50 connections
	$(PY) -m scripts.tools.loadtest

coverage: $(DB) ## print what the data covers and where it has gaps
	$(PY) -m scripts.tools.coverage $(DB)

check-version: $(SETUP) ## check version discipline against the last release (also run by make test)
	$(PY) -m scripts.release check

changes: $(SETUP) ## rows added, removed and changed since the previous release, field by field
	$(PY) -m scripts.release changes

changelog: $(SETUP) ## the changes since the previous release as a CHANGELOG section
	$(PY) -m scripts.release changelog

cross-check: all ## compare with the dated snapshot of Epoch AI's catalogue in reference/ (coverage, date differences)
	$(PY) -m scripts.tools.crosscheck --db $(DB) --min-coverage 95

HF_DIR  ?= dist/hf-dataset
HF_REPO ?= open-weights-lag/open-weights-lag

hf-dataset: $(SETUP) ## $(HF_DIR): the tables as a Hugging Face dataset repository (card + Parquet)
	$(PY) -m scripts.hf_dataset build --out $(HF_DIR)

hf-publish: hf-dataset ## upload $(HF_DIR) to the Hub as HF_REPO (needs HF_TOKEN)
	$(PY) -m scripts.hf_dataset publish --repo $(HF_REPO) --out $(HF_DIR)

release: all ## dist/open-weights-lag-X.Y.Z.zip + .sha256 (reproducible, validated), recorded in releases/
	$(PY) -m scripts.release build --out dist

publish: all ## deploy the site to Fly.io (needs flyctl and `flyctl auth login`)
	$(PY) -m scripts.serve publish --app $(FLY_APP)

PUBLISH_DIR ?= build/publish

publish-dry-run: all ## write the app Fly would deploy to build/publish/, deploy nothing
	rm -rf $(PUBLISH_DIR)
	$(PY) -m scripts.serve publish --app $(FLY_APP) --generate-dir $(PUBLISH_DIR)
	@echo "==> wrote $(PUBLISH_DIR) (Dockerfile, fly.toml, metadata.json, database)"

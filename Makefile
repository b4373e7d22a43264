# GridScore: `make run` serves the dashboard, `make test` runs the whole suite.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
DB ?= $(or $(GRIDSCORE_DB),data/gridscore.duckdb)
PORT ?= 8501
ADDRESS ?= 127.0.0.1
export UV_PYTHON_DOWNLOADS := never

.PHONY: run test test-spark venv venv-spark demo sysdeps bench clean

venv: $(VENV)/.installed

$(VENV)/.installed: requirements.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --disable-pip-version-check -q -r requirements.txt
	@touch $@

# PySpark (and Java) only for the Spark parity group and `rollup --engine spark`
venv-spark: $(VENV)/.spark-installed

$(VENV)/.spark-installed: requirements-spark.txt | $(VENV)/.installed
	$(PY) -m pip install --disable-pip-version-check -q -r requirements-spark.txt
	@touch $@

$(DB): | $(VENV)/.installed
	$(PY) -m metrics demo --db $(DB)

demo: venv
	$(PY) -m metrics demo --db $(DB)

run: venv $(DB)
	GRIDSCORE_DB=$(DB) $(VENV)/bin/streamlit run app.py --server.address $(ADDRESS) --server.port $(PORT) --server.headless true

sysdeps:
	@bash scripts/sysdeps.sh

test: venv sysdeps
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports
	$(PY) -m pytest
	$(MAKE) test-spark

# the same SQL through DuckDB and Spark local mode (tests marked spark; the rest never needs Java)
test-spark: venv-spark
	@bash scripts/sysdeps.sh spark
	$(PY) -m pytest -m spark

bench: venv
	$(PY) -m pip install --disable-pip-version-check -q -r bench/requirements.txt && $(PY) bench/run.py

clean:
	rm -rf $(VENV) .pytest_cache test-artifacts

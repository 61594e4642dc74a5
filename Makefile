# The two commands a new user needs:
#   make demo   install everything, run the DAGs once on the sample sources, show the marts
#   make test   run the whole test suite (what CI runs)
# And one more to look at the marts:
#   make bi     Apache Superset with the four dashboards on the published marts (make bi-stop)

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat requirements.in requirements.lock pyproject.toml | cksum | cut -d' ' -f1)

# Airflow lives inside the project: its metadata DB, logs and config under var/airflow.
export AIRFLOW_HOME := $(CURDIR)/var/airflow
export AIRFLOW__CORE__DAGS_FOLDER := $(CURDIR)/dags
export AIRFLOW__CORE__LOAD_EXAMPLES := False
export AIRFLOW__CORE__DAGBAG_IMPORT_TIMEOUT := 120
# Cosmos keeps dbt's partial-parse cache per DAG: in the project, not in a shared /tmp/cosmos.
export AIRFLOW__COSMOS__CACHE_DIR := $(CURDIR)/var/cosmos
# This checkout's ingestion package, even where the venv's editable install points elsewhere.
export PYTHONPATH := $(CURDIR)
export GX_ANALYTICS_ENABLED := False
# OpenLineage events of every task (collection, each dbt model, publish) as JSON lines;
# set AIRFLOW__OPENLINEAGE__TRANSPORT to an HTTP transport to send them to Marquez instead.
export AIRFLOW__OPENLINEAGE__NAMESPACE := assistance-warehouse
export AIRFLOW__OPENLINEAGE__TRANSPORT ?= {"type": "file", "log_file_path": "$(CURDIR)/var/lineage/events.jsonl", "append": true}
export DO_NOT_TRACK := 1
LOGICAL_DATE ?= $(shell date -u +%Y-%m-%d)

.PHONY: install browser bi-install bi bi-screenshots bi-stop bi-lock demo test dbt-manifest airflow-init run-dags summary services-up services-down lint format bench bench-scale readme-long evaluate reliability lock clean

install: $(STAMP) browser

# Headless Chromium and a CJK font (county names in screenshots) for the browser tests:
# Debian's packages, never a downloaded browser. Where apt-get is not ours to run (not root), say so and go on:
# those tests skip.
browser:
	@{ command -v chromium >/dev/null 2>&1 && [ -e /usr/share/fonts/truetype/wqy/wqy-zenhei.ttc ]; } || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get install -y chromium fonts-wqy-zenhei \
	      || { apt-get update && apt-get install -y chromium fonts-wqy-zenhei; } \
	      || echo "make install: could not install chromium; browser tests will be skipped"; \
	  else \
	    echo "make install: chromium is missing (apt-get install -y chromium, as root); browser tests will be skipped"; \
	  fi; }

$(STAMP): requirements.in requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.in -c requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	rm -f $(VENV)/.installed-*
	touch $@

# dbt's manifest.json, from which the build DAG renders its dbt tasks (dbt parse: no
# database), stamped with the content hash of the project files it was parsed from.
dbt-manifest: install
	$(BIN)/python -m ingestion.transform.cosmos_config

# Metadata database, the writer pool, and the DAGs serialized into the database (so
# `airflow backfill create` finds them before any run).
airflow-init: install dbt-manifest
	@mkdir -p var/lineage
	$(BIN)/airflow db migrate > /dev/null
	$(BIN)/airflow pools set warehouse_writer 1 "DuckDB allows one writer: tasks that open the warehouse" > /dev/null
	$(BIN)/airflow dags reserialize > /dev/null

# Airflow's and dbt's output goes to one log file; on a failure its tail is shown.
DEMO_LOG := $(CURDIR)/var/logs/demo.log

run-dags: airflow-init
	@mkdir -p $(dir $(DEMO_LOG))
	@echo "Running the DAGs on the sample sources; Airflow and dbt logs: $(DEMO_LOG)"
	@( $(BIN)/airflow dags test collect_sources $(LOGICAL_DATE) \
	  && $(BIN)/airflow dags test build_audit_publish $(LOGICAL_DATE) ) > $(DEMO_LOG) 2>&1 \
	  || { tail -n 40 $(DEMO_LOG); echo "The run failed: the whole log is $(DEMO_LOG)"; exit 1; }

summary: install
	$(BIN)/python -m ingestion summary --log $(DEMO_LOG)

demo: run-dags
	@echo
	@$(BIN)/python -m ingestion summary --log $(DEMO_LOG)
	@echo
	@echo "Dashboards (Apache Superset, its own venv; first run installs it): make bi"
	@echo "  then open the URL it prints, e.g. http://127.0.0.1:8088/dashboard/list/ (admin/admin)"

# Airflow as a service on this machine (development): api-server, scheduler, dag-processor,
# triggerer and two Celery workers, on PostgreSQL and Redis, with docker/airflow.env's
# settings (the same as docker/docker-compose.yaml). Prints the URL and where the logs are.
# AIRFLOW_METADATA_DB=postgresql+psycopg2://user@host:port/db to use another database.
AIRFLOW_METADATA_DB ?=
services-up: install dbt-manifest
	$(BIN)/python -m ingestion services up --create-database $(if $(AIRFLOW_METADATA_DB),--metadata-db $(AIRFLOW_METADATA_DB))

services-down:
	$(BIN)/python -m ingestion services down

# Superset has its own venv and lock: its dependencies conflict with Airflow's.
BI_VENV := .venv-bi
BI_STAMP := $(BI_VENV)/.installed-$(shell cat bi/requirements.lock | cksum | cut -d' ' -f1)

bi-install: $(BI_STAMP)

$(BI_STAMP): bi/requirements.lock
	$(PYTHON) -m venv $(BI_VENV)
	$(BI_VENV)/bin/python -m pip install --quiet --disable-pip-version-check --no-deps -r bi/requirements.lock
	rm -f $(BI_VENV)/.installed-*
	touch $@

# Install (once), initialise, start on 127.0.0.1, import the dashboards; prints one URL.
bi: bi-install
	$(BI_VENV)/bin/python -m bi up

# The README's pictures: each dashboard drawn in headless Chromium from the running `make bi`.
bi-screenshots: bi
	$(BI_VENV)/bin/python -m bi.render --url "$$($(BI_VENV)/bin/python -m bi url)" \
		--out var/bi/screenshots --docs docs/bi > var/bi/render.json

bi-stop:
	@if [ -x $(BI_VENV)/bin/python ]; then $(BI_VENV)/bin/python -m bi stop; fi

# Re-pin Superset's venv after changing bi/requirements.in.
bi-lock:
	rm -rf /tmp/assist-bi-lock-venv && $(PYTHON) -m venv /tmp/assist-bi-lock-venv
	/tmp/assist-bi-lock-venv/bin/pip install --quiet -r bi/requirements.in
	echo "# Generated by \`make bi-lock\` from bi/requirements.in: exact versions of every package." > bi/requirements.lock
	/tmp/assist-bi-lock-venv/bin/pip freeze >> bi/requirements.lock

# Two workers, a test file each at a time: a file's expensive module fixture
# (a DAG run, a dbt build) is built once, on one worker.
test: install bi-install
	$(BIN)/python -m pytest -q -n 2 --dist loadfile

# tests/test_lint.py runs this target too (`make -o install lint BIN=...`), so
# `make test` and CI lint exactly what this does.
lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/yamllint --strict .
	$(BIN)/sqlfluff lint dbt_project/models
	$(BIN)/mypy

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: install
	$(BIN)/python -m ingestion bench extract --articles 2000

# The whole pipeline on a generated corpus (cold, then a 1% refresh): one table per run.
BENCH_ARTICLES ?= 1000
bench-scale: install
	$(BIN)/python -m ingestion bench pipeline --articles $(BENCH_ARTICLES)

# The README's long commands (demo, crash matrix, cross-validation, re-lock, benchmarks),
# run as written: more than the suite's time budget, so not part of `make test`.
readme-long: install
	ASSIST_README_LONG=1 $(BIN)/python -m pytest -q -m readme_long tests/test_readme_commands.py

# Crash (SIGKILL per stage), re-run/backfill, reader, HTTP fault and fuzz matrix: one table.
reliability: install
	$(BIN)/python -m tools reliability

# Fact and record F1 per type on every annotated set in ../shared/eval, and each large
# set's 5-fold cross-validated figure (attribution weights fitted on the other folds).
evaluate: install
	$(BIN)/python -m ingestion scoreboard --eval-dir ../shared/eval --folds 5

# Re-pin every package after changing requirements.in.
lock:
	rm -rf /tmp/assist-lock-venv && $(PYTHON) -m venv /tmp/assist-lock-venv
	/tmp/assist-lock-venv/bin/pip install --quiet -r requirements.in
	echo "# Generated by \`make lock\` from requirements.in: exact versions of every package." > requirements.lock
	# PYTHONPATH= : the checkout's own egg-info on the path would be frozen as a package.
	PYTHONPATH= /tmp/assist-lock-venv/bin/pip freeze --exclude-editable >> requirements.lock

clean:
	rm -rf var dbt_project/target dbt_project/logs
	@# Superset's venv stays: reinstalling it takes minutes (rm -rf .venv-bi to drop it).

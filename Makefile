# Sales Target Planner — the two commands: `make run` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
DB ?= $(if $(SALES_DB),$(SALES_DB),data/sales.duckdb)
PORT ?= 8501
WORKERS ?= $(shell nproc 2>/dev/null || echo 2)
TEAM_PORT ?= 8500
TEAM_DIR ?= data/team

.PHONY: run test lint typecheck unit app browser demo bench load team team-stop team-status clean

$(BIN)/.runtime: requirements.txt
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -r requirements.txt
	touch $@

$(BIN)/.dev: requirements-dev.txt requirements.txt $(BIN)/.runtime
	$(BIN)/pip install -q -r requirements-dev.txt
	touch $@

## make run: install, build the demo database if missing, serve on http://127.0.0.1:$(PORT)
run: $(BIN)/.runtime
	@mkdir -p "$(dir $(DB))"
	@if [ -z "$(SALES_DB)" ] && [ ! -f "$(DB)" ]; then \
		echo "building demo database $(DB) …"; $(BIN)/python -m analysis demo --db "$(DB)"; fi
	@echo "Sales Target Planner: http://127.0.0.1:$(PORT)"
	SALES_DB="$(DB)" $(BIN)/streamlit run dashboard.py --server.headless true \
		--server.address 127.0.0.1 --server.port $(PORT)

## make test: lint, type-check analysis/, run unit, app and browser tests
test: $(BIN)/.dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/python tests/run_pytest.py

## make team: WORKERS Streamlit workers (default: the number of cores) behind HAProxy with sticky
## sessions, on http://127.0.0.1:$(TEAM_PORT); returns once every worker is up (deploy/team.py,
## docs/DEPLOY.md). Needs `apt-get install haproxy`. make team-stop stops exactly what it started.
team: $(BIN)/.runtime
	@mkdir -p "$(dir $(DB))"
	@if [ -z "$(SALES_DB)" ] && [ ! -f "$(DB)" ]; then \
		echo "building demo database $(DB) …"; $(BIN)/python -m analysis demo --db "$(DB)"; fi
	$(BIN)/python deploy/team.py start --workers $(WORKERS) --port $(TEAM_PORT) --dir "$(TEAM_DIR)" --db "$(DB)"

team-stop:
	$(BIN)/python deploy/team.py stop --dir "$(TEAM_DIR)"

team-status:
	@$(BIN)/python deploy/team.py status --dir "$(TEAM_DIR)"

demo: $(BIN)/.runtime
	$(BIN)/python -m analysis demo --db "$(DB)"

bench: $(BIN)/.runtime
	$(BIN)/python -m analysis bench

## make load: bounded load test on 127.0.0.1 (20 Chromium sessions, 2 min; not part of make test);
## LOAD_ARGS="--sessions 20,20 --browsers 2,0 --write" runs 2 Chromium + 18 protocol-level sessions,
## then 20 protocol-level sessions, and writes the Load section of BENCHMARKS.md (as recorded there);
## LOAD_ARGS="--sessions 20,20 --browsers 2,2 --workers 1,2" compares make team with 1 and 2 workers
load: $(BIN)/.dev
	$(BIN)/python tests/load/run_load.py $(LOAD_ARGS)

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache .hypothesis

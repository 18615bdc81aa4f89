# Two commands on a fresh machine: `make run` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run demo test bench install clean

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

# The web app and the API on http://127.0.0.1:8000 (SQLite ./lutea.db), with demo accounts it prints.
run: $(STAMP)
	$(BIN)/python scripts/serve.py

# A short tour of the CLI.
demo: $(STAMP)
	$(BIN)/python scripts/demo.py

# Installs Debian's Chromium if missing (browser tests), starts a throwaway PostgreSQL (installed
# from Debian's packages if missing) for the storage and API tests, runs every test, and stops the server.
test: $(STAMP)
	bash scripts/install-chromium.sh  # Debian's Chromium for the browser tests (tests/web)
	bash scripts/test-services.sh run $(BIN)/python -m pytest -q

# PK engine benchmark: 100,000 subjects x 14 days hourly vs the floor, solve_ivp, libRoadRunner.
bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[bench]'
	$(BIN)/python bench/pk.py

clean:
	rm -rf $(VENV) build *.egg-info src/*.egg-info

# Everything sets itself up: the first target run creates .venv and installs matrixbot with its
# dev extra (pytest, ruff, matrix-synapse for the throwaway homeserver).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: demo test test-slow test-example lint bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/matrixbot demo

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -q

# The slow fault suites (tests/reliability: crash loops, outages, network and database faults,
# fuzzing at volume). CI runs them after `make test`.
test-slow: $(STAMP)
	rm -f .figures/reliability.jsonl
	$(BIN)/python -m pytest -q -m slow
	$(BIN)/python -m tests.reliability.figures README.md

# The example third-party plugin, installed next to matrixbot as an author would (--no-deps: it
# resolves to the matrixbot already in the venv): `check-config` with it in default_plugins proves
# the bot finds and loads it by its entry point, then its own tests run from its own folder, on
# the fixtures of matrixbot's shipped pytest plugin. CI runs this after `make test`.
EXAMPLE := examples/agenda
test-example: $(STAMP)
	$(BIN)/python -m pip install --quiet --no-deps -e $(EXAMPLE)
	config=$$(mktemp -d)/config.yaml && \
	printf 'homeserver: http://localhost:8008\nuser_id: "@bot:localhost"\npassword: unused\ndata_dir: ./data\ndefault_plugins: [agenda]\n' >$$config && \
	$(BIN)/matrixbot check-config --config $$config
	cd $(EXAMPLE) && $(abspath $(BIN))/pytest -q

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]'
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache *.egg-info

# Everything sets itself up: the first target run creates .venv and installs matrixbot with its
# dev extra (pytest, ruff, mypy, matrix-synapse for the throwaway homeserver).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
# mypy cannot follow the editable install's import hook that maps matrixbot.plugins to plugins/;
# this link shows it the installed layout (pyproject's [tool.mypy] mypy_path points here too).
MYPY_PATH := $(VENV)/mypy-path

.PHONY: demo test test-slow test-example lint typecheck bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/matrixbot demo

test: lint typecheck
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

typecheck: $(STAMP)
	mkdir -p $(MYPY_PATH)/matrixbot
	ln -sfn $(CURDIR)/plugins $(MYPY_PATH)/matrixbot/plugins
	MYPYPATH=$(MYPY_PATH) $(BIN)/mypy
	@# a misspelt name from the public faces must fail type checking (their lazy __getattr__ is hidden)
	@for face in matrixbot matrixbot.testing; do \
		echo "from $$face import Misspelt" >$(VENV)/face_probe.py; \
		! MYPYPATH=$(MYPY_PATH) $(BIN)/mypy --follow-imports=silent $(VENV)/face_probe.py >/dev/null \
		|| { echo "mypy took a misspelt name from $$face"; exit 1; }; \
	done

bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]'
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache *.egg-info

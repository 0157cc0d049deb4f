# Everything sets itself up: the first target run creates .venv and installs matrixbot with its
# dev extra (pytest, ruff, mypy, matrix-synapse for the throwaway homeserver).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
# mypy cannot follow the editable install's import hook that maps matrixbot.plugins to plugins/;
# this link shows it the installed layout (pyproject's [tool.mypy] mypy_path points here too).
MYPY_PATH := $(VENV)/mypy-path

.PHONY: demo test test-slow test-example lint typecheck bench clean catalogs catalogs-refresh

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/matrixbot demo

test: lint typecheck catalogs
	$(BIN)/python -m pytest -q

# The gettext catalogs: each .po (committed) compiled to the .mo the bot reads (never committed).
# An install compiles them too (build_catalogs.py runs as setuptools' build_py); this compiles again
# those edited since.
CATALOGS := $(wildcard matrixbot/locale/*/LC_MESSAGES/*.po plugins/*/locale/*/LC_MESSAGES/*.po)
catalogs: $(CATALOGS:.po=.mo)
%.mo: %.po | $(STAMP)
	$(BIN)/python build_catalogs.py $<

# Refresh every package's catalogs from its code (extract the texts, update each language's .po:
# new texts untranslated, changed ones fuzzy), and the CLDR data the time layer writes dates with.
# A package takes part once it has a locale/ folder: python -m matrixbot.i18n.refresh --add de PKG.
LOCALIZED := $(patsubst %/locale,%,$(wildcard matrixbot/locale plugins/*/locale))
catalogs-refresh: $(STAMP)
	$(BIN)/python -m matrixbot.i18n.refresh $(LOCALIZED)
	$(BIN)/python -c "from matrixbot.i18n.cldr import write; write(['de', 'es', 'fr'])"
	$(BIN)/ruff format -q matrixbot/time/cldr_data.py

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
test-example: $(STAMP) catalogs
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

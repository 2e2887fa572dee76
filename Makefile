# Werkgroepen board. `make run` and `make test` work on a fresh machine with Python 3.11 + make.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
export FLASK_APP := wsgi:app
# make run: links in mails (the scheduler's digests too) point at the port it serves on.
RUN_ENV := BOARD_ENVIRONMENT=development BOARD_BASE_URL=$${BOARD_BASE_URL:-http://127.0.0.1:$(PORT)}

.PHONY: run test install translations extract-messages update-messages clean bench bench-quick bench-install

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed translations

# Compiled catalogues (.mo) are built from the committed .po files.
translations: $(VENV)/.installed
	$(BIN)/pybabel compile -d app/translations 2>/dev/null

extract-messages: $(VENV)/.installed
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext --no-location --sort-output --project=werkgroepen -o app/translations/messages.pot .

update-messages: extract-messages
	$(BIN)/pybabel update -i app/translations/messages.pot -d app/translations --no-fuzzy-matching
	$(BIN)/python scripts/i18n.py fill-en
	$(BIN)/python scripts/i18n.py check || echo "Translate the strings above in app/translations/nl/LC_MESSAGES/messages.po"

run: install
	@$(RUN_ENV) $(BIN)/flask db upgrade
	@$(RUN_ENV) $(BIN)/flask demo load
	@echo "Board: http://127.0.0.1:$(PORT)  (stop with Ctrl-C)"
	@$(RUN_ENV) $(BIN)/flask scheduler & sched=$$!; \
	  trap 'kill $$sched 2>/dev/null' EXIT INT TERM; \
	  $(RUN_ENV) $(BIN)/flask run --host 127.0.0.1 --port $(PORT) --no-reload --with-threads

test: install
	CI=$${CI:-} $(BIN)/python -m pytest $(PYTEST_ARGS)

$(VENV)/.bench-installed: requirements-bench.txt $(VENV)/.installed
	$(BIN)/pip install --quiet -r requirements-bench.txt
	touch $@

bench-install: $(VENV)/.bench-installed translations

# Benchmarks (not part of make test): BENCH_ARGS="--db postgresql --pg-url ..." or "--million".
bench: bench-install
	$(BIN)/python benchmarks/run.py $(BENCH_ARGS)

bench-quick: bench-install
	$(BIN)/python benchmarks/run.py --quick $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache benchmarks/work

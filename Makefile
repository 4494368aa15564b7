# The two commands a new machine needs: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN = $(VENV)/bin
STAMP = $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)
LOCALE_DIR = handlers/locale

.PHONY: run test test-pg lint cycles setup catalogs extract bench clean

run: setup
	$(BIN)/mediation-bot db upgrade
	$(BIN)/mediation-bot run

test: setup
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/mypy
	$(BIN)/pytest -n 2

# Lists import cycles in bot, handlers, knowledge, settings, storage (none: exit 0).
cycles: setup
	$(BIN)/python -m tests.test_architecture

# The PostgreSQL half of the suite against the local server (CI sets this too).
test-pg: setup
	TEST_DATABASE_URL=postgresql+asyncpg://postgres@127.0.0.1/test $(BIN)/pytest -n 2

setup: $(STAMP) catalogs

# setuptools tells every editable install, as a warning that pip prints even with --quiet,
# to beware of folders named like the package ("Editable installation." and a box of stars):
# that filter drops exactly that warning, in the build's own process. Build errors and every
# other warning still print (a failed build shows its output and exits non-zero).
$(STAMP): pyproject.toml
	$(PYTHON) -c 'import sys; sys.exit("Python 3.11 or newer is needed") if sys.version_info < (3, 11) else None'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	PYTHONWARNINGS="ignore:Editable installation" $(BIN)/pip install --quiet -e ".[test]"
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

# zh_CN is compiled with its statistics (it must be complete: tests/test_catalogs.py). English
# is compiled without them: the source strings in the code ARE the English text, so a message
# the en catalog leaves empty shows its source, which is the English wording; only the few
# where English differs from the source are filled, and "3 of 652 (0%) translated" would
# only look alarming.
catalogs: $(STAMP)
	$(BIN)/pybabel compile --statistics -d $(LOCALE_DIR) -D messages -l zh_CN 2>&1 \
		| grep -v "^$$\|^compiling catalog" || true
	$(BIN)/pybabel compile -d $(LOCALE_DIR) -D messages -l en 2>&1 \
		| grep -v "^$$\|^compiling catalog" || true

# For translators: refresh the template and the catalogs from the code.
extract: $(STAMP)
	$(BIN)/pybabel extract --no-location --sort-output -k t -k n:1,2 -k command:3 \
		-o $(LOCALE_DIR)/messages.pot handlers bot
	$(BIN)/pybabel update --no-fuzzy-matching -d $(LOCALE_DIR) -D messages \
		-i $(LOCALE_DIR)/messages.pot

lint: setup
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/mypy

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache

# Two commands a new user needs: `make run` (server on the embedded SQLite default) and `make test`.
# Each one creates the virtual environment and installs the project first, so nothing is typed before it.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
NODE_STAMP := tests/node/node_modules/.installed
EXAMPLES_NODE_STAMP := examples/node/node_modules/.installed

.PHONY: run test lint typecheck clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# The Node SDK tests need npm; without it they skip (and say so) instead of failing the whole run.
$(NODE_STAMP): tests/node/package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
		npm ci --prefix tests/node --no-audit --no-fund --loglevel=error && touch $(NODE_STAMP); \
	else echo "npm not found: the Node SDK tests will be skipped"; fi

# Likewise the Node examples (openai-node, Vercel AI SDK), run by tests/server/test_examples.py.
$(EXAMPLES_NODE_STAMP): examples/node/package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
		npm ci --prefix examples/node --no-audit --no-fund --loglevel=error && touch $(EXAMPLES_NODE_STAMP); \
	else echo "npm not found: the Node examples will be skipped"; fi

run: $(STAMP)
	$(BIN)/openai-emulator serve

test: $(STAMP) $(NODE_STAMP) $(EXAMPLES_NODE_STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check . && $(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache tests/node/node_modules examples/node/node_modules

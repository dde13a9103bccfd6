# Two commands on a fresh machine:  make run  ·  make test
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
PY     := $(BIN)/python

.PHONY: run test bench bench-instructions lint format browser clean

$(PY):
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11) and "Python 3.11 or newer is needed: set PYTHON=python3.x")'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip

# Installs again only when pyproject.toml changes: a second `make run` is fast.
$(VENV)/.installed: pyproject.toml | $(PY)
	$(PY) -m pip install -qq -e .
	@touch $@

$(VENV)/.installed-test: pyproject.toml | $(PY)
	$(PY) -m pip install -qq -e '.[test]'
	@touch $@ $(VENV)/.installed

# The local demo: DEBUG is off unless asked for, so ask.
run: $(VENV)/.installed
	@mkdir -p var
	DEBUG=True $(PY) manage.py migrate --noinput -v 0
	DEBUG=True $(PY) manage.py rundemo

# Uses Debian's /usr/bin/chromium when present, else Playwright's own build.
browser: $(VENV)/.installed-test
	@if [ -n "$$CHROMIUM_PATH" ] || command -v chromium >/dev/null 2>&1; then \
		echo "Browser: $${CHROMIUM_PATH:-$$(command -v chromium)}"; \
	else \
		$(PY) -m playwright install chromium; \
	fi

# Two pytest-xdist workers: the suite spends half its time waiting (on browsers, servers
# starting, the sandbox), so two share two cores well: 214-327 s (as the machine's speed
# moves) against 410 s on one; four took 366 s here.
TEST_WORKERS ?= 2

test: $(VENV)/.installed-test browser
	@mkdir -p var
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(PY) -m pytest -n $(TEST_WORKERS) --dist worksteal

# Not tests: the clients export over 100,000 sandbox clients (speed, memory), then the
# pages' added time, CPU and throughput against the bare API, then the large client's
# portfolio summary against a sequential fetch of its pages. Figures in var/bench-*.json.
bench: $(VENV)/.installed-test
	@mkdir -p var
	$(PY) -m tests.bench.export_bench
	$(PY) -m tests.bench.pages_bench
	$(PY) -m tests.bench.summary_bench

# Instructions per list page under valgrind (Debian's `valgrind`): the same on every run,
# where timings on a shared machine are not, for comparing two commits. About 5 minutes.
bench-instructions: $(VENV)/.installed-test
	@mkdir -p var
	$(PY) -m tests.bench.instructions

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.installed-test
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) var

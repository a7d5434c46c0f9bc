# Two commands for a newcomer: `make run` (the demo) and `make test` (the test suite).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed

.PHONY: run test install lint lock clean

run: $(INSTALLED)
	$(BIN)/python manage.py migrate --no-input
	$(BIN)/python manage.py demo_setup
	$(BIN)/python manage.py runserver $(or $(ADDRESS),127.0.0.1:8000)

# One test process per core; PYTEST_ARGS adds options (e.g. PYTEST_ARGS="-k seed -n 0").
test: $(INSTALLED)
	$(BIN)/pytest -n auto $(PYTEST_ARGS)

install: $(INSTALLED)

$(INSTALLED): requirements.lock
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else "Prescreen needs Python 3.12 or newer; $(PYTHON) is " + sys.version.split()[0] + ". Run: make PYTHON=python3.12 ...")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock
	touch $(INSTALLED)

lint: $(INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# Re-pin every dependency after changing pyproject.toml.
lock:
	rm -rf .lock-venv && $(PYTHON) -m venv .lock-venv
	.lock-venv/bin/python -m pip install --quiet --upgrade pip
	.lock-venv/bin/python -m pip install --quiet ".[dev]"
	.lock-venv/bin/python -m pip freeze --exclude prescreen > requirements.lock
	rm -rf .lock-venv build *.egg-info

clean:
	rm -rf $(VENV) staticfiles

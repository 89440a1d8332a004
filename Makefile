# The two commands: `make run` and `make test`. Everything else is a helper.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: run test install migrate demo lint bench bench-full worker beat clean screenshots

$(STAMP): requirements.txt requirements-dev.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	@touch $(STAMP)

install: $(STAMP)

migrate: install
	$(PY) manage.py migrate --noinput

demo: migrate
	$(PY) manage.py seed_demo

## make run — set up everything and serve the embedded mode on http://127.0.0.1:8000
run: demo
	@echo ""
	@echo "Hallmark is starting on http://$(HOST):$(PORT)/  (console: /console/, API docs: /api/v1/docs/)"
	@echo "Current two-factor code for a staff account:  $(PY) manage.py totp_code demo-officer"
	@echo ""
	DJANGO_DEBUG=$${DJANGO_DEBUG:-true} $(PY) manage.py runserver $(HOST):$(PORT)

## make test — lint, layering contract, migrations check and the whole test suite
test: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	$(PY) manage.py makemigrations --check --dry-run
	$(VENV)/bin/pytest $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

worker: install
	$(VENV)/bin/celery -A portal worker --loglevel=INFO

beat: install
	$(VENV)/bin/celery -A portal beat --loglevel=INFO

bench: install
	$(PY) bench/run.py --preset small

bench-full: install
	$(PY) bench/run.py --preset large

clean:
	rm -rf var .pytest_cache .ruff_cache

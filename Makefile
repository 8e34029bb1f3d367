# Front door for the local stack and the checks. Every target is idempotent.
# The scripts print each step; state (databases, index, logs, venv) lives in .state/.

VENV := .state/venv
PYTEST_ARGS ?=

.PHONY: up test reliability lint install services down reset status

## Bring the whole stack up and run the demo harvest (URL and login printed at the end).
up: install
	stack/stack.sh site
	$(VENV)/bin/python stack/demo.py

## Run the whole test suite (lint included) on the real stack.
test: install services lint
	$(VENV)/bin/python -m pytest --ckan-ini=test.ini ckanext/syncsource bench $(PYTEST_ARGS)

## The whole reliability battery (faults, killed workers, fuzz) as a table; non-zero on a failure.
reliability: install services
	$(VENV)/bin/python bench/reliability.py $(PYTEST_ARGS)

lint:
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	stack/lint-workflows.sh

install:
	stack/stack.sh install

services:
	stack/stack.sh services

down:
	stack/stack.sh stop

reset:
	stack/stack.sh reset

status:
	stack/stack.sh status

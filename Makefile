# Front door for the local stack and the checks. Every target is idempotent.
# The scripts print each step; state (databases, index, logs, venv) lives in .state/.

VENV := .state/venv
PYTEST_ARGS ?=

.PHONY: up test test-amqp lint install services down reset status

## Bring the whole stack up and run the demo harvest (URL and login printed at the end).
up: install
	stack/stack.sh site
	$(VENV)/bin/python stack/demo.py

## Run the whole test suite (lint included) on the real stack.
test: install services lint
	$(VENV)/bin/python -m pytest --ckan-ini=test.ini ckanext/syncsource bench -m "not load" \
		$(PYTEST_ARGS)

## The tests that go through the harvest queues, and a 1,000-dataset job with one gather and
## three fetch consumers, on RabbitMQ (ckanext-harvest's amqp backend) instead of Redis.
test-amqp: export SYNCSOURCE_MQ = amqp
test-amqp: install services
	$(VENV)/bin/python -m pytest --ckan-ini=test-amqp.ini ckanext/syncsource -m queues $(PYTEST_ARGS)

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

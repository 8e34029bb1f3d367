# Front door for the local stack and the checks. Every target is idempotent.
# The scripts print each step; state (databases, index, logs, venv) lives in .state/.

CKAN_VERSION ?= 2.12.0
export CKAN_VERSION
# As in stack/stack.sh: CKAN 2.12.0 lives in .state/venv, another version in .state/venv-VERSION.
# Its tests use a database, Solr core and Redis database of their own (stack.sh makes them), so
# both suites can run at once.
VENV := .state/venv
TEST_ENV :=
ifneq ($(CKAN_VERSION),2.12.0)
VENV := .state/venv-$(CKAN_VERSION)
TEST_ENV := CKAN_SQLALCHEMY_URL=postgresql://ckan:ckan@127.0.0.1:5432/ckan_test_$(subst .,_,$(CKAN_VERSION)) \
	CKAN_SOLR_URL=http://127.0.0.1:8983/solr/ckan_test_$(subst .,_,$(CKAN_VERSION)) \
	CKAN_REDIS_URL=redis://127.0.0.1:6379/2
endif
PYTEST_ARGS ?=

.PHONY: up test test-2.11 test-amqp test-scheming harvest-suite reliability lint install services down reset
.PHONY: status

## Bring the whole stack up and run the demo harvest (URL and login printed at the end).
up: install
	stack/stack.sh site
	$(VENV)/bin/python stack/demo.py

## Run the whole test suite (lint included) on the real stack.
test: install services lint
	$(TEST_ENV) $(VENV)/bin/python -m pytest --ckan-ini=test.ini ckanext/syncsource bench -m "not load" \
		$(PYTEST_ARGS)
	$(MAKE) harvest-suite
	$(MAKE) test-scheming

## ckanext-harvest's own tests, with syncsource loaded: our chained actions must not break them.
harvest-suite:
	$(TEST_ENV) $(VENV)/bin/python -m pytest --ckan-ini=harvest-tests.ini \
	  -o consider_namespace_packages=true -p ckanext.syncsource.tests.harvest_suite \
	  --pyargs ckanext.harvest.tests

## The whole suite on CKAN 2.11 (a venv of its own; the same services, databases and cores).
test-2.11:
	$(MAKE) test CKAN_VERSION=2.11.6

## The tests that go through the harvest queues, and a 1,000-dataset job with one gather and
## three fetch consumers, on RabbitMQ (ckanext-harvest's amqp backend) instead of Redis.
test-amqp: export SYNCSOURCE_MQ = amqp
test-amqp: install services
	$(VENV)/bin/python -m pytest --ckan-ini=test-amqp.ini ckanext/syncsource -m queues $(PYTEST_ARGS)

## The tests on a site with custom dataset schemas: ckanext-scheming's default schema, strict
## and extras-dropping schemas, DCAT-AP's recommended schema (test-scheming.ini).
test-scheming: install services
	$(TEST_ENV) $(VENV)/bin/python -m pytest --ckan-ini=test-scheming.ini ckanext/syncsource -m scheming \
		$(PYTEST_ARGS)

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

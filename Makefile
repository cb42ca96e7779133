# Yoozak Clients — every set-up step lives here, so that a fresh Debian machine needs only
# `make run` or `make test`. `make help` lists the targets.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
FLASK  := $(BIN)/flask
HOST   ?= 127.0.0.1
PORT   ?= 5000
APT_UPDATED := /tmp/.yoozak-apt-updated

.DEFAULT_GOAL := help
.PHONY: help run test test-sqlite test-postgresql lint format bench seed worker system-python system-test-deps clean

help: ## List the targets
	@grep -E '^[a-zA-Z_/.-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-18s %s\n", $$1, $$2}'

# --- installation ---------------------------------------------------------------------

system-python: ## Install python3 and venv through apt-get when missing
	@$(PYTHON) -c 'import venv, ensurepip' 2>/dev/null || { \
	  echo "Installing python3-venv (apt-get)"; \
	  apt-get update -qq && touch $(APT_UPDATED); \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3 python3-venv python3-dev; }

$(BIN)/python:
	@$(MAKE) --no-print-directory system-python
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.runtime: requirements.txt | $(BIN)/python
	$(BIN)/pip install -q -r requirements.txt
	@touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install -q -r requirements-dev.txt
	@touch $@ $(VENV)/.runtime

instance/config.py: ## Write a local config with a random SECRET_KEY (never committed)
	@mkdir -p instance
	@$(PYTHON) -c 'import secrets; print("# Local settings, written by make; not committed.\nSECRET_KEY = %r" % secrets.token_hex(32))' > $@
	@echo "Wrote $@ with a random SECRET_KEY"

system-test-deps: ## Install Chromium and PostgreSQL through apt-get when missing
	@missing=""; \
	command -v chromium >/dev/null 2>&1 || missing="$$missing chromium"; \
	ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing="$$missing postgresql"; \
	command -v runuser >/dev/null 2>&1 || missing="$$missing util-linux"; \
	if [ -n "$$missing" ]; then \
	  echo "Installing:$$missing (apt-get)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	fi

# --- the two README commands ----------------------------------------------------------

run: $(VENV)/.runtime instance/config.py ## Install, migrate, seed demo data, print an admin login, serve on 127.0.0.1:5000 with the worker
	$(FLASK) db upgrade
	$(FLASK) seed-demo
	@# The worker (webhooks, e-mails, periodic tasks) runs beside the server and stops with it.
	@$(FLASK) worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	$(FLASK) run --host $(HOST) --port $(PORT)

worker: $(VENV)/.runtime instance/config.py ## Run the background worker alone (huey consumer)
	$(FLASK) worker

test: $(VENV)/.dev system-test-deps ## Install what the tests need and run the whole suite (SQLite and PostgreSQL, browser included)
	$(BIN)/pytest

# --- the rest -------------------------------------------------------------------------

test-sqlite: $(VENV)/.dev ## Run the suite on SQLite only
	$(BIN)/pytest --db sqlite

test-postgresql: $(VENV)/.dev system-test-deps ## Run the suite on PostgreSQL only
	$(BIN)/pytest --db postgresql

lint: $(VENV)/.dev ## Check style with ruff
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.dev ## Format and sort imports with ruff
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: $(VENV)/.dev system-test-deps ## Run the benchmarks (the load one needs PostgreSQL) and print their tables for BENCHMARKS.md
	$(BIN)/python -m bench

clean: ## Remove the virtualenv and caches (keeps instance/)
	rm -rf $(VENV) .pytest_cache test-artifacts

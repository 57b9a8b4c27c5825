# Quick start:
#   make preflight    set up .venv (pinned ansible-core) and run the preflight against this machine
#   make test         set up .venv and run every test: sanity, units, lint, integration
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
ARGS ?=

.PHONY: venv system-deps collections preflight test sanity units lint integration build clean

venv: $(VENV)/.installed

$(VENV)/.installed: tests/requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -r tests/requirements.txt
	touch $@

# Make pixie_ops.preflight.* resolve to this checkout (see ansible.cfg collections_path).
collections: .collections/ansible_collections/pixie_ops/preflight

.collections/ansible_collections/pixie_ops/preflight:
	mkdir -p .collections/ansible_collections/pixie_ops
	ln -sfn ../../.. $@

preflight: venv collections
	$(BIN)/ansible-playbook playbooks/preflight.yml $(ARGS)

# Debian packages the integration tests need (tests/system-packages.txt), installed when missing.
system-deps:
	tests/install-system-packages.sh tests/system-packages.txt

test: venv system-deps
	VENV=$(VENV) tests/run-tests.sh

integration: system-deps
sanity units lint integration: venv
	VENV=$(VENV) STAGES=$@ tests/run-tests.sh

build: venv
	$(BIN)/ansible-galaxy collection build --force .

clean:
	rm -rf $(VENV) .collections tests/output pixie_ops-preflight-*.tar.gz

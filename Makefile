# Two commands do all the set-up on a fresh machine:
#   make run    create .venv, install, run the main job (the strategy comparison)
#   make test   create .venv, install what the tests need, run the whole suite

SHELL := /bin/bash
VENV  := .venv
PY    := $(VENV)/bin/python
STAMP := $(VENV)/.installed

# Find a Python >= 3.12: PATH first, then pyenv.
PYTHON_BOOT := $(shell \
  for c in python3.12 python3.13 python3; do \
    p=$$(command -v $$c 2>/dev/null) && $$p -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null && { echo $$p; exit 0; }; \
  done; \
  if command -v pyenv >/dev/null 2>&1; then \
    for v in $$(ls "$$(pyenv root)/versions" 2>/dev/null | sort -V); do \
      p="$$(pyenv root)/versions/$$v/bin/python3"; \
      [ -x "$$p" ] && $$p -c 'import sys; sys.exit(not ((3, 12) <= sys.version_info[:2] < (4, 0)))' 2>/dev/null && { echo $$p; exit 0; }; \
    done; \
  fi)

.PHONY: run test venv install lint clean

$(PY):
	@if [ -z "$(PYTHON_BOOT)" ]; then \
	  echo "error: syslead needs Python >= 3.12 (Mesa 3.5 requires it)." >&2; \
	  echo "Install one, e.g. 'pyenv install 3.12' or your system's python3.12 package, and re-run." >&2; \
	  exit 2; fi
	@echo "using $(PYTHON_BOOT)"
	$(PYTHON_BOOT) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

# uv installs the same versions as pip (same resolution of pyproject.toml's ranges) in about 27 s instead of
# about 70 s on the project's machine; pip does it where uv cannot be had or fails (SYSLEAD_PIP=1 forces pip).
# --compile-bytecode, as pip does: where PYTHONDONTWRITEBYTECODE is set, every new process (a sweep worker, the
# dashboard's server) would otherwise compile each module it imports (a fresh-clone test run took 72 s longer).
EXTRAS := .[test,dashboard,calibration]
$(STAMP): pyproject.toml | $(PY)
	@if [ -z "$$SYSLEAD_PIP" ] && $(PY) -m pip install --quiet uv 2>/dev/null \
	    && $(VENV)/bin/uv pip install --quiet --compile-bytecode --python $(PY) -e '$(EXTRAS)'; then :; \
	  else echo "installing with pip"; $(PY) -m pip install --quiet -e '$(EXTRAS)'; fi
	@touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(VENV)/bin/syslead main

test: $(STAMP)
	$(PY) -m ruff check simulation tests experiments
	$(PY) -m ruff format --check simulation tests experiments
	$(PY) -m mypy
	$(PY) -m pytest -q -n auto --dist loadfile --durations=15

lint: $(STAMP)
	$(PY) -m ruff check simulation tests experiments
	$(PY) -m ruff format --check simulation tests experiments
	$(PY) -m mypy

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache

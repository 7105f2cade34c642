# `make run` and `make test` work on a fresh clone: they find a Python >= 3.12
# (tools/find-python), create .venv, install the project and run.
VENV    := .venv
PY      := $(VENV)/bin/python
STAMP   := $(VENV)/.installed
ARGS    ?=

.PHONY: run test setup bench validate calibrate sensitivity discover dashboard clean-venv

run: $(STAMP)
	$(PY) -m experiments.run $(ARGS)

test: $(STAMP)
	$(PY) -m pytest $(ARGS)

setup: $(STAMP)

$(STAMP): pyproject.toml tools/find-python
	@PYBIN="$$(sh tools/find-python)" || exit 1; \
	  if [ ! -x $(PY) ] || ! $(PY) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)'; then \
	    echo "creating $(VENV) with $$PYBIN"; rm -rf $(VENV); "$$PYBIN" -m venv $(VENV) || exit 1; \
	  fi
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test,ray,slurm,dashboard]'
	@touch $(STAMP)

clean-venv:
	rm -rf $(VENV)

dashboard: $(STAMP)
	$(PY) -m experiments.dashboard $(ARGS)

bench: $(STAMP)
	$(PY) -m benchmarks $(ARGS)

validate: $(STAMP)
	$(PY) -m experiments.validate $(ARGS)

calibrate: $(STAMP)
	$(PY) -m experiments.calibrate $(ARGS)

sensitivity: $(STAMP)
	$(PY) -m experiments.sensitivity $(ARGS)

discover: $(STAMP)
	$(PY) -m experiments.discover $(ARGS)

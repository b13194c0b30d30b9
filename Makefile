# Socius: `make run` starts the demo site, `make test` runs every check.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test install lint clean worker

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip>=24"
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

install: $(STAMP)

run: install
	scripts/ensure-pdf-libs
	mkdir -p var
	SOCIUS_DEBUG=1 $(BIN)/python manage.py migrate --noinput
	SOCIUS_DEBUG=1 $(BIN)/python manage.py seed_demo
	SOCIUS_DEBUG=1 $(BIN)/python manage.py runserver 127.0.0.1:8000

test: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	DJANGO_SETTINGS_MODULE=backoffice.settings_test $(BIN)/python manage.py makemigrations --check --dry-run
	scripts/ensure-chromium
	scripts/ensure-gettext
	scripts/ensure-pdf-libs
	$(BIN)/python -m pytest

worker: install
	$(BIN)/celery -A backoffice worker -B --loglevel=info

clean:
	rm -rf $(VENV) var

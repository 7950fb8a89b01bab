# Two commands: `make run` and `make test`. Everything else is a step they need.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
# The interface's languages (languages.py names them; README: "Languages").
LANGS := nb nn sv se en pl uk ar so
# Also used by tests/test_i18n.py to check that the catalogue is up to date.
EXTRACT_OPTS := -F babel.cfg -k _l -k _nl:1,2 --no-location --sort-output --omit-header --ignore-dirs='.* ._ tests bench'

.PHONY: run test install translations extract chromium wrk migrate bench clean

$(BIN)/activate: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(BIN)/activate

install: $(BIN)/activate

translations: install
	$(BIN)/pybabel compile -d translations

# Re-extract the source strings into translations/messages.pot and merge them into each
# language's catalogue; a translator then fills in the new entries.
extract: install
	$(BIN)/pybabel extract $(EXTRACT_OPTS) -o translations/messages.pot .
	for l in $(LANGS); do $(BIN)/pybabel update -i translations/messages.pot -d translations -l $$l --ignore-obsolete --no-fuzzy-matching --init-missing; done
	$(BIN)/python translations/fill_english.py

migrate: translations
	$(BIN)/flask --app app migrate

# The web server, and beside it the worker that sends notifications (stopped with it).
# Links in e-mail and SMS go to PUBLIC_URL: unless it is set, the address served here.
PUBLIC_URL ?= http://127.0.0.1:$(PORT)
run: migrate
	@echo "Kontaktbok on http://127.0.0.1:$(PORT)  (demo users: kari, ola, larer1a, rektor, admin … password kontaktbok-demo)"
	PUBLIC_URL='$(PUBLIC_URL)' $(BIN)/flask --app app worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	PUBLIC_URL='$(PUBLIC_URL)' $(BIN)/gunicorn --workers 2 --timeout 120 --bind 127.0.0.1:$(PORT) --access-logfile - 'app:create_app()'

# A Debian package the browser tests or the benchmarks need: installed when missing (as
# root with apt-get), otherwise a clear message.
define debian
	@if ! command -v $(1) >/dev/null; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "Installing Debian's $(2) for $(3)"; \
	    apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q $(2); \
	  else \
	    echo "$(3) need Debian's $(2): run 'sudo apt-get install $(2)' and try again." >&2; exit 1; \
	  fi; \
	fi
endef

chromium:
	$(call debian,/usr/bin/chromium,chromium,The browser tests)

wrk:
	$(call debian,wrk,wrk,The benchmarks)

test: translations chromium
	$(BIN)/pytest

# Both run, whatever the first finds; either missing a target fails the whole.
bench: translations wrk chromium
	$(BIN)/python bench/run.py; speed=$$?; $(BIN)/python bench/lighthouse.py && exit $$speed

clean:
	rm -rf $(VENV) translations/*/LC_MESSAGES/*.mo

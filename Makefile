# The two commands a newcomer needs are `make run` and `make test`; both set up what they need.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install run test lint format bench screenshots messages vendor clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "ofacare needs Python 3.11 or newer; set PYTHON=python3.11")'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

# axe-core for the browser tests' accessibility checks, from npm at the version package-lock.json pins.
NODE_STAMP := node_modules/.installed
$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
	@touch $(NODE_STAMP)

# Starts the service at http://127.0.0.1:8000 on var/ofacare.db (created and seeded with demo
# accounts, passwords printed once, when empty). OFACARE_DATABASE_URL points it elsewhere.
run: install
	OFACARE_SEED_DEMO=$${OFACARE_SEED_DEMO:-1} $(BIN)/ofacare serve

lint: install
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy --strict src
	$(BIN)/lint-imports

# The browser tests drive Debian's Chromium (/usr/bin/chromium); .ci/run installs it when missing.
test: lint $(NODE_STAMP)
	$(BIN)/python -m pytest

format: install
	$(BIN)/ruff format src tests benchmarks
	$(BIN)/ruff check --fix src tests benchmarks

bench: install
	$(BIN)/python -m benchmarks

# Photographs the pages and the guides for the README (needs Debian's chromium and poppler-utils).
screenshots: install
	$(BIN)/python -m tests.web.screenshots
	mkdir -p build
	$(BIN)/ofacare guide --audience patient --format html -o build/guide-patient.html
	$(BIN)/ofacare guide --audience clinician --format pdf -o build/guide-clinician.pdf
	chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1200,1600 \
		--screenshot=docs/images/guide-patient-top.png file://$(CURDIR)/build/guide-patient.html
	pdftoppm -r 70 -png -f 1 -l 1 -singlefile build/guide-clinician.pdf docs/images/guide-clinician-page1
	$(BIN)/ofacare simulate individual --start 2026-01-05 --until-week 60 --stop-after-dose 12 \
		--plot docs/images/simulate-individual.png > /dev/null
	$(BIN)/ofacare simulate population --n 2000 --until-week 104 --plot docs/images/simulate-population.png > /dev/null

# The translation catalogue: every string the pages show, for translators.
messages: install
	$(BIN)/pybabel extract --no-location --sort-output -F src/ofacare/web/babel.cfg \
		-o src/ofacare/web/locale/messages.pot --project=ofacare src/ofacare/web

# Refresh the vendored htmx after changing its version in package.json.
vendor: $(NODE_STAMP)
	rm -f src/ofacare/web/static/vendor/htmx-*.min.js
	cp node_modules/htmx.org/dist/htmx.min.js \
		src/ofacare/web/static/vendor/htmx-$$(node -p "require('htmx.org/package.json').version").min.js

clean:
	rm -rf $(VENV) node_modules .mypy_cache .pytest_cache .ruff_cache .hypothesis var

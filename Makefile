# bookmaker — `make` sets everything up and builds the digests from seeds/;
# `make test` sets up and runs the tests. Both are safe to run again and again.

PYTHON     ?= python3
VENV       := .venv
BIN        := $(VENV)/bin
BOOKMAKER  := $(BIN)/bookmaker
SOURCES    ?= seeds
BUILD      := build
STAMP      := $(VENV)/.installed

# Debian/Ubuntu packages the build and the tests need:
#   fonts-noto-cjk          CJK fonts for the PDF and the EPUB cover
#   fontconfig              fc-match, to find them
#   libpango-1.0-0 libpangoft2-1.0-0   WeasyPrint's text layout
#   libharfbuzz-subset0     font subsetting (WeasyPrint's, and one font per face
#                           shared by the parts of a PDF)
#   default-jre-headless    Java for epubcheck (the W3C EPUB validator)
#   poppler-utils           pdftotext, pdffonts, pdftoppm for the PDF tests
#   python3-venv            the virtual environment
SYSTEM_PACKAGES := fonts-noto-cjk fontconfig libpango-1.0-0 libpangoft2-1.0-0 \
                   libharfbuzz-subset0 default-jre-headless poppler-utils python3-venv

.PHONY: all setup system epub pdf list test bench clean distclean

all: epub pdf list

# Checks every prerequisite and installs the missing ones with apt-get when run as
# root; otherwise prints the exact command to run and stops.
system:
	@missing=""; \
	fc-list :lang=zh family 2>/dev/null | grep -q . || missing="$$missing fonts-noto-cjk fontconfig"; \
	command -v java >/dev/null 2>&1 || missing="$$missing default-jre-headless"; \
	command -v pdftotext >/dev/null 2>&1 && command -v pdffonts >/dev/null 2>&1 \
	  || missing="$$missing poppler-utils"; \
	{ ldconfig -p 2>/dev/null | grep -q 'libpangoft2-1.0.so' ; } \
	  || missing="$$missing libpango-1.0-0 libpangoft2-1.0-0"; \
	{ ldconfig -p 2>/dev/null | grep -q 'libharfbuzz-subset.so.0' ; } \
	  || missing="$$missing libharfbuzz-subset0"; \
	[ -x $(BIN)/python ] || $(PYTHON) -c 'import ensurepip, venv' >/dev/null 2>&1 \
	  || missing="$$missing python3-venv"; \
	if [ -z "$$missing" ]; then exit 0; fi; \
	echo "bookmaker: missing system packages:$$missing"; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  export DEBIAN_FRONTEND=noninteractive; \
	  apt-get update -qq && apt-get install -y -qq --no-install-recommends $$missing; \
	else \
	  echo "Run this, then make again:"; \
	  echo "  sudo apt-get update && sudo apt-get install -y$$missing"; \
	  exit 1; \
	fi

# The virtual environment is (re)installed only when pyproject.toml changes.
$(STAMP): pyproject.toml
	@[ -x $(BIN)/python ] || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $(STAMP)

setup: system $(STAMP)

epub: setup
	$(BOOKMAKER) build $(SOURCES) --format epub -o $(BUILD)/digest.epub

pdf: setup
	$(BOOKMAKER) build $(SOURCES) --format pdf -o $(BUILD)/digest.pdf

list: setup
	$(BOOKMAKER) list $(SOURCES)

test: setup
	$(BIN)/python -m pytest

bench: setup
	$(BIN)/python -m bookmaker.bench $(BENCH_ARGS)

clean:
	rm -rf $(BUILD)

distclean: clean
	rm -rf $(VENV) .pytest_cache .hypothesis

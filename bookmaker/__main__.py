"""Run the command line: ``python -m bookmaker``."""

import sys

from .cli import main

sys.exit(main())

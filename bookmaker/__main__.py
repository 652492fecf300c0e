"""Run the command line: ``python -m bookmaker``."""

import gc
import sys

from .cli import main

# A build allocates objects by the million and keeps most of them (the articles): the
# default, a collection every 700 allocations, spends a twentieth of the run on them.
gc.set_threshold(10_000, 20, 20)
code = main()
# Everything the run made is freed as the process ends; a last collection over it first
# would only cost time.
gc.freeze()
sys.exit(code)

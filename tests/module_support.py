"""Which bookmaker modules an import pulls in, for tests that a cache fingerprint
covers every module that decides what is cached."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Collection


def unlisted_modules(imports: str, listed: Collection[str],
                     unrelated: Collection[str]) -> list[str]:
    """Modules of bookmaker that ``import {imports}`` loads, in a fresh interpreter, and
    that are neither in ``listed`` (names without the ``bookmaker.`` prefix) nor in
    ``unrelated`` (full names)."""
    script = (f"import sys, {imports}; "
              "print(' '.join(sorted(m for m in sys.modules if m.startswith('bookmaker.'))))")
    loaded = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            check=True).stdout.split()
    return [name for name in loaded if name not in unrelated
            and name.removeprefix("bookmaker.") not in listed]

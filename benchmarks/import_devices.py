"""Device-import benchmark of Ånge IoT: 400 and 2,000 water meters from one CSV file.

Usage (from the repository root):

    .venv/bin/python benchmarks/import_devices.py [--rows 400,2000]

Runs benchmarks/bench_import.py under pytest (for the ``hass`` test instance) in a fresh
interpreter and prints a Markdown table for the README. Goals: 400 rows imported with their
entities registered in < 10 s, 2,000 rows in < 30 s.
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path
import subprocess
import sys
import tempfile

REPO = Path(__file__).resolve().parent.parent
GOALS = {400: 10.0, 2000: 30.0}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", default="400,2000", help="comma-separated file sizes (default 400,2000)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        results_path = Path(folder) / "results.json"
        env = dict(os.environ, ANGE_BENCH_IMPORT_ROWS=args.rows, ANGE_BENCH_RESULTS=str(results_path))
        command = [
            sys.executable, "-m", "pytest", str(REPO / "benchmarks" / "bench_import.py"),
            f"--rootdir={REPO}", "-c", str(REPO / "pyproject.toml"), "-q", "-s",
            "-p", "no:cacheprovider", "-p", "no:logging",
        ]
        completed = subprocess.run(command, cwd=REPO, env=env, stdout=sys.stderr, check=False)
        if completed.returncode != 0 or not results_path.exists():
            sys.exit(f"benchmark failed (pytest exit code {completed.returncode}); see stderr")
        results = json.loads(results_path.read_text(encoding="utf-8"))
    print("| Rows | Import + entities registered | Entities | Re-import (no change) | Hub reload | Goal |")
    print("|---:|---:|---:|---:|---:|---|")
    for row in results:
        goal = GOALS.get(row["rows"])
        verdict = f"< {goal:.0f} s: {'met' if row['import_s'] < goal else 'NOT met'}" if goal else ""
        print(
            f"| {row['rows']:,} | {row['import_s']:.2f} s | {row['entities']:,} | {row['reimport_s']:.2f} s "
            f"| {row['reload_s']:.2f} s | {verdict} |"
        )


if __name__ == "__main__":
    main()

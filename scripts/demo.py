"""`make run` until the web app exists: a short tour of the CLI on real examples."""

from __future__ import annotations

import shlex
import subprocess
import sys
from pathlib import Path

LUTEA = str(Path(sys.executable).with_name("lutea"))

STEPS = [
    ("The evidence behind everything lutea says", "evidence"),
]


def main() -> int:
    for title, args in STEPS:
        print(f"\n=== {title}\n$ lutea {args}", flush=True)
        result = subprocess.run([LUTEA, *shlex.split(args)])
        if result.returncode not in (0,):
            return result.returncode
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

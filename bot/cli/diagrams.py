"""`mediation-bot diagrams [--check] [--out FOLDER]`: the flow diagrams of docs/flows/, drawn
from the code's tables (bot/diagrams.py). No configuration or database needed.

mediation-bot diagrams           write the files that changed
mediation-bot diagrams --check   change nothing; fail (exit 1) naming the stale files
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def add_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    diagrams = sub.add_parser("diagrams", help="draw docs/flows/*.md from the flow tables")
    diagrams.add_argument(
        "--check", action="store_true", help="fail if a diagram is stale; write nothing"
    )
    diagrams.add_argument("--out", type=Path, metavar="FOLDER", help="default: docs/flows")


def run(args: argparse.Namespace) -> int:
    from bot import diagrams

    folder = args.out or diagrams.OUT_DIR
    if args.check:
        stale = diagrams.stale(folder)
        for name in stale:
            print(f"{folder / name}: stale; run `mediation-bot diagrams`", file=sys.stderr)
        if not stale:
            print(f"{len(diagrams.DIAGRAMS)} diagrams up to date in {folder}")
        return 1 if stale else 0
    changed = diagrams.write_all(folder)
    for name in changed:
        print(f"wrote {folder / name}")
    print(f"{len(diagrams.DIAGRAMS)} diagrams, {len(changed)} changed")
    return 0

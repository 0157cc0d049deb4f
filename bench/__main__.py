"""`python -m bench [--quick] [--only PART …]`: run the benchmarks and print the table.

The full run (about eleven minutes; the first one also makes maubot's venv, bench/.venv-maubot) writes bench/results/latest.json and rewrites the figures section
of bench/README.md and docs/bench/scaling.png; `--quick` (the smoke sizes) and `--only` print the
table and write bench/results/quick.json or partial.json.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from pathlib import Path

from bench import maubot_peer, report
from bench.env import BenchEnv
from bench.runner import PARTS, Outputs, run
from bench.sizes import FULL, QUICK

HERE = Path(__file__).resolve().parent
PLOT = HERE.parent / "docs" / "bench" / "scaling.png"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes: checks the harness, not the bot")
    parser.add_argument(
        "--only", nargs="+", choices=PARTS, default=PARTS, help="parts to run (floors always run)"
    )
    parser.add_argument(
        "--keep", action="store_true", help="keep the work directory (logs, stores) afterwards"
    )
    parser.add_argument(
        "--no-maubot", action="store_true", help="leave maubot out (its venv is never made then)"
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", datefmt="%H:%M:%S")
    logging.getLogger("nio").setLevel(logging.WARNING)
    complete = set(args.only) == set(PARTS) and not args.quick
    if not args.no_maubot and not args.quick:
        maubot_peer.ensure_venv()  # a quick run uses maubot only if its venv is already there
    outputs = Outputs(
        results=HERE
        / "results"
        / ("latest.json" if complete else "quick.json" if args.quick else "partial.json"),
        readme=HERE / "README.md" if complete else None,
        plot=PLOT if not args.quick else None,
        plot_link="../docs/bench/scaling.png",
    )
    command = (
        "make bench" if complete else "python -m bench " + " ".join(sys.argv[1:] if argv is None else argv)
    )
    env = BenchEnv(keep=args.keep)
    found = asyncio.run(run(QUICK if args.quick else FULL, args.only, outputs, command, env=env))
    if args.keep:
        print(f"work directory kept: {env.workdir}")
    print(report.table(found))
    print(f"\nresults: {outputs.results}")
    failed = [f.metric for f in found if f.passed is False]
    if failed:
        print(f"{len(failed)} target(s) missed")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Run the benchmarks: ``python -m bench [NAME] [options]``.

NAME is a module of this package with a ``main()`` (``pages``, ``linking_quality``, ...);
without one, every benchmark runs with its defaults (`make bench`). Paste the printed
tables into BENCHMARKS.md.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import sys
from pathlib import Path

NOT_BENCHMARKS = {"__main__", "common"}


def benchmarks() -> list[str]:
    """Return the names of the modules of this package that define main()."""
    names = []
    for info in pkgutil.iter_modules([str(Path(__file__).parent)]):
        if info.name in NOT_BENCHMARKS or info.name.startswith("_"):
            continue
        if callable(getattr(importlib.import_module(f"bench.{info.name}"), "main", None)):
            names.append(info.name)
    return sorted(names)


def run(name: str, argv: list[str]) -> int:
    """Run one benchmark's main(), passing `argv` as a parameter or through sys.argv."""
    main = importlib.import_module(f"bench.{name}").main
    if inspect.signature(main).parameters:
        return int(main(argv) or 0)
    sys.argv = [f"python -m bench {name}", *argv]
    return int(main() or 0)


def main() -> int:
    """Dispatch to the named benchmark, or run them all."""
    args = sys.argv[1:]
    names = benchmarks()
    if args and args[0] in ("-h", "--help"):
        print(__doc__ + "\nBenchmarks: " + ", ".join(names))
        return 0
    if args:
        if args[0] not in names:
            print(f"Unknown benchmark {args[0]!r}; choose from {', '.join(names)}.", file=sys.stderr)
            return 2
        return run(args[0], args[1:])
    status = 0
    for name in names:
        status |= run(name, [])
    return status


if __name__ == "__main__":
    sys.exit(main())

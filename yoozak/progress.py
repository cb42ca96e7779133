"""Progress bars for commands: shown on a terminal, silent when the output is piped."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from tqdm import tqdm


@contextmanager
def progress_bar(total: int, label: str) -> Iterator[Callable[[int], None]]:
    """Yield an `advance(n)` callback drawing a bar on a terminal, doing nothing otherwise."""
    if not sys.stderr.isatty() or total <= 0:
        yield lambda _n: None
        return
    with tqdm(total=total, desc=label, unit="row", file=sys.stderr, leave=False) as bar:
        yield bar.update

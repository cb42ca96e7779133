"""Pagination shared by the client list and a client's order history."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")


def last_page(total: int, per_page: int) -> int:
    """Return the number of the last page (at least 1, so an empty list has one page)."""
    return max(1, -(-total // per_page))


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of rows, with what a pager needs to draw the others."""

    items: list[T]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        """Return the number of pages (at least 1)."""
        return last_page(self.total, self.per_page)

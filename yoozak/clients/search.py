"""Client search: a folded substring search over search_text, index-backed on both backends.

Words of three characters or more are answered by a trigram index (FTS5 on SQLite,
pg_trgm on PostgreSQL); shorter words by LIKE; a phone-looking query by the phone digits.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import Boolean, ColumnElement, Integer, and_, column, func, select, table
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.visitors import InternalTraversal

from ..linking.normalize import fold_text, phone_search_digits
from ..models import Client

MAX_QUERY_LENGTH = 200
_PHONE_QUERY = re.compile(r"[\d\s+\-().]+")


def escape_like(text: str) -> str:
    """Escape LIKE wildcards so that % and _ typed by a user are literal."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


# The trigram index over search_text, created by migration 0f7ec23d4af1 and kept out of the
# models: an FTS5 table (tokenizer "trigram", its text read from clients, triggers keeping it
# in step) on SQLite, a pg_trgm GIN index on PostgreSQL. Both answer "contains this substring
# of 3+ characters" from the index; a shorter word has no trigram and is matched by LIKE.
TRIGRAM = 3
_CLIENT_SEARCH = table("client_search", column("rowid", Integer), column("client_search"))
SEARCH_INDEX_OBJECTS = frozenset(
    {
        "client_search",
        "client_search_config",
        "client_search_data",
        "client_search_docsize",
        "client_search_idx",
        "ix_clients_search_text_trgm",
    }
)


def include_in_autogenerate(name: str | None, type_: str, parent_names: Mapping) -> bool:
    """Tell Alembic's autogenerate to leave alone the search index that only the migration knows."""
    return not (type_ in ("table", "index") and name in SEARCH_INDEX_OBJECTS)


class _SqliteOrElse(ColumnElement):
    """One clause on SQLite, another elsewhere: the trigram index is asked differently."""

    inherit_cache = True
    _traverse_internals = [
        ("sqlite", InternalTraversal.dp_clauseelement),
        ("other", InternalTraversal.dp_clauseelement),
    ]

    def __init__(self, sqlite: ColumnElement, other: ColumnElement):
        self.sqlite, self.other, self.type = sqlite, other, other.type
        # A predicate needs no "= 1" around it on backends whose booleans are integers.
        self._is_implicitly_boolean = isinstance(other.type, Boolean)


@compiles(_SqliteOrElse)
def _compile_other(element: _SqliteOrElse, compiler, **kw) -> str:
    return compiler.process(element.other, **kw)


@compiles(_SqliteOrElse, "sqlite")
def _compile_sqlite(element: _SqliteOrElse, compiler, **kw) -> str:
    return compiler.process(element.sqlite, **kw)


def _fts_match(words: list[str]):
    """Return the FTS5 MATCH of every word as a quoted phrase (a substring, punctuation literal)."""
    phrases = " AND ".join('"' + word.replace('"', '""') + '"' for word in words)
    return _CLIENT_SEARCH.c.client_search.match(phrases)


def _contains_all(words: list[str]):
    """Return "search_text contains every word" (each of 3+ characters) through the trigram index.

    SQLite: one FTS5 MATCH (case-insensitive substrings). Elsewhere: LIKE '%word%', which
    PostgreSQL answers from the pg_trgm index.
    """
    fts_ids = select(_CLIENT_SEARCH.c.rowid).where(_fts_match(words)).correlate(None)
    return _SqliteOrElse(Client.id.in_(fts_ids), _likes(words))


def _count_containing(words: list[str]):
    """Return the number of clients whose search_text contains every word, from the index alone.

    On SQLite the FTS5 table counts its rowids without reading a client row (they are the
    clients' ids, the triggers see to it): 33,000 matches in a few ms instead of ~35.
    """
    fts = select(func.count()).select_from(_CLIENT_SEARCH).where(_fts_match(words))
    other = select(func.count()).select_from(Client).where(_likes(words))
    return _SqliteOrElse(fts.scalar_subquery(), other.scalar_subquery())


def _likes(words: list[str]):
    return and_(*(Client.search_text.like(f"%{escape_like(w)}%", escape="\\") for w in words))


def _phone_prefix_condition(digits: str):
    """Match national phone digits starting with `digits`, through the phone_digits index.

    phone_digits holds digits only, so the range [digits, digits + "9" * 20] is exactly the
    set of values that start with `digits` in any collation, and it lets SQLite and
    PostgreSQL walk the index (a LIKE prefix needs a NOCASE or text_pattern_ops index).
    """
    upper = digits + "9" * 20
    return and_(
        Client.phone_digits >= digits,
        Client.phone_digits <= upper,
        Client.phone_digits.like(escape_like(digits) + "%", escape="\\"),
    )


@dataclass(frozen=True)
class _Search:
    """A search's WHERE clause and, for a text search, the same test as bare LIKEs.

    `condition` finds the matches from an index (the trigram index for words of 3+
    characters, an id set scanned once otherwise); `likes` tests one row, for a page
    that walks the sort column's index and stops when it is full.
    """

    condition: object
    likes: object | None = None
    indexed: bool = True
    total: object | None = None  # the count of its matches from the index, when it can tell

    @property
    def counted(self):
        """Return the clause a count uses: the index if it helps, else one scan of bare LIKEs."""
        return self.condition if self.indexed or self.likes is None else self.likes


def build_search(q: str) -> _Search | None:
    """Return how to find a search's matches, or None for an empty query."""
    q = (q or "").strip()[:MAX_QUERY_LENGTH]
    if not q:
        return None
    if _PHONE_QUERY.fullmatch(q) and (digits := phone_search_digits(q)):
        return _Search(_phone_prefix_condition(digits))
    # Each word typed is folded as search_text was: "amine_b" becomes the phrase "amine b",
    # so punctuation inside a word ("%", "_", ".", "@") must sit where the stored text has it.
    words = [folded for word in q.split() if (folded := fold_text(word))]
    if not words:
        return _Search(Client.id.is_(None))  # nothing searchable (only "%", "_", punctuation)
    long = [w for w in words if len(w) >= TRIGRAM]
    short = [w for w in words if len(w) < TRIGRAM]
    likes = _likes(words)
    if long:
        condition = _contains_all(long) if not short else and_(_contains_all(long), _likes(short))
    else:
        # No trigram to look up: scan once into an id set; inline under an ORDER BY, SQLite
        # would walk the sort index and read the row behind every entry.
        condition = Client.id.in_(select(Client.id).where(likes).correlate(None))
    return _Search(condition, likes, bool(long), _count_containing(long) if not short else None)


def search_condition(q: str):
    """Build the WHERE clause of a search over name, e-mail, username, phone, address, company.

    Case and accents do not matter (search_text is folded); `%` and `_` are never wildcards;
    every word must match. A query made only of digits and phone punctuation, with at least
    3 significant digits ("06 12 34", "+2126123", "612345"), is a phone: it matches the
    clients whose number starts with those digits, whatever spelling either side used.
    """
    search = build_search(q)
    return search.condition if search is not None else None

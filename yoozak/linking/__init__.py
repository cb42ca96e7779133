"""Order-to-client linking: pure normalisers and matcher (no Flask, no I/O)."""

from .match import Candidate, ClientIndex, ClientKeys, Decision, Matcher, OrderKeys
from .normalize import (
    fold_text,
    format_phone_human,
    name_block_keys,
    national_digits,
    normalize_email,
    normalize_name,
    normalize_phone,
    phone_search_digits,
)

__all__ = [
    "Candidate",
    "ClientIndex",
    "ClientKeys",
    "Decision",
    "Matcher",
    "OrderKeys",
    "fold_text",
    "format_phone_human",
    "name_block_keys",
    "national_digits",
    "normalize_email",
    "normalize_name",
    "normalize_phone",
    "phone_search_digits",
]

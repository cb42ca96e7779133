"""Pure normalisers for order/client identity keys (email, phone, names, search text).

Every public function is total (never raises, whatever the input, None included) and
idempotent on its str output: f(f(x)) == f(x).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from itertools import permutations

import phonenumbers
from jellyfish import damerau_levenshtein_distance
from phonenumbers import NumberParseException, PhoneNumberFormat
from unidecode import unidecode

from .names_ma import (
    ADDRESS_CITIES,
    ADDRESS_FILLER,
    ADDRESS_KINGS,
    ADDRESS_PHRASES,
    ADDRESS_ROMAN,
    ADDRESS_WORDS,
    COMPOUND_SPLITS,
    FIRST_NAMES,
    LAST_NAMES,
    PARTICLES,
    TITLES,
)

__all__ = [
    "fold_text",
    "format_phone_human",
    "is_known_name",
    "is_typo",
    "known_spellings",
    "name_block_keys",
    "national_digits",
    "normalize_address",
    "normalize_email",
    "normalize_name",
    "normalize_phone",
    "phone_search_digits",
    "phonetic_code",
    "strip_article",
    "variant_fold",
]

# Longer inputs are junk (pasted notes, two numbers...); bounding them also bounds the cost.
_MAX_PHONE_CHARS = 64
# "+212 (0)6 12..." : the bracketed trunk zero must vanish before the digits are joined.
_ZERO_IN_PARENS = re.compile(r"\(\s*0\s*\)")
_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_NON_ALPHA = re.compile(r"[^a-z]+")
# Apostrophes inside names are transliteration marks (Sa'id, l'Amrani): drop, don't split.
_APOSTROPHES = re.compile(r"['`\u2018\u2019\u02bc\u02b9\u00b4\u02bf\u02be]")
_WHITESPACE = re.compile(r"\s+")
# Lone surrogates (from badly decoded bytes) make unidecode warn; they carry no letters.
_SURROGATES = re.compile("[\ud800-\udfff]")


def _ascii(text: str) -> str:
    return unidecode(_SURROGATES.sub("", text))


# --------------------------------------------------------------------------- email


def _email_step(text: str) -> str:
    # Agents type spaces around/inside addresses; no valid unquoted address holds whitespace.
    text = _WHITESPACE.sub("", text).strip("<>").casefold()
    return text


# Already normalised as stored (lower-case ASCII, no whitespace, no angle brackets): the
# steps below would return it unchanged, and a run normalises every client's address.
_PLAIN_EMAIL = re.compile(r"[!-;=?-@\[-~]+")


def normalize_email(value: str | None) -> str | None:
    """Trimmed, case-folded email, or None when empty or not plausibly an address."""
    if value is None:
        return None
    text = str(value)
    if _PLAIN_EMAIL.fullmatch(text):
        local, at, domain = text.partition("@")
        return text if at and local and domain and "@" not in domain else None
    # Loop to a fixpoint: casefold is not guaranteed idempotent on every code point.
    for _ in range(4):
        nxt = _email_step(text)
        if nxt == text:
            break
        text = nxt
    local, at, domain = text.partition("@")
    if not at or not local or not domain or "@" in domain or _email_step(text) != text:
        return None
    return text


# --------------------------------------------------------------------------- phone


def _ascii_digits(text: str) -> str:
    """All decimal digits of text (Arabic-Indic and full-width too) as ASCII."""
    if text.isascii():
        return "".join(ch for ch in text if "0" <= ch <= "9")
    return "".join(str(unicodedata.decimal(ch)) for ch in text if ch.isdecimal())


@lru_cache(maxsize=1 << 17)
def _normalize_phone(text: str, region: str) -> str | None:
    candidate = _phone_candidate(text, region)
    return None if candidate is None else _valid_e164(candidate, region)


def _phone_candidate(text: str, region: str) -> str | None:
    """Reduce a typed phone to one canonical string, so that every spelling shares a cache entry."""
    text = text.strip()
    if not text or len(text) > _MAX_PHONE_CHARS:
        return None
    text = _ZERO_IN_PARENS.sub(" ", text)
    plus = text[:1] in ("+", "\uff0b")
    digits = _ascii_digits(text)
    if not 6 <= len(digits) <= 17:
        return None
    if digits.startswith("00"):
        # International call prefix, with or without a stray "+".
        candidate = "+" + digits[2:]
    elif plus:
        candidate = "+" + digits
    elif region == "MA" and digits.startswith("212") and len(digits) in (12, 13):
        # "212612345678": country code typed without "+"; no MA national number starts with 2.
        candidate = "+" + digits
    elif region == "MA" and len(digits) == 9 and digits[0] in "5678":
        # "612345678": national significant number typed without its trunk 0.
        candidate = "+212" + digits
    elif region == "MA" and len(digits) == 10 and digits[0] == "0":
        # "0612345678": the national form with its trunk 0.
        candidate = "+212" + digits[1:]
    else:
        candidate = digits
    if candidate.startswith("+2120"):
        # "+212 06...": trunk 0 kept after the country code.
        candidate = "+212" + candidate[5:]
    return candidate


@lru_cache(maxsize=1 << 19)
def _valid_e164(candidate: str, region: str) -> str | None:
    # phonenumbers is the authority (about 80 µs a call); the cache makes each number
    # cost that once, whatever the number of ways it was typed.
    try:
        number = phonenumbers.parse(candidate, region)
    except NumberParseException:
        return None
    # Only a number phonenumbers deems valid can identify someone; never keep a fragment.
    if not (phonenumbers.is_possible_number(number) and phonenumbers.is_valid_number(number)):
        return None
    return phonenumbers.format_number(number, PhoneNumberFormat.E164)


def _region(region: object) -> str:
    return region.upper() if isinstance(region, str) and len(region) == 2 else "MA"


def normalize_phone(value: str | None, region: str = "MA") -> str | None:
    """E.164 form of a valid phone number typed in any spelling, else None."""
    if value is None:
        return None
    return _normalize_phone(str(value), _region(region))


def national_digits(e164: str | None) -> str:
    """National significant number of a phone ("+212612345678" -> "612345678"); digits if invalid."""
    if e164 is None:
        return ""
    normalized = normalize_phone(e164)
    if normalized is None:
        return _strip_call_prefixes(_ascii_digits(str(e164)[:_MAX_PHONE_CHARS]))
    if normalized.startswith("+212"):
        return normalized[4:]  # Moroccan numbers: no parse needed, the country code is 3 digits
    return str(phonenumbers.parse(normalized).national_number)


def _strip_call_prefixes(digits: str) -> str:
    # Strip until stable so that callers stay idempotent.
    while True:
        if digits.startswith("00212"):
            digits = digits[5:]
        elif digits.startswith("212"):
            digits = digits[3:]
        elif digits.startswith("0"):
            digits = digits[1:]
        else:
            return digits


def phone_search_digits(value: str | None) -> str:
    """National-number prefix of a partial phone query, "" when under 3 significant digits."""
    if value is None:
        return ""
    text = _ZERO_IN_PARENS.sub(" ", str(value)[:_MAX_PHONE_CHARS])
    digits = _strip_call_prefixes(_ascii_digits(text))
    # Fewer than 3 significant digits would match a large share of all numbers.
    return digits if len(digits) >= 3 else ""


def format_phone_human(value: str | None) -> str:
    """Readable phone: "06 12 34 56 78" for Moroccan numbers, international otherwise, raw if invalid."""
    if value is None:
        return ""
    return _format_phone_human(str(value))


@lru_cache(maxsize=4096)
def _format_phone_human(raw: str) -> str:
    # Every list page formats 25-100 phones, and parsing one costs ~60 µs: cached by spelling.
    e164 = normalize_phone(raw)
    if e164 is None:
        return raw
    number = phonenumbers.parse(e164)
    if number.country_code == 212:
        return phonenumbers.format_number(number, PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(number, PhoneNumberFormat.INTERNATIONAL)


# --------------------------------------------------------------------------- text & names


def fold_text(value: str | None) -> str:
    """Lower-case ASCII text without accents or punctuation, whitespace collapsed."""
    if value is None:
        return ""
    return _NON_ALNUM.sub(" ", _ascii(str(value)).lower()).strip()


_VOWELS = re.compile(r"[aeiu]")
_DOUBLES = re.compile(r"(.)\1+")


@lru_cache(maxsize=1 << 16)
def variant_fold(token: str) -> str:
    """Generic transliteration folding of one token (mohammed/mohamed, wafaa/ouafae...)."""
    text = token
    for _ in range(5):  # to a fixpoint: each rule may enable another
        prev = text
        # Latin spellings of the same Arabic sounds (sh/ch, dj/j, q/k, ou/w/o/u, y/i).
        for old, new in (
            ("sh", "ch"),
            ("dj", "j"),
            ("ph", "f"),
            ("ck", "k"),
            ("q", "k"),
            ("ee", "i"),
            ("ou", "u"),
            ("oo", "u"),
            ("w", "u"),
            ("o", "u"),
            ("y", "i"),
        ):
            text = text.replace(old, new)
        text = re.sub(r"c(?=[ei])", "s", text)  # yacine/yassine
        text = _DOUBLES.sub(r"\1", text)  # doubled consonants are a spelling habit, not a sound
        text = re.sub(r"(?<=a)[eh]$", "", text)  # chaimae/chaimaa, fatimah/fatima
        text = re.sub(r"(?<=[^aeiu])e$", "", text)  # french silent e: amine/amin, imane/iman
        if text == prev:
            break
    return text


def strip_article(token: str) -> str:
    """Token without a leading attached article ("elamrani" -> "amrani")."""
    if token.startswith("el") and len(token) >= 5:
        return token[2:]
    return token


@lru_cache(maxsize=1 << 16)
def phonetic_code(token: str) -> str:
    """Vowel-less skeleton of a token, shared by spelling variants and Arabic-script input."""
    folded = variant_fold(strip_article(token))
    code = _DOUBLES.sub(r"\1", _VOWELS.sub("", folded)).rstrip("h")
    return code or folded[:2]


def _raw_tokens(value: str) -> list[str]:
    """Folded name tokens with titles removed, compounds split and particles attached."""
    text = _APOSTROPHES.sub("", _ascii(value))
    text = _NON_ALPHA.sub(" ", _APOSTROPHES.sub("", text.lower()))
    tokens: list[str] = []
    for token in text.split():
        if token in TITLES:
            continue
        tokens.extend(COMPOUND_SPLITS.get(token, token).split())
    merged: list[str] = []
    pending = ""
    for token in tokens:
        particle = PARTICLES.get(token)
        if particle is not None:
            pending += particle  # "abd el kader" -> "abdelkader"
            continue
        if len(token) == 1 and not pending:
            continue  # initials ("A. Benali") cannot be compared safely
        merged.append(pending + token)
        pending = ""
    # A trailing orphan particle has nothing to attach to and is dropped.
    return merged


def _build_tables() -> tuple[dict[str, str], dict[str, str], dict[str, tuple[str, ...]]]:
    canon: dict[str, str] = {}
    entries = []
    for display, _weight, _sex, variants in FIRST_NAMES + LAST_NAMES:
        tokens = _raw_tokens(display)
        if len(tokens) != 1:
            continue
        entries.append((tokens[0], variants))
        canon[tokens[0]] = tokens[0]  # canonical spellings are fixpoints (idempotence)
    for key, variants in entries:
        for variant in variants:
            vt = _raw_tokens(variant)
            if len(vt) == 1 and vt[0] not in canon:
                canon[vt[0]] = key
    # Fold index: only folds that point to a single canonical name are trusted.
    folds: dict[str, set[str]] = {}
    for spelling, key in canon.items():
        folds.setdefault(variant_fold(spelling), set()).add(key)
    fold_index = {fold: next(iter(keys)) for fold, keys in folds.items() if len(keys) == 1}
    spellings: dict[str, list[str]] = {}
    for spelling, key in canon.items():
        spellings.setdefault(key, []).append(spelling)
    return canon, fold_index, {k: tuple(v) for k, v in spellings.items()}


_CANON, _FOLD_INDEX, _SPELLINGS = _build_tables()
_KNOWN: frozenset[str] = frozenset(_CANON.values())
_ABD_PREFIX = re.compile(r"^abd(?:ou|u|a)l(?=[a-z]{3})")


def is_known_name(token: str) -> bool:
    """True when token is a canonical name of the tables (with or without article)."""
    return token in _KNOWN or (token.startswith("el") and token[2:] in _KNOWN)


def known_spellings(token: str) -> tuple[str, ...]:
    """Every spelling of the tables that normalises to this canonical token."""
    return _SPELLINGS.get(token, (token,))


@lru_cache(maxsize=1 << 16)
def _canon_token(token: str) -> str:
    found = _CANON.get(token)
    if found is not None:
        return found
    token = _ABD_PREFIX.sub("abdel", token)
    if token.startswith("al") and "el" + token[2:] in _KNOWN:
        return "el" + token[2:]  # "alamrani" typed for "elamrani"
    found = _CANON.get(token) or _FOLD_INDEX.get(variant_fold(token))
    return found if found is not None else token


def normalize_name(value: str | None) -> str:
    """Canonical, order-insensitive key of a person's name ("" when nothing usable)."""
    if value is None:
        return ""
    text = str(value)
    # Sorted canonical tokens: "Mohammed El-Amrani" and "amrani el mohamed" agree.
    # More than 8 tokens is not a person's name; the cap keeps scoring cheap.
    tokens = sorted(_canon_token(t) for t in _raw_tokens(text))[:8]
    return " ".join(tokens)


def _close(a: str, b: str, limit: int) -> bool:
    """True when a and b are at most limit edits apart (Damerau: adjacent swaps count one)."""
    if abs(len(a) - len(b)) > limit:
        return False  # cheap exit: most pairs differ in length or a lot
    if limit != 1:
        return damerau_levenshtein_distance(a, b) <= limit
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        return len(diff) <= 1 or (
            len(diff) == 2
            and diff[1] == diff[0] + 1
            and a[diff[0]] == b[diff[1]]
            and a[diff[1]] == b[diff[0]]
        )
    if len(a) > len(b):
        a, b = b, a
    i = 0
    while i < len(a) and a[i] == b[i]:
        i += 1
    return a[i:] == b[i + 1 :]


def is_typo(a: str, b: str, limit: int = 1) -> bool:
    """a and b are one typing error apart, on any known spelling or on their folds."""
    if _close(a, b, limit) or _close(variant_fold(a), variant_fold(b), limit):
        return True
    # A typo is made on the spelling that was typed, which the canonical form may hide
    # ("Ameena" -> canonical "amina", typed "Amenea"): compare with every known spelling.
    return any(_close(a, y, limit) for y in known_spellings(b)) or any(
        _close(b, y, limit) for y in known_spellings(a)
    )


def name_block_keys(normalized_name: str | None) -> set[str]:
    """Blocking keys of a normalised name: token-pair phonetic keys that survive one typo."""
    if not normalized_name:
        return set()
    tokens = normalized_name.split()[:6]
    if len(tokens) == 1:
        return {"1:" + phonetic_code(tokens[0])}
    keys: set[str] = set()
    stems = [variant_fold(strip_article(t)) for t in tokens]
    codes = [phonetic_code(t) for t in tokens]
    for i, j in permutations(range(len(tokens)), 2):
        if i < j:
            keys.add("2:" + "|".join(sorted((codes[i], codes[j]))))
        # Code of one token + first letters of the other: a typo that changes one token's
        # skeleton rarely also changes its first two letters.
        keys.add(f"p:{codes[i]}|{stems[j][:2]}")
    return keys


# --------------------------------------------------------------------------- addresses

# Longer inputs are pasted notes; 24 tokens of <= 40 chars always fit in the cap again, so
# the output of a truncated input is a fixpoint (idempotence).
_MAX_ADDRESS_CHARS = 1000
_MAX_ADDRESS_TOKENS = 24
_MAX_TOKEN_CHARS = 40
# Accented Latin letters are folded by NFKD (C speed); unidecode costs ~10 µs a call and a
# run normalises a million addresses, so it only sees other scripts (Arabic...).
# "n°12", "nº 12": the degree/ordinal signs are number markers, never letters.
_NOT_LATIN = re.compile(r"[^\x00-\u024f]")
# Words and numbers, split apart where they touch ("n12", "12bis", "appt3").
_ADDRESS_TOKENS = re.compile(r"[a-z]+|[0-9]+")
# One look-up per word: filler maps to "", known words to their canonical form.
_ADDRESS_MAP = {**ADDRESS_WORDS, **ADDRESS_CITIES, **dict.fromkeys(ADDRESS_FILLER, "")}
# Words that may glue onto the previous one; the others skip the check (most words).
_GLUES_BACK = frozenset(second for _, second in ADDRESS_PHRASES) | ADDRESS_ROMAN.keys()


def _glue(prev: str, last: str) -> str | None:
    glued = ADDRESS_PHRASES.get((prev, last))
    if glued is None and prev in ADDRESS_KINGS and last in ADDRESS_ROMAN:
        glued = prev + ADDRESS_ROMAN[last]  # "Bd Mohammed V" == "bd mohamed 5"
    return glued


@lru_cache(maxsize=1 << 16)
def _normalize_address(text: str) -> str:
    if not text.isascii():
        # str.replace, not str.translate: translate costs ~7 µs on a non-ASCII string.
        text = text.replace("\u00b0", " ").replace("\u00ba", " ").replace("\u2019", " ")
        if _NOT_LATIN.search(text):
            text = _ascii(text)
        else:
            text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    out: list[str] = []
    get = _ADDRESS_MAP.get
    for raw in _ADDRESS_TOKENS.findall(text.lower()):
        if raw[0] <= "9":
            token = raw.lstrip("0") or "0"
            if len(token) >= 5:
                continue  # postal codes and phone numbers, not a door
        else:
            token = get(raw[:_MAX_TOKEN_CHARS], raw[:_MAX_TOKEN_CHARS])
            if not token:
                continue
        out.append(token)
        # Collapse as we go, so that no collapsible pair is left for a second pass.
        while token in _GLUES_BACK and len(out) >= 2:
            token = _glue(out[-2], token)
            if token is None:
                break
            out[-2:] = [token]
    return " ".join(out[:_MAX_ADDRESS_TOKENS])


def normalize_address(value: str | None) -> str:
    """Canonical address: folded, street words abbreviated one way, filler dropped, numbers kept."""
    if value is None:
        return ""
    # Cached: a client's orders repeat the same few spellings, and a run reads a million.
    return _normalize_address(str(value)[:_MAX_ADDRESS_CHARS])

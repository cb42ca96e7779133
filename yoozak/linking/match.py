"""Order -> client linking decisions (pure: data in, decisions out, no I/O).

Rules, in priority order: (1) same normalised email, (2) same E.164 phone, (3) similar full
name.  Identifiers only link when the name on the order does not contradict them, and a name
alone links only when it is distinctive enough that a guest namesake is unlikely, or when the
delivery address names the same door as the client's; everything else goes to a human
review queue as "ambiguous" with its candidates.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import permutations
from typing import NamedTuple

from jellyfish import damerau_levenshtein_distance, jaro_winkler_similarity

from .names_ma import ADDRESS_CITIES, ADDRESS_WORDS
from .normalize import (
    is_known_name,
    is_typo,
    name_block_keys,
    normalize_address,
    phonetic_code,
    strip_article,
    variant_fold,
)

__all__ = [
    "Candidate",
    "ClientIndex",
    "ClientKeys",
    "Decision",
    "Matcher",
    "OrderKeys",
    "address_similarity",
    "name_similarity",
    "token_similarity",
]


class ClientKeys(NamedTuple):
    """One client's keys. A tuple: a run builds one per client, and a tuple costs a third of
    a frozen dataclass to build."""

    id: int
    email: str | None  # normalize_email
    phone: str | None  # normalize_phone (E.164)
    name: str  # normalize_name
    # As typed or already normalised: normalize_address runs (cached, idempotent) only when
    # the client is compared by address, which few clients of a run ever are.
    address: str = ""  # city included when known


@dataclass(frozen=True, slots=True)
class OrderKeys:
    id: int
    email: str | None
    phone: str | None
    name: str
    address: str = ""


@dataclass(frozen=True, slots=True)
class Candidate:
    client_id: int
    method: str
    score: float

    def __reduce__(self):
        # Pickled as a plain tuple: worker processes send a million decisions back, and the
        # dataclass default (a state dict rebuilt through fields()) costs the parent seconds.
        return (Candidate, (self.client_id, self.method, self.score))


@dataclass(frozen=True, slots=True)
class Decision:
    order_id: int
    outcome: str  # "linked" | "ambiguous" | "unmatched"
    client_id: int | None
    method: str | None
    score: float | None
    candidates: tuple[Candidate, ...]
    reason: str

    def __reduce__(self):
        fields = (self.order_id, self.outcome, self.client_id, self.method, self.score)
        return (Decision, (*fields, self.candidates, self.reason))


# --------------------------------------------------------------------------- name scoring

_VARIANT = 0.97  # same name, other transliteration (table or generic folding)
_ARTICLE = 0.95  # "elamrani" vs "amrani": the article is often dropped when typing
_SKELETON = 0.9  # Arabic-script input romanised without vowels ("mhmd" vs "mohamed")
_NOT_A_TYPO = 0.6  # factor on JW when the spellings are too far apart to be one typo
_EXTRA_TOKEN = 0.85  # factor per token present in one name only (middle name, initials...)


@lru_cache(maxsize=1 << 18)
def token_similarity(a: str, b: str) -> float:
    """Similarity in [0, 1] of two normalised name tokens."""
    if a == b:
        return 1.0
    sa, sb = strip_article(a), strip_article(b)
    if sa == sb:
        return _ARTICLE
    if is_known_name(a) and is_known_name(b):
        # Two different names of the tables (Samir/Samira, Fatima/Fatiha, Ahmed/Mohamed):
        # different people however close the spelling.  Checked before the generic folds.
        return min(0.5, jaro_winkler_similarity(sa, sb))
    short, long_ = sorted((sa, sb), key=len)
    if long_ == short + "a":
        # Arabic feminine ending: Samir/Samira, Nabil/Nabila are siblings, not typos.
        return min(0.5, jaro_winkler_similarity(sa, sb))
    fa, fb = variant_fold(sa), variant_fold(sb)
    if fa == fb:
        return _VARIANT
    vowelless = not any(c in "aeiouy" for c in sa) or not any(c in "aeiouy" for c in sb)
    if vowelless and min(len(sa), len(sb)) >= 2 and phonetic_code(sa) == phonetic_code(sb):
        return _SKELETON
    jw = jaro_winkler_similarity(fa, fb)
    # One typing error (two in long names): keep JW so the threshold stays meaningful.
    limit = 1 if max(len(sa), len(sb)) <= 7 else 2
    if min(len(sa), len(sb)) >= 3 and (is_typo(a, b, limit) or is_typo(sa, sb, limit)):
        return max(jw, jaro_winkler_similarity(a, b))
    # Anything further is another name: JW alone rates "ahmed"/"hamid" 0.8 and would pass.
    return jw * _NOT_A_TYPO


def _aligned(short: Sequence[str], long_: Sequence[str]) -> float:
    """Best one-to-one alignment score: the weakest aligned token, times extra-token penalty."""
    # The *minimum* token score is used: "mohamed alaoui" vs "ahmed alaoui" must fail even
    # though half of the name is identical.  Names have <= 6 tokens: brute force is cheap,
    # and the two shapes of nearly every name (1 or 2 tokens on the short side) are spelt
    # out, since this runs a few hundred thousand times in a full link run.
    n = len(short)
    if n == 1:
        best = max(token_similarity(short[0], y) for y in long_)
    elif n == 2 and len(long_) == 2:
        (a, b), (c, d) = short, long_
        best = max(
            min(token_similarity(a, c), token_similarity(b, d)),
            min(token_similarity(a, d), token_similarity(b, c)),
        )
    else:
        best = 0.0
        for perm in permutations(long_, n):
            worst = min(token_similarity(x, y) for x, y in zip(short, perm, strict=True))
            if worst > best:
                best = worst
                if best == 1.0:
                    break
    return best * _EXTRA_TOKEN ** (len(long_) - n)


@lru_cache(maxsize=1 << 18)
def name_similarity(a: str, b: str) -> float:
    """Score in [0, 1] of two normalised names: weakest aligned token, word order ignored."""
    ta, tb = a.split()[:6], b.split()[:6]
    if not ta or not tb:
        return 0.0
    short, long_ = (ta, tb) if len(ta) <= len(tb) else (tb, ta)
    best = _aligned(short, long_)
    if len(long_) > len(short) and best < 1.0:
        # A word split in two on one side only ("aet brahim" / "aitbrahim", "nour eddine" /
        # "noureddine"): try gluing two tokens of the longer name (sorted, so any pair).
        for i, j in permutations(range(len(long_)), 2):
            glued = [t for k, t in enumerate(long_) if k not in (i, j)] + [long_[i] + long_[j]]
            best = max(best, _aligned(short, glued) if len(glued) >= len(short) else _aligned(glued, short))
    return best


# --------------------------------------------------------------------------- address scoring

_ADDRESS_MATCH = 0.75  # address_similarity from which two addresses name the same door
# A number right after one of these words is that thing's number, not the house's.
_NUMBER_TAGS = frozenset(("apt", "imm", "etage", "bloc", "lot", "rue", "villa", "secteur"))
_DOOR_TAGS = frozenset(("", "apt", "villa"))  # "" : a number of its own, the house's
# Street-type words and places wider than a door: they say nothing about *which* door.
_STREET_WORDS = frozenset(ADDRESS_WORDS.values()) - {"mohammed", "moulay"} | {"ville", "medina"}
_CITIES = frozenset(ADDRESS_CITIES.values())
# The word after one of these starts the street's (or residence's) name: its "head".
_STREET_TYPES = frozenset(("rue", "av", "bd", "derb", "lot", "res", "imp", "route"))
# Relay points, offices, schools...: many people receive parcels there, namesakes included.
_NOT_A_HOME = frozenset(
    (
        "relais",
        "amana",
        "agence",
        "poste",
        "bureau",
        "societe",
        "usine",
        "industrielle",
        "hopital",
        "clinique",
        "universite",
        "faculte",
        "lycee",
        "ecole",
        "banque",
        "hotel",
        "marjane",
        "mall",
    )
)


class _Door(NamedTuple):
    numbers: frozenset[tuple[str, str]]  # (tag, number): ("", "12") is the house, ("apt", "3")
    words: frozenset[str]  # words that tell streets apart (names of streets, districts...)
    cities: frozenset[str]
    heads: frozenset[str]  # first word of each street or residence name


@lru_cache(maxsize=1 << 16)
def _address_parts(address: str) -> _Door | None:
    """The door a canonical address names, or None when it names none (vague, relay point...)."""
    tokens = address.split()
    numbers, words, cities = set(), set(), set()
    heads = frozenset(tokens[i + 1] for i in range(len(tokens) - 1) if tokens[i] in _STREET_TYPES)
    for i, token in enumerate(tokens):
        if token.isdigit():
            prev = tokens[i - 1] if i else ""
            tag = prev if prev in _NUMBER_TAGS else "etage" if tokens[i + 1 : i + 2] == ["etage"] else ""
            numbers.add((tag, token))
        elif token in _NOT_A_HOME:
            return None
        elif token in _CITIES:
            cities.add(token)
        elif token not in _STREET_WORDS and len(token) >= 2:
            words.add(token)
    # Vague ("Casablanca", "Hay Mohammadi", "Rue 7", "Résidence Nour Imm 5"): a district, a
    # street or a building, not a door; a house, flat or villa number is what names one.
    if not words or not any(tag in _DOOR_TAGS for tag, _ in numbers):
        return None
    return _Door(frozenset(numbers), frozenset(words), frozenset(cities), heads)


def _numbers_agree(a: frozenset, b: frozenset) -> bool:
    # One side may omit numbers (apartment, floor), never contradict one: every number of
    # one side is on the other, the house numbers meet, and so do the numbers of each tag.
    va, vb = {v for _, v in a}, {v for _, v in b}
    if not (va <= vb or vb <= va):
        return False
    if any(t == "" for t, _ in a) != any(t == "" for t, _ in b):
        return False  # "Rue X Appt 3" may be any house of the street
    for tag in {t for t, _ in a} & {t for t, _ in b}:
        if not {v for t, v in a if t == tag} & {v for t, v in b if t == tag}:
            return False
    return True


@lru_cache(maxsize=1 << 16)
def _same_word(a: str, b: str) -> bool:
    if a == b:
        return True
    if min(len(a), len(b)) < 4:
        return False  # short words ("ibn", "oum") differ by one letter from other words
    if strip_article(a) == strip_article(b) or a.removeprefix("al") == b.removeprefix("al"):
        return True  # "almassira" / "massira"
    return damerau_levenshtein_distance(a, b) <= (1 if max(len(a), len(b)) <= 7 else 2)


def _same_head(a: str, b: str) -> bool:
    # Lenient (a veto only): one edit even in short words ("ibn"/"inb"); numbers exactly.
    if a.isdigit() or b.isdigit():
        return a == b
    return _same_word(a, b) or damerau_levenshtein_distance(a, b) <= 1


def address_similarity(a: str, b: str) -> float:
    """Score in [0, 1] that two canonical addresses name the same door; 0 if either is vague."""
    pa = _address_parts(a) if a else None
    pb = _address_parts(b) if b else None
    return 0.0 if pa is None or pb is None else _door_similarity(pa, pb)


def _door_similarity(pa: _Door, pb: _Door) -> float:
    if pa.cities and pb.cities and not pa.cities & pb.cities:
        return 0.0  # another city
    if pa.heads and pb.heads and not any(_same_head(x, y) for x in pa.heads for y in pb.heads):
        return 0.0  # "Rue 56, Ben Souda" vs "Rue Ibn Khaldoun, Ben Souda": only the district agrees
    if not _numbers_agree(pa.numbers, pb.numbers):
        return 0.0  # same street, another door: the neighbour, or a namesake down the road
    small, large = sorted((pa.words, pb.words), key=len)
    matched = sum(1 for w in small if any(_same_word(w, x) for x in large))
    # Mean of both containments: a missing district costs less than a different street.
    return (matched / len(small) + matched / len(large)) / 2


# --------------------------------------------------------------------------- index


def _one_digit_off(phone: str) -> list[str]:
    # Country code (first 4 chars of "+212...") kept; each later digit replaced by another.
    # Generated per order rather than indexed per client: 90 dict look-ups for the few
    # orders that need them cost less than a 900,000-entry index built on every run.
    return [
        phone[:i] + d + phone[i + 1 :] for i in range(4, len(phone)) for d in "0123456789" if d != phone[i]
    ]


@lru_cache(maxsize=1 << 17)
def _stems(name: str) -> frozenset[str]:
    # Distinct folded tokens of a name, for the rarity counts; a common name is folded once.
    return frozenset(variant_fold(strip_article(token)) for token in name.split())


class ClientIndex:
    """Dict-based blocking index of clients on email, phone and name keys."""

    __slots__ = (
        "_doors",
        "by_email",
        "by_key",
        "by_name",
        "by_phone",
        "clients",
        "comparisons",
        "token_df",
    )

    def __init__(self) -> None:
        self.clients: dict[int, ClientKeys] = {}
        self.by_email: dict[str, list[int]] = defaultdict(list)
        self.by_phone: dict[str, list[int]] = defaultdict(list)
        # Blocking key -> distinct client names, and name -> clients bearing it: common names
        # are shared by hundreds of clients, and each distinct name is scored once.
        self.by_key: dict[str, set[str]] = defaultdict(set)
        self.by_name: dict[str, list[int]] = defaultdict(list)
        self.token_df: dict[str, int] = defaultdict(int)
        # Parsed addresses of the clients whose address names a door, parsed once: a common
        # name's bearers are all looked at for every order bearing it.
        self._doors: dict[int, _Door | None] = {}  # parsed on demand, see door()
        self.comparisons = 0  # name comparisons made through this index (tests, profiling)

    @classmethod
    def build(cls, clients: Iterable[ClientKeys]) -> ClientIndex:
        """Index clients by email, phone and name blocking keys (as add() one by one would).

        A run indexes every client: one tight loop over the clients, then the name work
        (blocking keys, token counts) once per distinct name, which common names share.
        """
        index = cls()
        by_id, by_email, by_phone = index.clients, index.by_email, index.by_phone
        bearers: dict[str, list[int]] = defaultdict(list)
        for client in clients:
            cid = client.id
            by_id[cid] = client
            if client.email:
                by_email[client.email].append(cid)
            if client.phone:
                by_phone[client.phone].append(cid)
            bearers[client.name].append(cid)
        by_key, token_df = index.by_key, index.token_df
        for name, ids in bearers.items():
            if not name:
                continue
            index.by_name[name] = ids
            for key in name_block_keys(name):
                by_key[key].add(name)
            for stem in _stems(name):
                token_df[stem] += len(ids)
        return index

    def add(self, client: ClientKeys) -> None:
        """Add (or re-add) one client."""
        self.clients[client.id] = client
        self._doors.pop(client.id, None)
        if client.email:
            self.by_email[client.email].append(client.id)
        if client.phone:
            self.by_phone[client.phone].append(client.id)
        if client.name:
            if client.name not in self.by_name:
                for key in name_block_keys(client.name):
                    self.by_key[key].add(client.name)
            self.by_name[client.name].append(client.id)
        for stem in _stems(client.name):
            self.token_df[stem] += 1

    def door(self, client_id: int) -> _Door | None:
        """The parsed delivery door of a client, parsed when first needed (cached by address).

        Parsing every client's address up front cost seconds per run; only the few clients
        whose name fits an order are ever compared by address.
        """
        try:
            return self._doors[client_id]
        except KeyError:
            pass
        client = self.clients.get(client_id)
        door = _address_parts(normalize_address(client.address)) if client and client.address else None
        # Per client, not in the address caches: a million orders' addresses evict them.
        self._doors[client_id] = door
        return door

    def near_phone(self, phone: str) -> set[int]:
        """Clients whose phone differs from phone by one digit or two swapped adjacent digits."""
        found: set[int] = set()
        for key in _one_digit_off(phone):
            found.update(self.by_phone.get(key, ()))
        head, digits = phone[:4], phone[4:]
        for i in range(len(digits) - 1):
            swapped = head + digits[:i] + digits[i + 1] + digits[i] + digits[i + 2 :]
            if swapped != phone:
                found.update(self.by_phone.get(swapped, ()))
        found.difference_update(self.by_phone.get(phone, ()))
        return found

    def candidate_names(self, name: str) -> set[str]:
        """Distinct client names sharing at least one blocking key with name."""
        found: set[str] = set()
        for key in name_block_keys(name):
            found.update(self.by_key.get(key, ()))
        return found

    def name_candidates(self, name: str) -> set[int]:
        """Ids of clients sharing at least one blocking key with name."""
        return {cid for other in self.candidate_names(name) for cid in self.by_name[other]}

    def expected_namesakes(self, name: str) -> float:
        """Clients expected to bear this exact name if tokens were independent (rarity)."""
        n = max(len(self.clients), 1)
        expected = float(n)
        for token in name.split():
            expected *= max(self.token_df.get(variant_fold(strip_article(token)), 0), 1) / n
        return expected


# --------------------------------------------------------------------------- matcher


# A reviewer compares a handful of candidates; a common name can have hundreds of bearers,
# and carrying them all through a million decisions costs more than the whole matching.
MAX_CANDIDATES = 10


def _decision(
    order: OrderKeys,
    outcome: str,
    reason: str,
    cands: Sequence[Candidate] = (),
    link: Candidate | None = None,
) -> Decision:
    best = sorted(cands, key=lambda c: (-c.score, c.client_id))[:MAX_CANDIDATES]
    return Decision(
        order.id,
        outcome,
        link.client_id if link else None,
        link.method if link else None,
        link.score if link else None,
        tuple(best),
        reason,
    )


class Matcher:
    """Decides, for one order at a time, which client it belongs to."""

    def __init__(
        self,
        index: ClientIndex,
        threshold: float = 0.7,
        *,
        name_links: bool = True,
        max_namesakes: float = 0.01,
        name_margin: float = 0.15,
        address_links: bool = True,
    ) -> None:
        # threshold: minimum name_similarity for a name to count as "the same".
        # name_links: allow links on the name alone (False sends them all to review).
        # max_namesakes: a name alone links only if the client base suggests fewer than this
        #   many other bearers of the name (a rare name); common names go to review.
        # name_margin: a runner-up this close to the threshold makes a name-only match ambiguous.
        # address_links: a fitting full name plus the same door links even a common name.
        self.index = index
        self.threshold = threshold
        self.name_links = name_links
        self.max_namesakes = max_namesakes
        self.name_margin = name_margin
        self.address_links = address_links
        # Bounded: names follow a skewed distribution, so the common ones stay cached.
        # (A client added to the index afterwards is not seen by cached names: build a new
        # Matcher after changing the index.)
        self._cached_names = lru_cache(maxsize=200_000)(self._score_names)

    def _score(self, order: OrderKeys, client_id: int) -> float | None:
        """Name score of the order against a client; None when either name is missing."""
        client = self.index.clients[client_id]
        if not order.name or not client.name:
            return None
        self.index.comparisons += 1
        return name_similarity(order.name, client.name)

    def _fits(self, score: float | None) -> bool:
        # A missing name is no evidence either way: the identifier decides alone.
        return score is None or score >= self.threshold

    def decide(self, order: OrderKeys) -> Decision:
        """Link the order to a client, flag it ambiguous for review, or leave it unmatched."""
        idx = self.index
        by_email = idx.by_email.get(order.email, []) if order.email else []
        by_phone = idx.by_phone.get(order.phone, []) if order.phone else []
        if by_email:
            return self._by_email(order, by_email, by_phone)
        if by_phone:
            return self._by_phone(order, by_phone)
        if order.phone:
            decision = self._by_near_phone(order)
            if decision is not None:
                return decision
        return self._by_name(order)

    def _by_email(self, order: OrderKeys, by_email: list[int], by_phone: list[int]) -> Decision:
        both = [cid for cid in by_email if cid in by_phone]
        if len(both) == 1:
            # Two independent identifiers agree: strongest evidence there is.
            return _decision(
                order,
                "linked",
                f"email and phone both belong to client {both[0]}",
                link=Candidate(both[0], "email", 1.0),
            )
        pool = both or by_email
        scores = {cid: self._score(order, cid) for cid in pool}
        fitting = [cid for cid in pool if self._fits(scores[cid])]
        cands = [Candidate(cid, "email", scores[cid] or 0.0) for cid in pool]
        if by_phone and not both:
            # Email says A, phone says B: trust the email only if the name sides with A alone.
            phone_fit = [cid for cid in by_phone if self._fits(self._score(order, cid))]
            cands += [Candidate(cid, "phone", self._score(order, cid) or 0.0) for cid in by_phone]
            if len(fitting) == 1 and not phone_fit and order.name:
                return _decision(
                    order,
                    "linked",
                    f"email belongs to client {fitting[0]}; phone owner's name differs",
                    cands,
                    Candidate(fitting[0], "email", 1.0),
                )
            return _decision(
                order,
                "ambiguous",
                f"email {order.email} belongs to client {by_email[0]} but phone "
                f"{order.phone} belongs to client {by_phone[0]}",
                cands,
            )
        if len(fitting) == 1 and (len(pool) == 1 or scores[fitting[0]] is not None):
            return _decision(
                order,
                "linked",
                f"email belongs to client {fitting[0]}",
                link=Candidate(fitting[0], "email", 1.0),
            )
        # Shared (family) address whose owner's name differs, or several owners.
        return _decision(
            order,
            "ambiguous",
            f"email {order.email} belongs to client(s) "
            f"{', '.join(map(str, pool))} whose name differs from the order's",
            cands,
        )

    def _by_phone(self, order: OrderKeys, by_phone: list[int]) -> Decision:
        scores = {cid: self._score(order, cid) for cid in by_phone}
        fitting = [cid for cid in by_phone if self._fits(scores[cid])]
        cands = [Candidate(cid, "phone", scores[cid] or 0.0) for cid in by_phone]
        if len(fitting) == 1 and (len(by_phone) == 1 or scores[fitting[0]] is not None):
            return _decision(
                order,
                "linked",
                f"phone {order.phone} belongs to client {fitting[0]}",
                link=Candidate(fitting[0], "phone", 1.0),
            )
        if len(fitting) > 1:
            # A household phone shared by several clients whose names all fit.
            return _decision(
                order,
                "ambiguous",
                f"phone {order.phone} is shared by clients "
                f"{', '.join(map(str, fitting))} and the name fits several",
                cands,
            )
        # The phone owner's name differs: an order placed with a relative's or a friend's
        # phone.  Linking would put one person's orders on another person's page.
        others = self._name_matches(order)
        home = self._by_address(order, others)
        if home is not None:
            # A relative's phone, but the order's name and door are one other client's.
            return _decision(
                order,
                "linked",
                f"phone {order.phone} belongs to client "
                f"{by_phone[0]} but name and address match client {home.client_id}",
                link=home,
            )
        cands += [c for c in others if c.client_id not in by_phone]
        owner = by_phone[0]
        if others:
            reason = (
                f"phone {order.phone} belongs to client {owner} but name matches client {others[0].client_id}"
            )
        else:
            reason = (
                f"phone {order.phone} belongs to client {owner} whose name "
                f"'{self.index.clients[owner].name}' differs from '{order.name}'"
            )
        return _decision(order, "ambiguous", reason, cands)

    def _by_near_phone(self, order: OrderKeys) -> Decision | None:
        """Phone mistyped by one digit: link only if the full name agrees with that client."""
        near = self.index.near_phone(order.phone) if order.phone else set()
        if not near or len(order.name.split()) < 2:
            # Consecutive SIM numbers are common within a family: without a full name
            # (first name included) a near phone is a relative as often as a typo.
            return None
        fitting = [
            Candidate(cid, "phone", s)
            for cid in near
            if (s := self._score(order, cid)) is not None
            and s >= self.threshold
            and len(self.index.clients[cid].name.split()) >= 2
        ]
        if len(fitting) != 1:
            return None
        # Namesakes elsewhere do not matter here: the odds that a namesake's own number is
        # one keystroke from this client's are ~80 in 10^8, far below the odds of a typo.
        cid = fitting[0].client_id
        return _decision(
            order,
            "linked",
            f"phone {order.phone} is one digit off client {cid}'s and the name matches",
            link=Candidate(cid, "phone", fitting[0].score),
        )

    def _name_matches(self, order: OrderKeys) -> list[Candidate]:
        """Clients whose name scores >= threshold - margin, best first."""
        if not order.name:
            return []
        # Common names recur across a million orders: the answer depends on the name only.
        return list(self._cached_names(order.name))

    def _score_names(self, name: str) -> tuple[Candidate, ...]:
        floor = self.threshold - self.name_margin
        index = self.index
        found = []
        for other in index.candidate_names(name):
            index.comparisons += 1
            score = name_similarity(name, other)
            if score >= floor:
                found.extend(Candidate(cid, "name", score) for cid in index.by_name[other])
        found.sort(key=lambda c: (-c.score, c.client_id))
        return tuple(found)

    def _by_name(self, order: OrderKeys) -> Decision:
        if not order.name:
            return _decision(order, "unmatched", "no email, phone or name to match")
        near = self._name_matches(order)
        above = [c for c in near if c.score >= self.threshold]
        if not above:
            return _decision(order, "unmatched", "no client with a similar name")
        home = self._by_address(order, near)
        if home is not None:
            return _decision(
                order, "linked", f"name and address match only client {home.client_id}", link=home
            )
        if len(near) > 1:
            # Two clients fit (or one fits and another nearly does): a namesake, never guess.
            return _decision(
                order, "ambiguous", f"name matches {len(above)} client(s) and resembles {len(near)}", near
            )
        best = above[0]
        client = self.index.clients[best.client_id]
        order_tokens, client_tokens = order.name.split(), client.name.split()
        # A name alone is weak: guests (not clients) share names with clients.  It links only
        # when (a) linking on names is enabled, (b) both sides give a full name (two tokens
        # or more, same count: "alaoui" alone or an extra middle name is not enough),
        # (c) the name is distinctive in the client base so a guest namesake is unlikely.
        namesakes = self.index.expected_namesakes(client.name)
        if not self.name_links:
            why = "name-only links are disabled"
        elif len(order_tokens) < 2 or len(order_tokens) != len(client_tokens):
            why = "the order gives a partial name"
        elif namesakes > self.max_namesakes:
            why = f"the name is common ({namesakes:.2f} expected namesakes)"
        else:
            return _decision(
                order, "linked", f"name matches only client {best.client_id} and is rare", link=best
            )
        return _decision(order, "ambiguous", f"name matches only client {best.client_id} but {why}", near)

    def _by_address(self, order: OrderKeys, near: Sequence[Candidate]) -> Candidate | None:
        """The one client whose name fits and whose address is the order's door, if any."""
        door = _address_parts(order.address) if self.address_links and order.address else None
        order_tokens = len(order.name.split())
        if door is None or order_tokens < 2:
            return None  # "Alaoui" at the family's door could be any of the household
        # Every name within the margin counts, so that a sibling whose first name is close
        # (a typo away) and who lives at the same door makes the order ambiguous.
        home = [
            c
            for c in near
            if (other := self.index.door(c.client_id)) is not None
            and _door_similarity(door, other) >= _ADDRESS_MATCH
        ]
        if len(home) != 1 or home[0].score < self.threshold:
            return None
        # Same token count: "Fatima Zahra Alaoui" must not take "Zahra Alaoui"'s parcels.
        if len(self.index.clients[home[0].client_id].name.split()) != order_tokens:
            return None
        return home[0]

"""Seeded generator of labelled clients/orders for linking tests and benchmarks (pure Python).

Each noise source is a named scenario with its share, so that a benchmark can report where
links are won or lost.  Also holds ``literal_cascade``, the naive reference matcher.
"""

from __future__ import annotations

import random
from bisect import bisect
from dataclasses import dataclass, field
from itertools import accumulate

from jellyfish import jaro_winkler_similarity

from .names_ma import FIRST_NAMES, LAST_NAMES
from .normalize import normalize_phone

__all__ = [
    "NAME_NOISE",
    "ORDER_SCENARIOS",
    "LabelledClient",
    "LabelledData",
    "LabelledOrder",
    "generate",
    "literal_cascade",
]

CITIES = ("Casablanca", "Rabat", "Fes", "Marrakech", "Tanger", "Agadir", "Meknes", "Oujda",
          "Kenitra", "Tetouan", "Sale", "Temara", "Safi", "El Jadida", "Nador", "Beni Mellal")
DOMAINS = ("gmail.com", "gmail.com", "gmail.com", "hotmail.com", "hotmail.fr", "yahoo.fr",
           "outlook.com", "menara.ma")

#: Shares of order scenarios (must sum to 1).  Guests are people who are not clients.
ORDER_SCENARIOS: dict[str, float] = {
    "guest": 0.20,              # a stranger with his own phone and a population-drawn name
    "guest_namesake": 0.05,     # a stranger bearing a common full name also borne by clients
    "guest_relative": 0.03,     # a stranger ordering with a client relative's phone (same last name)
    "client_same_phone": 0.60,  # a client with the phone on file, in any spelling
    "client_email": 0.04,       # a client giving his email (other case/spaces) + his phone
    "client_new_phone": 0.045,  # a client ordering from another SIM (very common in Morocco)
    "client_relative_phone": 0.015,  # a client ordering with a relative's phone
    "client_phone_typo": 0.01,  # one digit of the phone mistyped
    "client_email_new_phone": 0.01,  # email given, phone unknown
}
#: Shares of name noise applied to a client's name on his orders (must sum to 1).
NAME_NOISE: dict[str, float] = {
    "exact": 0.35, "case": 0.08, "variant": 0.15, "translit_rule": 0.08, "typo": 0.10,
    "swapped": 0.12, "missing_particle": 0.04, "first_only": 0.02, "last_only": 0.02,
    "title": 0.04,
}


@dataclass(frozen=True, slots=True)
class LabelledClient:
    id: int
    first_name: str
    last_name: str
    email: str | None
    phone: str
    address: str
    city: str

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"


@dataclass(frozen=True, slots=True)
class LabelledOrder:
    id: int
    client_name: str
    email: str | None
    phone: str | None
    true_client_id: int | None
    scenario: str
    name_noise: str


@dataclass(slots=True)
class LabelledData:
    clients: list[LabelledClient] = field(default_factory=list)
    orders: list[LabelledOrder] = field(default_factory=list)


class _Sampler:
    """Weighted sampling of name-table rows (frequency skew of the real population)."""

    def __init__(self, rows: list, rng: random.Random) -> None:
        self.rows, self.rng = rows, rng
        self.cum = list(accumulate(r[1] for r in rows))

    def pick(self):
        return self.rows[bisect(self.cum, self.rng.random() * self.cum[-1])]

    def top(self, k: int) -> list:
        return sorted(self.rows, key=lambda r: -r[1])[:k]


_KEYBOARD_NEAR = {c: n for c, n in zip("azertyuiopqsdfghjklmwxcvbn",
                                       ("zq", "aes", "zdr", "ef", "rgy", "thu", "yji", "uko",
                                        "ilp", "om", "asw", "qzd", "sef", "drg", "fth", "gyj",
                                        "huk", "jil", "kom", "lp", "qsx", "wcd", "xvf", "cbg",
                                        "vnh", "bj"), strict=True)}
_TRANSLIT_RULES = (("ou", "u"), ("u", "ou"), ("ou", "w"), ("w", "ou"), ("ch", "sh"),
                   ("sh", "ch"), ("j", "dj"), ("k", "q"), ("q", "k"), ("e", "a"), ("a", "e"),
                   ("i", "e"), ("e", "i"), ("ss", "s"), ("s", "ss"), ("mm", "m"), ("m", "mm"),
                   ("ae", "aa"), ("aa", "ae"), ("y", "i"), ("i", "y"), ("dd", "d"), ("l", "ll"))


def _typo(rng: random.Random, word: str) -> str:
    """One random edit: substitution (keyboard neighbour), deletion, insertion or transposition."""
    if len(word) < 3:
        return word
    i = rng.randrange(len(word))
    kind = rng.choice(("sub", "del", "ins", "swap"))
    c = word[i].lower()
    if kind == "sub":
        return word[:i] + rng.choice(_KEYBOARD_NEAR.get(c, "e")) + word[i + 1:]
    if kind == "del":
        return word[:i] + word[i + 1:]
    if kind == "ins":
        return word[:i] + rng.choice(_KEYBOARD_NEAR.get(c, "e")) + word[i:]
    i = min(i, len(word) - 2)
    return word[:i] + word[i + 1] + word[i] + word[i + 2:]


def _translit(rng: random.Random, word: str) -> str:
    """Apply one generic transliteration swap somewhere inside the word (not its last letter)."""
    low = word.lower()
    rules = [(a, b) for a, b in _TRANSLIT_RULES if a in low[:-1]]
    if not rules:
        return word
    a, b = rng.choice(rules)
    starts = [i for i in range(len(low) - 1) if low.startswith(a, i)]
    i = rng.choice(starts)
    out = low[:i] + b + low[i + len(a):]
    return out.capitalize() if word[:1].isupper() else out


class _Generator:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.first = _Sampler(FIRST_NAMES, self.rng)
        self.last = _Sampler(LAST_NAMES, self.rng)
        self.used_phones: set[str] = set()

    def new_phone(self) -> str:
        """A fresh Moroccan mobile national number (9 digits, no trunk 0)."""
        rng = self.rng
        while True:
            nsn = rng.choice("667") + "".join(rng.choice("0123456789") for _ in range(8))
            # Real numbers are valid ones: keep only what phonenumbers accepts.
            if nsn not in self.used_phones and normalize_phone("0" + nsn) is not None:
                self.used_phones.add(nsn)
                return nsn

    def spell_phone(self, nsn: str) -> str:
        """One of the many ways a call-centre agent types a Moroccan number."""
        p = " ".join(nsn[i:i + 2] for i in range(1, 9, 2))
        styles = (f"0{nsn}", f"0{nsn[0]} {p}", f"+212{nsn}", f"+212 {nsn[0]} {p}", f"00212{nsn}",
                  f"212{nsn}", nsn, f"0{nsn[0]}{p.replace(' ', '-')}", f"+212 (0){nsn[0]} {p}",
                  f"0{nsn[0]}.{p.replace(' ', '.')}", f"0{nsn}".translate(_ARABIC_DIGITS),
                  f" 0{nsn} ", f"(+212) {nsn[:3]}-{nsn[3:6]}-{nsn[6:]}", f"+2120{nsn}")
        weights = (30, 20, 10, 5, 5, 5, 5, 5, 3, 3, 2, 3, 2, 2)
        return self.rng.choices(styles, weights)[0]

    def person(self, sex: str | None = None) -> tuple[str, str, tuple, tuple]:
        """(first display, last display, first row, last row) of a population-drawn person."""
        row = self.first.pick()
        while sex and row[2] != sex:
            row = self.first.pick()
        last = self.last.pick()
        first = row[0]
        if self.rng.random() < 0.08:  # compound first names: Fatima Zahra, Mohamed Amine
            second = self.first.pick()
            while second[2] != row[2] or second[0] == row[0]:
                second = self.first.pick()
            first = f"{row[0]} {second[0]}"
        if self.rng.random() < 0.15 and row[3]:  # clients are registered in various spellings too
            first = first.replace(row[0], self.rng.choice(row[3]), 1)
        return first, last[0], row, last

    def email(self, first: str, last: str) -> str:
        rng = self.rng
        local = rng.choice((f"{first}.{last}", f"{first[0]}{last}", f"{first}{last}{rng.randint(1, 99)}",
                            f"{last}.{first}{rng.randint(70, 99)}"))
        return (local.lower().replace(" ", "") + "@" + rng.choice(DOMAINS))

    def noisy_name(self, first: str, last: str, noise: str) -> str:
        """The client's name as typed on an order, after one named noise."""
        rng = self.rng
        if noise == "case":
            return rng.choice((str.upper, str.lower, str.title))(f"{first} {last}")
        if noise == "variant":
            spelt = [_other_spelling(rng, w) for w in (first, last)]
            return f"{spelt[0]} {spelt[1]}"
        if noise in ("translit_rule", "typo"):
            words = f"{first} {last}".split()
            i = rng.randrange(len(words))
            words[i] = (_translit if noise == "translit_rule" else _typo)(rng, words[i])
            return " ".join(words)
        if noise == "swapped":
            return f"{last} {first}"
        if noise == "missing_particle":
            parts = last.split()
            # Only the article is dropped in practice; "Ben"/"Ait" are part of the name.
            if len(parts) > 1 and parts[0].lower() in ("el", "al"):
                last = " ".join(parts[1:])
            return f"{first} {last}"
        if noise == "first_only":
            return first
        if noise == "last_only":
            return last
        if noise == "title":
            return f"{rng.choice(('Mme', 'M.', 'Mr', 'Madame', 'Monsieur'))} {first} {last}"
        return f"{first} {last}"


_ARABIC_DIGITS = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
_SPELLINGS: dict[str, tuple[str, ...]] = {}
for _row in FIRST_NAMES + LAST_NAMES:
    _SPELLINGS.setdefault(_row[0].lower(), (_row[0],) + _row[3])
    for _v in _row[3]:
        _SPELLINGS.setdefault(_v.lower(), (_row[0],) + _row[3])


def _other_spelling(rng: random.Random, word: str) -> str:
    """Another known spelling of the same name (or the word itself when none is known)."""
    options = [s for s in _SPELLINGS.get(word.lower(), ()) if s.lower() != word.lower()]
    return rng.choice(options) if options else word


def _make_clients(g: _Generator, n_clients: int, data: LabelledData,
                  relatives: dict[int, list[int]]) -> None:
    rng = g.rng
    common_first, common_last = g.first.top(8), g.last.top(8)
    for cid in range(1, n_clients + 1):
        roll = rng.random()
        first, last, _, _ = g.person()
        phone = None
        if roll < 0.04:  # namesake: a very common full name already borne by others
            first, last = rng.choice(common_first)[0], rng.choice(common_last)[0]
        elif roll < 0.14 and data.clients:  # relative of an existing client: same last name
            rel = rng.choice(data.clients)
            last = rel.last_name
            relatives.setdefault(rel.id, []).append(cid)
            relatives.setdefault(cid, []).append(rel.id)
            if rng.random() < 0.15:  # household phone registered on both clients
                phone = rel.phone
        email = g.email(first.split()[0], last) if rng.random() < 0.2 else None
        data.clients.append(LabelledClient(
            cid, first, last, email, phone or g.spell_phone(g.new_phone()),
            f"{rng.randint(1, 250)} rue {rng.choice(LAST_NAMES)[0]}", rng.choice(CITIES)))


def _guest_order(g: _Generator, oid: int, scenario: str, noise: str, data: LabelledData) -> LabelledOrder:
    rng = g.rng
    first, last, _, _ = g.person()
    phone = g.spell_phone(g.new_phone())
    if scenario == "guest_namesake":
        first, last = rng.choice(g.first.top(8))[0], rng.choice(g.last.top(8))[0]
    elif scenario == "guest_relative":
        rel = rng.choice(data.clients)
        last, phone = rel.last_name, g.spell_phone(_nsn(rel.phone))
    return LabelledOrder(oid, g.noisy_name(first, last, noise), None, phone, None, scenario, noise)


def _client_phone(g: _Generator, scenario: str, client: LabelledClient,
                  relative: LabelledClient | None) -> str:
    rng = g.rng
    nsn = _nsn(client.phone)
    if scenario in ("client_new_phone", "client_email_new_phone"):
        nsn = g.new_phone()
    elif scenario == "client_relative_phone" and relative is not None:
        nsn = _nsn(relative.phone)
    elif scenario == "client_phone_typo":
        i = rng.randrange(1, 9)
        nsn = nsn[:i] + rng.choice("0123456789".replace(nsn[i], "")) + nsn[i + 1:]
    return g.spell_phone(nsn)


def generate(n_clients: int, n_orders: int, seed: int = 0) -> LabelledData:
    """Generate clients and orders with ground truth, deterministically from seed."""
    g = _Generator(seed)
    rng = g.rng
    data = LabelledData()
    relatives: dict[int, list[int]] = {}
    _make_clients(g, n_clients, data, relatives)
    by_id = {c.id: c for c in data.clients}
    # Activity is skewed: a few clients order often, most once or twice.
    activity = list(accumulate(rng.paretovariate(1.6) for _ in data.clients))
    scenarios, shares = zip(*ORDER_SCENARIOS.items(), strict=True)
    noises, noise_shares = zip(*NAME_NOISE.items(), strict=True)
    with_email = [c for c in data.clients if c.email]
    with_relative = [by_id[i] for i in relatives]
    for oid in range(1, n_orders + 1):
        scenario = rng.choices(scenarios, shares)[0]
        noise = rng.choices(noises, noise_shares)[0]
        if scenario.startswith("guest"):
            data.orders.append(_guest_order(g, oid, scenario, noise, data))
            continue
        if scenario.startswith("client_email") and with_email:
            client = rng.choice(with_email)
        elif scenario == "client_relative_phone" and with_relative:
            client = rng.choice(with_relative)
        else:
            client = data.clients[bisect(activity, rng.random() * activity[-1])]
        relative = by_id[rng.choice(relatives[client.id])] if client.id in relatives else None
        email = None
        if scenario.startswith("client_email") and client.email:
            email = rng.choice((client.email, client.email.upper(), f" {client.email} ",
                                client.email.capitalize()))
        data.orders.append(LabelledOrder(
            oid, g.noisy_name(client.first_name, client.last_name, noise), email,
            _client_phone(g, scenario, client, relative), client.id, scenario, noise))
    return data


def _nsn(raw: str) -> str:
    """Recover the national number of a phone spelt by ``spell_phone``."""
    digits = raw.translate({ord(a): str(i) for i, a in enumerate("٠١٢٣٤٥٦٧٨٩")})
    digits = "".join(ch for ch in digits if ch.isdigit())
    return digits[-9:]


def _digits(raw: str | None) -> str:
    return "".join(ch for ch in raw or "" if "0" <= ch <= "9")


def _naive_phone(d: str, exact: dict[str, int], inside: dict[str, int], rank: dict[int, int]) -> int | None:
    """Naive "partial" phone match: one digit string contained in the other, first client wins."""
    if not d:
        return None
    if d in exact:
        return exact[d]
    hits = [inside[d]] if d in inside else []
    hits += [exact[d[i:j]] for i in range(len(d)) for j in range(i + 1, len(d) + 1) if d[i:j] in exact]
    return min(hits, key=rank.__getitem__) if hits else None


def literal_cascade(clients: list[LabelledClient], orders: list[LabelledOrder]
                    ) -> dict[int, tuple[int | None, str | None]]:
    """Naive reference: email ==, then phone digits == or substring, then first JW >= 0.7."""
    by_email: dict[str, int] = {}
    exact: dict[str, int] = {}
    inside: dict[str, int] = {}  # every substring of a client's digits -> first client
    rank = {c.id: i for i, c in enumerate(clients)}
    for c in clients:
        if c.email:
            by_email.setdefault(c.email.strip().lower(), c.id)
        d = _digits(c.phone)
        exact.setdefault(d, c.id)
        for i in range(len(d)):
            for j in range(i + 1, len(d) + 1):
                inside.setdefault(d[i:j], c.id)
    names = [(c.id, c.full_name.lower()) for c in clients]
    out: dict[int, tuple[int | None, str | None]] = {}
    for o in orders:
        if o.email and o.email.strip().lower() in by_email:
            out[o.id] = (by_email[o.email.strip().lower()], "email")
            continue
        cid = _naive_phone(_digits(o.phone), exact, inside, rank)
        if cid is not None:
            out[o.id] = (cid, "phone")
            continue
        name = o.client_name.lower()
        out[o.id] = next(((cid, "name") for cid, cname in names
                          if jaro_winkler_similarity(name, cname) >= 0.7), (None, None))
    return out

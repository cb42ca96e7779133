"""Seeded generator of labelled clients/orders for linking tests and benchmarks (pure Python).

Each noise source is a named scenario with its share, so that a benchmark can report where
links are won or lost.  Also holds ``literal_cascade``, the naive reference matcher.

Addresses are drawn from a random stream of their own: names, phones and scenarios stay
exactly those of the versions without addresses, so benchmarks remain comparable.
"""

from __future__ import annotations

import random
from bisect import bisect
from dataclasses import dataclass, field
from itertools import accumulate

from jellyfish import jaro_winkler_similarity

from .names_ma import FIRST_NAMES, LAST_NAMES, NEIGHBOURHOODS, RESIDENCES, STREETS
from .normalize import normalize_phone

__all__ = [
    "ADDRESS_NOISE",
    "CLIENT_HOMES",
    "NAMESAKE_HOMES",
    "NAME_NOISE",
    "ORDER_ADDRESSES",
    "ORDER_SCENARIOS",
    "LabelledClient",
    "LabelledData",
    "LabelledOrder",
    "generate",
    "literal_cascade",
]

CITIES = (
    "Casablanca",
    "Rabat",
    "Fes",
    "Marrakech",
    "Tanger",
    "Agadir",
    "Meknes",
    "Oujda",
    "Kenitra",
    "Tetouan",
    "Sale",
    "Temara",
    "Safi",
    "El Jadida",
    "Nador",
    "Beni Mellal",
)
DOMAINS = (
    "gmail.com",
    "gmail.com",
    "gmail.com",
    "hotmail.com",
    "hotmail.fr",
    "yahoo.fr",
    "outlook.com",
    "menara.ma",
)

#: Shares of order scenarios (must sum to 1).  Guests are people who are not clients.
ORDER_SCENARIOS: dict[str, float] = {
    "guest": 0.20,  # a stranger with his own phone and a population-drawn name
    "guest_namesake": 0.05,  # a stranger bearing a common full name also borne by clients
    "guest_relative": 0.03,  # a stranger ordering with a client relative's phone (same last name)
    "client_same_phone": 0.60,  # a client with the phone on file, in any spelling
    "client_email": 0.04,  # a client giving his email (other case/spaces) + his phone
    "client_new_phone": 0.045,  # a client ordering from another SIM (very common in Morocco)
    "client_relative_phone": 0.015,  # a client ordering with a relative's phone
    "client_phone_typo": 0.01,  # one digit of the phone mistyped
    "client_email_new_phone": 0.01,  # email given, phone unknown
}
#: Shares of name noise applied to a client's name on his orders (must sum to 1).
NAME_NOISE: dict[str, float] = {
    "exact": 0.35,
    "case": 0.08,
    "variant": 0.15,
    "translit_rule": 0.08,
    "typo": 0.10,
    "swapped": 0.12,
    "missing_particle": 0.04,
    "first_only": 0.02,
    "last_only": 0.02,
    "title": 0.04,
}
#: Shares of the address a client's order is delivered to (must sum to 1).
ORDER_ADDRESSES: dict[str, float] = {
    "own": 0.79,  # the client's home, spelt per ADDRESS_NOISE
    "work": 0.07,  # an office: half look like any home address, half name a company
    "family": 0.06,  # parents' or a relative's home (a registered relative's when there is one)
    "relay": 0.05,  # an Amana relay point or agency, shared by many people
    "vague": 0.03,  # "Casablanca", "centre ville", a district or a street without number
}
#: Shares of spelling noise on the client's own address (must sum to 1).
ADDRESS_NOISE: dict[str, float] = {
    "exact": 0.25,
    "abbreviated": 0.25,
    "typo": 0.12,
    "reordered": 0.12,
    "no_district": 0.10,
    "no_flat": 0.06,
    "article": 0.04,
    "no_number": 0.06,  # no door number: no evidence left
}
#: Shares of client home shapes; relatives live at their relative's home 60 % of the time.
CLIENT_HOMES: dict[str, float] = {
    "street": 0.43,
    "residence": 0.20,
    "hay": 0.20,
    "lot": 0.07,
    "derb": 0.05,
    "vague": 0.03,  # registered as "Casablanca" or a district only
    "relay": 0.02,  # registered with the relay point they collect from
}
#: Guest namesakes: where they live relative to a client bearing their name (rest: anywhere).
#: "same_door" (a father and son of one name) cannot be told apart: it costs precision.
#: Other guests live at a door of their own drawn like clients' (CLIENT_HOMES), in any city;
#: a guest ordering with a client relative's phone lives with that relative half of the time.
NAMESAKE_HOMES: dict[str, float] = {"same_street": 0.35, "same_district": 0.20, "same_door": 0.01}


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
    address: str = ""
    city: str = ""
    address_kind: str = ""  # ORDER_ADDRESSES key, or the guest's / namesake's situation


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


_KEYBOARD_NEAR = {
    c: n
    for c, n in zip(
        "azertyuiopqsdfghjklmwxcvbn",
        (
            "zq",
            "aes",
            "zdr",
            "ef",
            "rgy",
            "thu",
            "yji",
            "uko",
            "ilp",
            "om",
            "asw",
            "qzd",
            "sef",
            "drg",
            "fth",
            "gyj",
            "huk",
            "jil",
            "kom",
            "lp",
            "qsx",
            "wcd",
            "xvf",
            "cbg",
            "vnh",
            "bj",
        ),
        strict=True,
    )
}
_TRANSLIT_RULES = (
    ("ou", "u"),
    ("u", "ou"),
    ("ou", "w"),
    ("w", "ou"),
    ("ch", "sh"),
    ("sh", "ch"),
    ("j", "dj"),
    ("k", "q"),
    ("q", "k"),
    ("e", "a"),
    ("a", "e"),
    ("i", "e"),
    ("e", "i"),
    ("ss", "s"),
    ("s", "ss"),
    ("mm", "m"),
    ("m", "mm"),
    ("ae", "aa"),
    ("aa", "ae"),
    ("y", "i"),
    ("i", "y"),
    ("dd", "d"),
    ("l", "ll"),
)


def _typo(rng: random.Random, word: str) -> str:
    """One random edit: substitution (keyboard neighbour), deletion, insertion or transposition."""
    if len(word) < 3:
        return word
    i = rng.randrange(len(word))
    kind = rng.choice(("sub", "del", "ins", "swap"))
    c = word[i].lower()
    if kind == "sub":
        return word[:i] + rng.choice(_KEYBOARD_NEAR.get(c, "e")) + word[i + 1 :]
    if kind == "del":
        return word[:i] + word[i + 1 :]
    if kind == "ins":
        return word[:i] + rng.choice(_KEYBOARD_NEAR.get(c, "e")) + word[i:]
    i = min(i, len(word) - 2)
    return word[:i] + word[i + 1] + word[i] + word[i + 2 :]


def _translit(rng: random.Random, word: str) -> str:
    """Apply one generic transliteration swap somewhere inside the word (not its last letter)."""
    low = word.lower()
    rules = [(a, b) for a, b in _TRANSLIT_RULES if a in low[:-1]]
    if not rules:
        return word
    a, b = rng.choice(rules)
    starts = [i for i in range(len(low) - 1) if low.startswith(a, i)]
    i = rng.choice(starts)
    out = low[:i] + b + low[i + len(a) :]
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
        p = " ".join(nsn[i : i + 2] for i in range(1, 9, 2))
        styles = (
            f"0{nsn}",
            f"0{nsn[0]} {p}",
            f"+212{nsn}",
            f"+212 {nsn[0]} {p}",
            f"00212{nsn}",
            f"212{nsn}",
            nsn,
            f"0{nsn[0]}{p.replace(' ', '-')}",
            f"+212 (0){nsn[0]} {p}",
            f"0{nsn[0]}.{p.replace(' ', '.')}",
            f"0{nsn}".translate(_ARABIC_DIGITS),
            f" 0{nsn} ",
            f"(+212) {nsn[:3]}-{nsn[3:6]}-{nsn[6:]}",
            f"+2120{nsn}",
        )
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
        local = rng.choice(
            (
                f"{first}.{last}",
                f"{first[0]}{last}",
                f"{first}{last}{rng.randint(1, 99)}",
                f"{last}.{first}{rng.randint(70, 99)}",
            )
        )
        return local.lower().replace(" ", "") + "@" + rng.choice(DOMAINS)

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


@dataclass(frozen=True, slots=True)
class _Home:
    """A door, before anyone spells it: what an address names."""

    shape: str  # CLIENT_HOMES key
    city: str
    district: str
    street: str = ""  # street, residence, lotissement or derb name
    kind: str = "Rue"  # Rue/Avenue/Boulevard; the street's number in a "hay"
    number: int = 0
    imm: int = 0
    flat: int = 0


# Canonical word -> the ways agents and clients type it (the first is the registered one).
_ADDRESS_SPELLINGS = {
    "Rue": ("Rue", "rue", "R.", "R"),
    "Avenue": ("Avenue", "Av.", "Av", "Ave"),
    "Boulevard": ("Boulevard", "Bd", "Bd.", "Blvd"),
    "Imm": ("Imm.", "Imm", "Immeuble", "imm"),
    "Résidence": ("Résidence", "Residence", "Res.", "Rés."),
    "Appt": ("Appt", "Apt", "App.", "Appartement"),
    "N°": ("N°", "n°", "No", "N", "Numéro", "nº", ""),
    "Hay": ("Hay", "Quartier", "Qt", "hay"),
    "Lotissement": ("Lotissement", "Lot.", "Lot", "Lotiss."),
    "Derb": ("Derb", "Drb"),
}


class _Addresses:
    """Homes of clients and guests, and their spellings on orders (own random stream)."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(f"addresses-{seed}")
        self.homes: dict[int, _Home] = {}

    def home(self, city: str, district: str | None = None, shape: str | None = None) -> _Home:
        """A random door in city (and district)."""
        rng = self.rng
        shape = shape or rng.choices(*zip(*CLIENT_HOMES.items(), strict=True))[0]
        district = district or rng.choice(NEIGHBOURHOODS)
        if shape == "street":
            return _Home(
                shape,
                city,
                district,
                rng.choice(STREETS),
                rng.choice(("Rue", "Rue", "Avenue", "Boulevard")),
                rng.randint(1, 250),
                flat=rng.randint(1, 12) if rng.random() < 0.3 else 0,
            )
        if shape == "residence":
            return _Home(
                shape, city, district, rng.choice(RESIDENCES), imm=rng.randint(1, 40), flat=rng.randint(1, 20)
            )
        if shape == "hay":
            return _Home(shape, city, district, kind=str(rng.randint(1, 60)), number=rng.randint(1, 300))
        if shape in ("lot", "derb"):
            return _Home(
                shape,
                city,
                district,
                rng.choice(RESIDENCES if shape == "lot" else STREETS),
                number=rng.randint(1, 400),
            )
        return _Home(shape, city, district)  # vague or relay

    def neighbour(self, home: _Home) -> _Home:
        """Another door of the same street, residence or district."""
        rng = self.rng
        if home.shape == "residence":
            imm = home.imm if rng.random() < 0.5 else home.imm % 40 + 1
            return _Home(
                home.shape,
                home.city,
                home.district,
                home.street,
                imm=imm,
                flat=home.flat % 20 + rng.randint(1, 5) if imm == home.imm else home.flat,
            )
        if home.number:
            step = rng.randint(1, 20)
            number = home.number - step if home.number > step and rng.random() < 0.5 else home.number + step
            return _Home(
                home.shape, home.city, home.district, home.street, home.kind, number, flat=home.flat
            )  # same flat number, another house: adversarial
        return self.home(home.city, home.district)

    def spell(self, home: _Home, noise: str = "exact") -> str:
        """The home as typed, after one ADDRESS_NOISE (the registered spelling when exact)."""
        rng = self.rng
        short = noise != "exact" and rng.random() < 0.6

        def w(word: str) -> str:
            return rng.choice(_ADDRESS_SPELLINGS[word]) if short else _ADDRESS_SPELLINGS[word][0]

        street = home.street
        if noise == "typo" and street:
            words = street.split()
            i = rng.randrange(len(words))
            street = " ".join([*words[:i], _typo(rng, words[i]), *words[i + 1 :]])
        elif noise == "article" and street.startswith(("Al ", "El ")):
            street = street[3:] if rng.random() < 0.6 else street[:2] + street[3:].lower()
        parts = self._parts(home, street, w)
        drop = {"no_district": "district", "no_flat": "flat", "no_number": "number"}.get(noise)
        parts = [text for role, text in parts if role != drop and not (drop == "number" and role == "flat")]
        if noise == "reordered":
            rng.shuffle(parts)
        text = ", ".join(p for p in parts if p)
        if noise != "exact" and rng.random() < 0.25:
            text = f"{text} {home.city}"
        return rng.choice((str.upper, str.lower))(text) if short and rng.random() < 0.2 else text

    def _parts(self, home: _Home, street: str, w) -> list[tuple[str, str]]:
        n = f"{w('N°')} {home.number}".strip()
        flat = [("flat", f"{w('Appt')} {home.flat}")] if home.flat else []
        if home.shape == "street":
            number = str(home.number) if self.rng.random() < 0.5 else n
            return [
                ("number", number),
                ("street", f"{w(home.kind)} {street}"),
                *flat,
                ("district", home.district),
            ]
        if home.shape == "residence":
            return [
                ("street", f"{w('Résidence')} {street}"),
                ("number", f"{w('Imm')} {home.imm}"),
                *flat,
                ("district", home.district),
            ]
        if home.shape == "hay":
            district = home.district.removeprefix("Hay ")
            return [
                ("district", f"{w('Hay')} {district}"),
                ("street", f"{w('Rue')} {home.kind}"),
                ("number", n),
            ]
        if home.shape in ("lot", "derb"):
            head = w("Lotissement" if home.shape == "lot" else "Derb")
            return [
                ("street", f"{head} {street}"),
                ("number", n),
                ("district", home.district if home.shape == "lot" else "Médina"),
            ]
        if home.shape == "relay":
            return [
                (
                    "street",
                    self.rng.choice((f"Point Relais Amana {home.district}", f"Agence Amana {home.district}")),
                )
            ]
        return [("district", self.rng.choice((home.city, "Centre ville", f"{w('Hay')} {home.district}")))]

    def order_address(self, client: LabelledClient, relative: LabelledClient | None) -> tuple[str, str, str]:
        """(address, city, kind) of an order a client places: usually home, spelt anyhow."""
        rng = self.rng
        home = self.homes[client.id]
        kind = rng.choices(*zip(*ORDER_ADDRESSES.items(), strict=True))[0]
        if kind == "own":
            noise = rng.choices(*zip(*ADDRESS_NOISE.items(), strict=True))[0]
            return self.spell(home, noise), home.city, kind
        if kind == "family" and relative is not None:
            other = self.homes[relative.id]
        elif kind in ("relay", "vague"):
            other = self.home(home.city, home.district, kind)
        else:
            other = self.home(home.city if rng.random() < 0.8 else rng.choice(CITIES))
        text = self.spell(other, "abbreviated")
        if kind == "work" and rng.random() < 0.5:
            text = f"{rng.choice(('Société', 'Ste', 'Bureau'))} {rng.choice(RESIDENCES)}, {text}"
        return text, other.city, kind


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


def _make_clients(
    g: _Generator, n_clients: int, data: LabelledData, relatives: dict[int, list[int]], places: _Addresses
) -> None:
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
        phone = phone or g.spell_phone(g.new_phone())
        # Drawn from the main stream in the order of old, so that what follows stays as it was.
        rng.randint(1, 250), rng.choice(LAST_NAMES)
        home = places.home(rng.choice(CITIES))
        if cid in relatives and places.rng.random() < 0.6:
            home = places.homes[relatives[cid][0]]  # the household: same door
        places.homes[cid] = home
        data.clients.append(LabelledClient(cid, first, last, email, phone, places.spell(home), home.city))


def _guest_order(
    g: _Generator,
    oid: int,
    scenario: str,
    noise: str,
    data: LabelledData,
    places: _Addresses,
    bearers: dict[tuple[str, str], list[int]],
) -> LabelledOrder:
    rng = g.rng
    first, last, _, _ = g.person()
    phone = g.spell_phone(g.new_phone())
    rel = None
    if scenario == "guest_namesake":
        first, last = rng.choice(g.first.top(8))[0], rng.choice(g.last.top(8))[0]
    elif scenario == "guest_relative":
        rel = rng.choice(data.clients)
        last, phone = rel.last_name, g.spell_phone(_nsn(rel.phone))
    address, city, kind = _guest_address(places, scenario, rel, bearers.get((first, last), []))
    return LabelledOrder(
        oid, g.noisy_name(first, last, noise), None, phone, None, scenario, noise, address, city, kind
    )


def _guest_address(
    places: _Addresses, scenario: str, rel: LabelledClient | None, bearers: list[int]
) -> tuple[str, str, str]:
    """A guest's delivery address: his own door, or near (or at) a client's for the adversarial."""
    rng = places.rng
    noise = rng.choices(*zip(*ADDRESS_NOISE.items(), strict=True))[0]
    if scenario == "guest_relative" and rel is not None and rng.random() < 0.5:
        home, kind = places.homes[rel.id], "relative_home"  # lives with the client relative
    elif scenario == "guest_namesake" and bearers:
        # A client bears this name: live on his street, in his district, or (rarely) with him.
        kind = rng.choices(
            (*NAMESAKE_HOMES, "elsewhere"), (*NAMESAKE_HOMES.values(), 1 - sum(NAMESAKE_HOMES.values()))
        )[0]
        namesake = places.homes[rng.choice(bearers)]
        home = {
            "same_street": lambda: places.neighbour(namesake),
            "same_door": lambda: namesake,
            "same_district": lambda: places.home(namesake.city, namesake.district),
            "elsewhere": lambda: places.home(rng.choice(CITIES)),
        }[kind]()
    else:
        home, kind = places.home(rng.choice(CITIES)), "own"
    return places.spell(home, noise), home.city, kind


def _client_phone(
    g: _Generator, scenario: str, client: LabelledClient, relative: LabelledClient | None
) -> str:
    rng = g.rng
    nsn = _nsn(client.phone)
    if scenario in ("client_new_phone", "client_email_new_phone"):
        nsn = g.new_phone()
    elif scenario == "client_relative_phone" and relative is not None:
        nsn = _nsn(relative.phone)
    elif scenario == "client_phone_typo":
        i = rng.randrange(1, 9)
        nsn = nsn[:i] + rng.choice("0123456789".replace(nsn[i], "")) + nsn[i + 1 :]
    return g.spell_phone(nsn)


def generate(n_clients: int, n_orders: int, seed: int = 0) -> LabelledData:
    """Generate clients and orders with ground truth, deterministically from seed."""
    g = _Generator(seed)
    rng = g.rng
    data = LabelledData()
    relatives: dict[int, list[int]] = {}
    places = _Addresses(seed)
    _make_clients(g, n_clients, data, relatives, places)
    by_id = {c.id: c for c in data.clients}
    bearers: dict[tuple[str, str], list[int]] = {}
    for c in data.clients:
        bearers.setdefault((c.first_name, c.last_name), []).append(c.id)
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
            data.orders.append(_guest_order(g, oid, scenario, noise, data, places, bearers))
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
            email = rng.choice(
                (client.email, client.email.upper(), f" {client.email} ", client.email.capitalize())
            )
        data.orders.append(
            LabelledOrder(
                oid,
                g.noisy_name(client.first_name, client.last_name, noise),
                email,
                _client_phone(g, scenario, client, relative),
                client.id,
                scenario,
                noise,
                *places.order_address(client, relative),
            )
        )
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


def literal_cascade(
    clients: list[LabelledClient], orders: list[LabelledOrder]
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
        out[o.id] = next(
            ((cid, "name") for cid, cname in names if jaro_winkler_similarity(name, cname) >= 0.7),
            (None, None),
        )
    return out

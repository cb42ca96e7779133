"""Realistic Moroccan fakes: weighted names, mobiles typed many ways, cities and addresses.

Faker has no Moroccan locale: names come from linking/names_ma.py (with their
transliteration variants), street-style text from Faker's fr_FR locale.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from decimal import Decimal

from faker import Faker

from ..linking.names_ma import FIRST_NAMES, LAST_NAMES
from ..linking.normalize import normalize_phone

CITIES = (
    ("Casablanca", 30),
    ("Rabat", 10),
    ("Marrakech", 9),
    ("Fès", 9),
    ("Tanger", 8),
    ("Agadir", 6),
    ("Meknès", 5),
    ("Oujda", 4),
    ("Kénitra", 4),
    ("Tétouan", 4),
    ("Salé", 4),
    ("Safi", 2),
    ("El Jadida", 2),
    ("Nador", 2),
    ("Béni Mellal", 2),
    ("Mohammedia", 2),
    ("Khouribga", 1),
    ("Laâyoune", 1),
    ("Settat", 1),
    ("Taza", 1),
)
COMPANIES = (
    "Atlas Chaussures",
    "Souk Mode SARL",
    "Riad Distribution",
    "Maroc Pieds",
    "Derb Commerce",
    "Sahara Retail",
    "Medina Shoes",
    "Zellige Import",
    "Anfa Boutique",
    "Oasis Négoce",
)
EMAIL_DOMAINS = ("gmail.com", "hotmail.com", "yahoo.fr", "outlook.com", "menara.ma", "gmail.com")
PHONE_SPELLINGS = (
    "0{a} {b} {c} {d} {e}",  # 06 12 34 56 78
    "0{a}{b}{c}{d}{e}",  # 0612345678
    "+212{a}{b}{c}{d}{e}",  # +212612345678
    "+212 {a} {b} {c} {d} {e}",
    "00212{a}{b}{c}{d}{e}",
    "00212 {a}{b}{c}{d}{e}",
    "{a}{b}{c}{d}{e}",  # 612345678
    "0{a}-{b}-{c}-{d}-{e}",
    "0{a}.{b}.{c}.{d}.{e}",
    "212{a}{b}{c}{d}{e}",
    "+212 (0){a} {b} {c} {d} {e}",
    "(+212) {a}{b}{c}{d}{e}",
)


def _weighted(rows) -> tuple[list[str], list[int]]:
    return [r[0] for r in rows], [r[1] for r in rows]


@dataclass(frozen=True)
class FakePerson:
    """A fake buyer: canonical name parts, mobile digits and where they live."""

    first_name: str
    last_name: str
    mobile: str  # national significant number, e.g. "612345678"
    city: str
    address: str


class MoroccanFaker:
    """Seeded generator of Moroccan people, phones and spellings."""

    def __init__(self, seed: int | None = None):
        self.rng = random.Random(seed)
        self.faker = Faker("fr_FR")
        if seed is not None:
            self.faker.seed_instance(seed)
        self._first = _weighted(FIRST_NAMES)
        self._first_rows = {r[0]: r for r in FIRST_NAMES}
        self._last = _weighted(LAST_NAMES)
        self._last_rows = {r[0]: r for r in LAST_NAMES}
        self._cities = _weighted(CITIES)

    def first_name(self) -> str:
        """Return a first name drawn with realistic frequencies."""
        return self.rng.choices(*self._first)[0]

    def last_name(self) -> str:
        """Return a last name drawn with realistic frequencies."""
        return self.rng.choices(*self._last)[0]

    def mobile(self) -> str:
        """Return a valid Moroccan mobile's national number (6xxxxxxxx or 7xxxxxxxx)."""
        while True:
            # Not every 06/07 block is allocated: keep only what phonenumbers calls valid.
            candidate = self.rng.choice("67") + f"{self.rng.randrange(10**8):08d}"
            if normalize_phone("0" + candidate) is not None:
                return candidate

    def spell_phone(self, mobile: str) -> str:
        """Type a national number the way a human or a call centre would."""
        a, rest = mobile[0], mobile[1:]
        parts = {"a": a, "b": rest[0:2], "c": rest[2:4], "d": rest[4:6], "e": rest[6:8]}
        return self.rng.choice(PHONE_SPELLINGS).format(**parts)

    def person(self) -> FakePerson:
        """Return a new fake person."""
        city = self.rng.choices(*self._cities)[0]
        address = f"{self.faker.building_number()} {self.faker.street_name()}, {city}"
        return FakePerson(self.first_name(), self.last_name(), self.mobile(), city, address)

    def email_for(self, person: FakePerson, n: int) -> str:
        """Return a plausible unique e-mail for a person."""
        local = f"{person.first_name}.{person.last_name}".lower().replace(" ", "")
        local = "".join(ch for ch in local if ch.isalnum() or ch == ".")
        return f"{local}{n}@{self.rng.choice(EMAIL_DOMAINS)}"

    def company(self) -> str | None:
        """Return a company name for about one client in eight."""
        return self.rng.choice(COMPANIES) if self.rng.random() < 0.125 else None

    def variant(self, name: str, table: dict[str, tuple]) -> str:
        """Return a transliteration variant of a name when it has one, else the name."""
        row = table.get(name)
        if row and row[3] and self.rng.random() < 0.5:
            return self.rng.choice(row[3])
        return name

    def typed_name(self, first: str, last: str) -> str:
        """Return a name as a call centre types it: variants, case, word order, a typo."""
        first = self.variant(first, self._first_rows)
        last = self.variant(last, self._last_rows)
        roll = self.rng.random()
        text = f"{last} {first}" if roll < 0.25 else f"{first} {last}"
        roll = self.rng.random()
        if roll < 0.2:
            text = text.upper()
        elif roll < 0.35:
            text = text.lower()
        if self.rng.random() < 0.08 and len(text) > 6:
            i = self.rng.randrange(1, len(text) - 1)
            text = text[:i] + text[i + 1 :]  # one dropped letter
        return text

    def price(self) -> Decimal:
        """Return a shoe-shop basket in dirhams."""
        return Decimal(self.rng.choice((199, 249, 299, 349, 399, 449, 499, 599, 699, 899))) + Decimal(
            self.rng.choice(("0", "0.50", "0.90"))
        )

    def status(self) -> str:
        """Return an order status with cash-on-delivery proportions."""
        return self.rng.choices(("confirmed", "pending", "cancelled"), (70, 12, 18))[0]

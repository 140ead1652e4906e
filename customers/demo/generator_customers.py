"""The generator, part one: customer *i*'s master data (a person, or a planted duplicate of an
earlier one as a legacy system holds it), normalised cheaply, and its customer row.

Its transactional rows come from generator_transactions.TransactionRows, the class's other half.
"""

from __future__ import annotations

import datetime
import operator
import random
import re
import unicodedata
from decimal import Decimal
from functools import lru_cache

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils import timezone

from cdm.crypto import blind_index
from cdm.models import Team
from customers.demo.constants import (
    DEMO_SYSTEM,
    LEGACY_SYSTEM,
    SOURCE_CUM,
    SOURCES,
    STAGE_CUM,
    STAGES,
    demo_external_id,
    duplicate_source,
)
from customers.demo.generator_transactions import TransactionRows
from customers.demo.locales import (
    LOCALE_BY_COUNTRY,
    LOCALE_CUM,
    LOCALES,
    MAIL_DOMAINS,
    NICKNAMED,
    NICKNAMES,
    PRICE_FACTOR,
    UMLAUTS,
    Locale,
    family_name_typo,
    phone_other_format,
)
from customers.demo.pools import (
    LocalePool,
    locale_pool,
    new_faker,
    pick,
    spanish_provinces,
    weighted,
)
from customers.demo.setup import PLAN_CODES
from customers.demo.tables import CUSTOMER_FIELDS, Batch
from customers.models import Customer, Product
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

_CUSTOMER_DEFAULTS = {f.attname: f.get_default() for f in Customer._meta.concrete_fields}
_customer_row = operator.itemgetter(*CUSTOMER_FIELDS)
# The text fields normalize_customer_data passes through normalize_text.
_TEXT_FIELDS = ("given_name", "family_name", "company", "job_title", "source_detail")
_clean_text = lru_cache(maxsize=1 << 16)(normalize_text)  # most text repeats: pool values


@lru_cache(maxsize=4096)
def _ascii(text: str) -> str:
    for src, dst in UMLAUTS.items():
        text = text.replace(src, dst)
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]", "", text.lower())


# What the generator's e-mail addresses look like once lower-cased: ASCII atoms on a reserved domain.
# email_validator's normal form of such an address is the address itself (the tests check it).
_SIMPLE_EMAIL = re.compile(r"[a-z0-9]+(?:[._][a-z0-9]+)*@(?:%s)" % "|".join(re.escape(d) for d in MAIL_DOMAINS))
_E164 = re.compile(r"\+[1-9]\d{6,14}")


class Generator(TransactionRows):
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
            fake = self._fakers[loc.code] = new_faker(loc.code)
        fake.random = rng
        return fake

    # -- people (pure functions of i: no dates relative to today, so duplicates match later runs too)

    def locale(self, i: int) -> Locale:
        return weighted(random.Random(f"demo-person:{i}").random, LOCALES, LOCALE_CUM)

    def person(self, i: int) -> dict:
        """Raw master data of customer i as typed in (mostly in normal form already, see the module doc)."""
        return self._person(i)[0]

    def _person(self, i: int) -> tuple[dict, random.Random]:
        """person(i), and the generator it drew from (customer i's rows continue drawing from it)."""
        rng = random.Random(f"demo-person:{i}")
        r = rng.random
        loc = weighted(r, LOCALES, LOCALE_CUM)  # the first draw: see locale()
        pool = locale_pool(loc.code)
        female = r() < 0.5
        nicknamed = NICKNAMED.get((loc.language, female))
        if nicknamed and r() < 0.25:
            given = pick(r, nicknamed)
        else:
            given = pick(r, pool.given_female if female else pool.given_male)
        family = pick(r, pool.family)
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
            rec["company"] = pick(r, pool.companies)
            rec["job_title"] = pick(r, pool.jobs)
        elif r() < 0.15:
            rec["job_title"] = pick(r, pool.jobs)
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
        source, _w, details = weighted(r, SOURCES, SOURCE_CUM)
        rec["source"] = source
        rec["source_detail"] = pick(r, details).format(city=rec.get("city", ""), year=pick(r, (2022, 2023, 2024, 2025)))
        rec["lifecycle_stage"] = weighted(r, STAGES, STAGE_CUM)
        # A few deliberately messy records for the data-quality work.
        roll = r()
        if roll < 0.02 and rec.get("postal_code"):
            rec["postal_code"] = rec["postal_code"][:-1]  # a digit lost: the address check fails
        elif roll < 0.04:
            rec["city"] = "  " + rec.get("city", "").lower() + " "
        return rec, rng

    def _phone(self, pool: LocalePool, r) -> str:
        """A valid number in E.164: a pool number with its last digits drawn anew."""
        base = pick(r, pool.phones)
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
        local = pick(r, (f"{g}.{f}", f"{g[0]}.{f}", f"{g}{f}", f"{f}.{g}", f"{g}_{f}", f"{g[0]}{f}"))
        if r() < 0.7:
            local += str(1 + int(r() * 999))
        address = f"{local}@{pick(r, MAIL_DOMAINS)}"
        return address.title() if r() < 0.1 else address  # some typed with capitals

    def address(self, loc: Locale, rng: random.Random) -> dict:
        return self._address(loc, locale_pool(loc.code), rng.random)

    def _address(self, loc: Locale, pool: LocalePool, r) -> dict:
        street = pick(r, pool.streets)
        line1 = f"{street.head}{1 + int(r() * (10 ** street.digits - 1))}{street.tail}" if street.digits else street.head
        line2 = street.line2
        postal, city, region = pick(r, pool.places)
        if not line2 and loc.country in ("US", "CA") and r() < 0.15:
            line2 = f"{pick(r, ('Apt.', 'Suite'))} {100 + int(r() * 900)}"
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

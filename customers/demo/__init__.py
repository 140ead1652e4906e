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

Where each part lives:

    constants.py               system names and change reasons, duplicate_source, the vocabularies rows draw from
    locales.py                 the 13 countries, nicknames, a second system's typos and phone formats
    pools.py                   Faker pools per locale, built once per process; cheap random draws
    setup.py                   catalog, teams, demo logins and where each role starts
    tables.py                  the tables a batch fills (in write order) and the Batch
    generator_customers.py     Generator: people, planted duplicates, normalisation, customer rows
    generator_transactions.py  its other half: holdings, orders, activities, requests, feedback, notes
    writers.py                 bulk_create, or binary COPY through customers.bulk_copy (importers reuse that)
    run.py                     seed(): batches, worker processes, moving house
"""

from customers.bulk_copy import CopyWriter, Table
from customers.demo.constants import (
    ACTIVITY_KINDS,
    CAMPAIGNS,
    DEMO_SYSTEM,
    DUPLICATE_EVERY,
    FEEDBACK_COMMENTS,
    FORMS,
    FROZEN_PROPS,
    HISTORY_REASON,
    LEGACY_SYSTEM,
    LIFECYCLE,
    MOVED_REASON,
    MOVES_MIN,
    MOVES_PER,
    NOTES,
    PAGES,
    REFERRERS,
    RESOLUTIONS,
    SITE,
    SOURCES,
    SR_SUBJECTS,
    TEAM_NAMES,
    demo_external_id,
    demo_password,
    duplicate_source,
)
from customers.services.customers import customer_numbers_new as customer_numbers
from customers.demo.generator_customers import Generator
from customers.demo.locales import (
    CA_PROVINCES,
    CA_WEIGHTS,
    FEMALE_NAMES,
    LOCALE_BY_CODE,
    LOCALE_BY_COUNTRY,
    LOCALES,
    MAIL_DOMAINS,
    NICKNAMES,
    PRICE_FACTOR,
    Locale,
    family_name_typo,
    phone_other_format,
)
from customers.demo.pools import (
    POOL_SIZES,
    LocalePool,
    Street,
    locale_pool,
    random_sample,
    spanish_provinces,
)
from customers.demo.run import SeedResult, default_workers, seed
from customers.demo.setup import (
    CATALOG,
    DEMO_USERS,
    PLAN_CODES,
    PLAN_WEIGHTS,
    DemoUser,
    catalog_ensure,
    demo_users_ensure,
    start_url,
    teams_ensure,
)
from customers.demo.tables import CUSTOMER_FIELDS, TABLES, Batch
from customers.demo.writers import copy_writer, write_orm

__all__ = [
    "ACTIVITY_KINDS", "ADMIN_URL", "CAMPAIGNS", "CATALOG", "CA_PROVINCES", "CA_WEIGHTS", "CUSTOMER_FIELDS",
    "DEMO_SYSTEM", "DEMO_USERS", "DUPLICATE_EVERY", "FEEDBACK_COMMENTS", "FEMALE_NAMES", "FORMS", "FROZEN_PROPS",
    "HISTORY_REASON", "LEGACY_SYSTEM", "LIFECYCLE", "LOCALES", "LOCALE_BY_CODE", "LOCALE_BY_COUNTRY", "MAIL_DOMAINS",
    "MOVED_REASON", "MOVES_MIN", "MOVES_PER", "NICKNAMES", "NOTES", "PAGES", "PLAN_CODES", "PLAN_WEIGHTS",
    "POOL_SIZES", "PRICE_FACTOR", "REFERRERS", "RESOLUTIONS", "SITE", "SOURCES", "SR_SUBJECTS", "TABLES",
    "TEAM_NAMES", "Batch", "CopyWriter", "DemoUser", "Generator", "Locale", "LocalePool", "SeedResult", "Street",
    "Table", "catalog_ensure", "copy_writer", "customer_numbers", "default_workers", "demo_external_id",
    "demo_password", "demo_users_ensure", "duplicate_source", "family_name_typo", "locale_pool",
    "phone_other_format", "random_sample", "seed", "spanish_provinces", "start_url", "teams_ensure", "write_orm",
]


def __getattr__(name: str):
    # ADMIN_URL follows settings.CDM_PUBLIC_BASE_URL, so it is worked out when asked for.
    if name == "ADMIN_URL":
        from cdm import access

        return start_url(access.ADMIN)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

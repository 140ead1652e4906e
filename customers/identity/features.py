"""What the engine compares: a customer's values folded into a match profile, and the blocking keys.

Names are transliterated to ASCII (anyascii: "Łukasz Wójcik" -> "lukasz wojcik", "Юрий" -> "yuriy"),
lower-cased and stripped of punctuation; a given name carries its nickname group (the nicknames dataset:
"bob" and "robert" share "robert"); the family name a phonetic key (metaphone). E-mail and phone are the
normalised values the services store. Pure functions: no database, the same for a stored customer, a form
being typed, an import row or an API body.
"""

from __future__ import annotations

import datetime
import re
from functools import lru_cache

import jellyfish
import phonenumbers
from anyascii import anyascii

# Raised whenever what a profile holds changes: every scan then derives the profiles again.
FEATURES_VERSION = 4
PROFILE_FIELDS = ("given", "given_group", "family", "family_key", "date_of_birth", "email", "email_local", "phone",
                  "phone_kind", "national_id_index", "postcode", "city", "street", "country", "key_name_dob",
                  "key_post_initial", "key_dob_given", "key_dob_names", "key_name", "key_name_turned")
BLOCKING_KEYS = ("email", "email_local", "phone", "national_id_index", "key_name_dob", "key_post_initial",
                 "key_dob_given", "key_dob_names", "key_name")
# Keys compared across columns: one record's key_name against the other's key_name_turned (its names written
# the other way round), so "Sotirios Todoris" and "Todoris Sotirios" meet without a birth date.
CROSS_KEYS = (("key_name", "key_name_turned"),)
# Every blocking rule as (this record's column, the other record's column): the scan and the real-time check
# read the same list.
BLOCKING_RULES = (tuple((key, key) for key in BLOCKING_KEYS) + CROSS_KEYS
                  + tuple((theirs, mine) for mine, theirs in CROSS_KEYS))

_NOT_LETTERS = re.compile(r"[^a-z ]+")
_NOT_ALNUM = re.compile(r"[^a-z0-9 ]+")
_SPACES = re.compile(r"\s+")
# Words that say nothing about who someone is.
_TITLES = frozenset({"mr", "mrs", "ms", "miss", "dr", "prof", "sir", "jr", "sr", "ii", "iii", "mx"})
# Street words as people abbreviate them: one spelling each.
_STREET_WORDS = {"street": "st", "str": "st", "strasse": "st", "road": "rd", "avenue": "ave", "av": "ave",
                 "boulevard": "blvd", "drive": "dr", "lane": "ln", "place": "pl", "court": "ct", "square": "sq",
                 "apartment": "apt", "suite": "ste", "north": "n", "south": "s", "east": "e", "west": "w"}
# Local parts shared by many people: no evidence of one person, never a blocking key.
_SHARED_LOCAL_PARTS = frozenset({"info", "contact", "admin", "office", "mail", "email", "hello", "sales", "support",
                                 "noreply", "no-reply", "test", "none", "na"})


@lru_cache(maxsize=200_000)
def _fold(text: str) -> str:
    text = anyascii(text).lower().replace("-", " ").replace("'", "")
    return _SPACES.sub(" ", _NOT_LETTERS.sub(" ", text)).strip()


def fold(value) -> str:
    """ASCII, lower case, letters and single spaces only; hyphens and apostrophes become spaces."""
    return _fold(str(value or ""))


@lru_cache(maxsize=200_000)
def fold_name(value) -> str:
    return " ".join(w for w in fold(value).split() if w not in _TITLES)


@lru_cache(maxsize=1)
def _nicknamer():
    from nicknames import NickNamer

    return NickNamer()


@lru_cache(maxsize=50_000)
def name_group(first: str) -> tuple[str, ...]:
    """The name and the names the nicknames dataset relates it to, as nickname or formal name: "bob" -> (bob,
    bobby, robert, ...). Two given names are one name written another way when either is in the other's group
    (directly: "robert" and "william" both relate to "bill", and are still two names)."""
    if not first:
        return ()
    namer = _nicknamer()
    return tuple(sorted({first} | set(namer.nicknames_of(first)) | set(namer.canonicals_of(first))))


def same_name(first_a: str, group_a: str, first_b: str, group_b: str) -> bool:
    """Nickname test on two first given names and their stored groups ("|a|b|")."""
    return bool(first_a and first_b) and (f"|{first_a}|" in group_b or f"|{first_b}|" in group_a)


@lru_cache(maxsize=50_000)
def phonetic(word: str) -> str:
    return jellyfish.metaphone(word)[:12] if word else ""


@lru_cache(maxsize=100_000)
def phone_kind(phone: str) -> str:
    """"m" for a mobile number (one person's), "l" for any other (a landline a household shares, or a number
    whose plan does not tell, as in North America), "" for none."""
    if not phone:
        return ""
    try:
        kind = phonenumbers.number_type(phonenumbers.parse(phone))
    except phonenumbers.NumberParseException:
        return "l"
    return "m" if kind == phonenumbers.PhoneNumberType.MOBILE else "l"


def street_tokens(*lines) -> str:
    words = _NOT_ALNUM.sub(" ", anyascii(" ".join(str(x or "") for x in lines)).lower()).split()
    return " ".join(sorted({_STREET_WORDS.get(w, w) for w in words}))


def email_local(email: str, given: str = "", family: str = "") -> str:
    """The e-mail's local part as evidence of one person at another domain: "" when it is shared by many
    ("info") or made of the person's name ("dpowell", "deborah.powell"): namesakes write those too, so
    they say no more than the names already do."""
    local = email.split("@", 1)[0].split("+", 1)[0]
    if len(local) < 4 or local in _SHARED_LOCAL_PARTS:
        return ""
    letters = re.sub(r"[^a-z]", "", local)
    g, f = given.replace(" ", ""), family.replace(" ", "")
    if f and letters in {g + f, f + g, g[:1] + f, f + g[:1], g + f[:1], f, g}:
        return ""
    return local


def profile_values(*, given_name="", family_name="", date_of_birth=None, email="", phone="", national_id_index="",
                   postal_code="", city="", address_line1="", address_line2="", country="") -> dict:
    """The match profile of these (already normalised) customer values."""
    given = fold_name(given_name)
    family = fold_name(family_name)
    first = given.split(" ", 1)[0] if given else ""
    group = name_group(first)
    dob = date_of_birth if isinstance(date_of_birth, datetime.date) else None
    postcode = re.sub(r"[^A-Z0-9]", "", str(postal_code or "").upper())
    family_key = phonetic(family.replace(" ", ""))
    email = (email or "").strip().lower()
    country = str(country or "").upper()[:2]
    initial = first[:1]
    return {
        "given": given,
        "given_group": _group_text(group),
        "family": family,
        "family_key": family_key,
        "date_of_birth": dob,
        "email": email,
        "email_local": email_local(email, given, family) if email else "",
        "phone": (phone or "").strip(),
        "phone_kind": phone_kind((phone or "").strip()),
        "national_id_index": national_id_index or "",
        "postcode": postcode,
        "city": fold(city),
        "street": street_tokens(address_line1, address_line2),
        "country": country,
        "key_name_dob": f"{family_key}|{dob.isoformat()}" if family_key and dob else "",
        "key_post_initial": f"{country}{postcode}|{initial}" if postcode and initial else "",
        # Catches a changed family name (marriage) and a missing one; day and month in either order.
        "key_dob_given": f"{_dob_key(dob)}|{initial}" if dob and initial else "",
        # Catches given and family name written the other way round (both initials, in either order).
        "key_dob_names": f"{_dob_key(dob)}|{''.join(sorted(initial + family[:1]))}" if dob and initial and family
        else "",
        # Catches a missing or mistyped birth date.
        "key_name": f"{initial} {family}" if initial and family else "",
        "key_name_turned": f"{family[:1]} {given}" if given and family else "",
    }


def _dob_key(dob: datetime.date) -> str:
    """The birth date with day and month in a fixed order: a date typed day-first and month-first blocks together."""
    low, high = sorted((dob.day, dob.month))
    return f"{dob.year:04d}-{low:02d}-{high:02d}"


def _group_text(group: tuple[str, ...]) -> str:
    text = "|"
    for name in group:  # fits the column (400): the longest groups lose their last names
        if len(text) + len(name) + 1 > 400:
            break
        text += name + "|"
    return text if group else ""


def profile_of(customer) -> dict:
    """The match profile of a Customer (or anything with the customer's field names)."""
    return profile_values(**{f: getattr(customer, f, "") for f in (
        "given_name", "family_name", "date_of_birth", "email", "phone", "national_id_index", "postal_code", "city",
        "address_line1", "address_line2")}, country=str(getattr(customer, "country", "") or ""))

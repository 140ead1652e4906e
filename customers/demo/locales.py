"""The demo's countries: locales and their weights, nicknames, and the slips a second system makes."""

from __future__ import annotations

import itertools
import random
import re
from dataclasses import dataclass
from decimal import Decimal

import phonenumbers


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
UMLAUTS = {"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue"}
CA_PROVINCES = ("ON", "QC", "BC", "AB", "MB", "SK", "NS", "NB", "NL", "PE")
CA_WEIGHTS = (39, 22, 14, 12, 4, 3, 3, 2, 1, 0.5)
MAIL_DOMAINS = ("example.com", "example.net", "example.org", "mail.example.com", "post.example.net")

LOCALE_BY_CODE = {loc.code: loc for loc in LOCALES}
LOCALE_BY_COUNTRY = {loc.country: loc for loc in LOCALES}
LOCALE_CUM = list(itertools.accumulate(loc.weight for loc in LOCALES))
# (language, female) -> given names with nicknames
NICKNAMED = {(lang, female): sorted(n for n in names if (n in FEMALE_NAMES) == female)
             for lang, names in NICKNAMES.items() for female in (False, True)}


def family_name_typo(name: str, rng: random.Random) -> str:
    """One realistic slip: swapped, dropped or doubled letter, or an umlaut written out."""
    if any(ch in name for ch in UMLAUTS) and rng.random() < 0.5:
        return "".join(UMLAUTS.get(ch, ch) for ch in name)
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


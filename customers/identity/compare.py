"""Comparisons of two match profiles, each a ladder of levels from the strongest agreement down.

Each level is written twice, side by side: in Python (the real-time check, rapidfuzz) and in SQL (the batch
scan, DuckDB's jaro_winkler_similarity and damerau_levenshtein, which compute the same numbers:
tests/customers/identity/test_compare.py checks both give the same level on generated pairs). The first
level that holds is the pair's level; "missing" when either side lacks the value, "different" when none holds.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from rapidfuzz.distance import DamerauLevenshtein, JaroWinkler

from customers.identity.features import same_name

MISSING, DIFFERENT = "missing", "different"
NEAR_YEARS = 10


def _one_edit_sql(a: str, b: str) -> str:
    """Damerau-Levenshtein distance <= 1 in SQL, behind a cheap test that every such pair passes (lengths
    within one; a common prefix or suffix of at least (shorter length - 2) // 2 characters: one edit leaves
    the text before it and after it the same): the distance itself is costly, and most pairs fail the test."""
    half = f"greatest((least(length({a}), length({b})) - 2) // 2, 0)"
    return (f"(abs(length({a}) - length({b})) <= 1 AND (left({a}, {half}) = left({b}, {half}) "
            f"OR right({a}, {half}) = right({b}, {half})) AND damerau_levenshtein({a}, {b}) <= 1)")


def jw(a: str, b: str) -> float:
    return JaroWinkler.similarity(a, b)


def dl(a: str, b: str) -> int:
    return DamerauLevenshtein.distance(a, b)


def _first(name: str) -> str:
    return name.split(" ", 1)[0]


def diminutive(a: str, b: str) -> bool:
    """One first name a short form of the other, the way short forms are made in most languages: the long name
    cut ("Chris" of Christophe, "Kathi" of Katharina, "Panos" of Panagiotis, "Concha" of Concepción: the short
    one's letters but its last two, and at least three, begin the long one) or its inner part ("Lisa" of
    Elisabeth, "Nella" of Antonella). The long name has two letters more at least, so the gendered pairs of
    twins and siblings ("Luciano" and "Luciana", "Paul" and "Paula") are not short forms."""
    short, long = sorted((_first(a), _first(b)), key=len)
    if len(long) - len(short) < 2 or len(short) < 3:
        return False
    keep = max(3, len(short) - 2)
    return long[:keep] == short[:keep] or (len(short) >= 4 and short in long)


def _diminutive_sql() -> str:
    a, b = "split_part(a_given, ' ', 1)", "split_part(b_given, ' ', 1)"
    short = f"(CASE WHEN length({a}) <= length({b}) THEN {a} ELSE {b} END)"
    long = f"(CASE WHEN length({a}) <= length({b}) THEN {b} ELSE {a} END)"
    keep = f"greatest(3, length({short}) - 2)"
    return (f"(abs(length({a}) - length({b})) >= 2 AND least(length({a}), length({b})) >= 3 "
            f"AND (left({long}, {keep}) = left({short}, {keep}) "
            f"OR (length({short}) >= 4 AND contains({long}, {short}))))")


def _dob_parts(a: datetime.date, b: datetime.date) -> int:
    return (a.year == b.year) + (a.month == b.month) + (a.day == b.day)


def _tokens_jaccard(a: str, b: str) -> float:
    x, y = set(a.split()), set(b.split())
    return len(x & y) / len(x | y) if x and y else 0.0


@dataclass(frozen=True)
class Level:
    name: str
    text: str  # for a person: "same e-mail", "family name {sim} similar"
    test: Callable[[dict, dict], bool]
    sql: str


@dataclass(frozen=True)
class Comparison:
    name: str
    label: str
    needs: tuple[str, ...]  # the profile fields both sides must have, or the level is "missing"
    levels: tuple[Level, ...]

    def level(self, a: dict, b: dict) -> str:
        if not all(a[f] and b[f] for f in self.needs):
            return MISSING
        for level in self.levels:
            if level.test(a, b):
                return level.name
        return DIFFERENT

    def sql(self, upto: int | None = None, otherwise: str = DIFFERENT) -> str:
        """CASE expression on the columns a_<field> and b_<field> of one pair row (and jw_given, jw_family: the
        Jaro-Winkler similarities of the names, computed once per pair); with `upto`, only the first `upto`
        levels are tested and `otherwise` stands for all the others."""
        needs = " AND ".join(f"a_{f} <> '' AND b_{f} <> ''" if f != "date_of_birth"
                             else "a_date_of_birth IS NOT NULL AND b_date_of_birth IS NOT NULL" for f in self.needs)
        whens = " ".join(f"WHEN {level.sql} THEN '{level.name}'" for level in self.levels[:upto])
        return f"CASE WHEN NOT ({needs}) THEN '{MISSING}' {whens} ELSE '{otherwise}' END"


GIVEN = Comparison("given", "given name", ("given",), (
    Level("exact", "same given name", lambda a, b: a["given"] == b["given"], "a_given = b_given"),
    Level("nickname", "given name a nickname of the other",
          lambda a, b: same_name(_first(a["given"]), a["given_group"], _first(b["given"]), b["given_group"]),
          "(contains(b_given_group, '|' || split_part(a_given, ' ', 1) || '|') "
          "OR contains(a_given_group, '|' || split_part(b_given, ' ', 1) || '|'))"),
    Level("jw92", "given name {sim} similar", lambda a, b: jw(a["given"], b["given"]) >= 0.92,
          "jw_given >= 0.92"),
    # One slip of the keys, the first letter right: people seldom mistype a name's first letter (why Jaro-Winkler
    # weighs the beginning), while names of twins and siblings often rhyme ("Anna" and "Hanna").
    Level("typo", "given name one typo apart",
          lambda a, b: a["given"][:1] == b["given"][:1] and min(len(a["given"]), len(b["given"])) >= 4
          and dl(a["given"], b["given"]) <= 1,
          "a_given[1] = b_given[1] AND least(length(a_given), length(b_given)) >= 4 AND "
          + _one_edit_sql("a_given", "b_given")),
    Level("initial", "given name given as an initial",
          lambda a, b: (len(a["given"]) == 1 or len(b["given"]) == 1) and a["given"][0] == b["given"][0],
          "(length(a_given) = 1 OR length(b_given) = 1) AND a_given[1] = b_given[1]"),
    Level("short", "given name a short form of the other", lambda a, b: diminutive(a["given"], b["given"]),
          _diminutive_sql()),
    Level("jw80", "given name {sim} similar", lambda a, b: jw(a["given"], b["given"]) >= 0.80,
          "jw_given >= 0.80"),
    Level("jw70", "given name {sim} similar", lambda a, b: jw(a["given"], b["given"]) >= 0.70,
          "jw_given >= 0.70"),
))

FAMILY = Comparison("family", "family name", ("family",), (
    Level("exact", "same family name", lambda a, b: a["family"] == b["family"], "a_family = b_family"),
    Level("jw92", "family name {sim} similar", lambda a, b: jw(a["family"], b["family"]) >= 0.92,
          "jw_family >= 0.92"),
    Level("phonetic", "family name sounds the same",
          lambda a, b: bool(a["family_key"]) and a["family_key"] == b["family_key"],
          "a_family_key <> '' AND a_family_key = b_family_key"),
    Level("jw80", "family name {sim} similar", lambda a, b: jw(a["family"], b["family"]) >= 0.80,
          "jw_family >= 0.80"),
))

DOB = Comparison("dob", "birth date", ("date_of_birth",), (
    Level("exact", "same birth date", lambda a, b: a["date_of_birth"] == b["date_of_birth"],
          "a_date_of_birth = b_date_of_birth"),
    Level("swapped", "birth date day and month swapped",
          lambda a, b: (a["date_of_birth"].year == b["date_of_birth"].year
                        and a["date_of_birth"].month == b["date_of_birth"].day
                        and a["date_of_birth"].day == b["date_of_birth"].month),
          "year(a_date_of_birth) = year(b_date_of_birth) AND month(a_date_of_birth) = day(b_date_of_birth) "
          "AND day(a_date_of_birth) = month(b_date_of_birth)"),
    Level("one_part", "birth date differs in one part",
          lambda a, b: _dob_parts(a["date_of_birth"], b["date_of_birth"]) == 2,
          "(year(a_date_of_birth) = year(b_date_of_birth))::INT + (month(a_date_of_birth) = month(b_date_of_birth))::INT "
          "+ (day(a_date_of_birth) = day(b_date_of_birth))::INT = 2"),
    # Two parts wrong, yet the same generation: not a father and son of one name ("different" is).
    Level("near", "birth date differs, less than 10 years apart",
          lambda a, b: abs(a["date_of_birth"].year - b["date_of_birth"].year) < NEAR_YEARS,
          f"abs(year(a_date_of_birth) - year(b_date_of_birth)) < {NEAR_YEARS}"),
))

EMAIL = Comparison("email", "e-mail", ("email",), (
    Level("exact", "same e-mail", lambda a, b: a["email"] == b["email"], "a_email = b_email"),
    Level("local", "same e-mail name at another domain",
          lambda a, b: bool(a["email_local"]) and a["email_local"] == b["email_local"],
          "a_email_local <> '' AND a_email_local = b_email_local"),

    Level("typo", "e-mail one typo apart", lambda a, b: dl(a["email"], b["email"]) <= 1,
          _one_edit_sql("a_email", "b_email")),
))

PHONE = Comparison("phone", "phone", ("phone",), (
    # A mobile is one person's; a landline (or a number that does not tell) is often a household's.
    Level("mobile", "same mobile number", lambda a, b: a["phone"] == b["phone"] and a["phone_kind"] == "m",
          "a_phone = b_phone AND a_phone_kind = 'm'"),
    Level("exact", "same phone", lambda a, b: a["phone"] == b["phone"], "a_phone = b_phone"),
    Level("tail", "same phone number, another prefix", lambda a, b: a["phone"][-8:] == b["phone"][-8:],
          "right(a_phone, 8) = right(b_phone, 8)"),
    Level("typo", "phone one digit apart", lambda a, b: dl(a["phone"], b["phone"]) <= 1,
          _one_edit_sql("a_phone", "b_phone")),
))

NATIONAL_ID = Comparison("national_id", "national ID", ("national_id_index",), (
    Level("exact", "same national ID", lambda a, b: a["national_id_index"] == b["national_id_index"],
          "a_national_id_index = b_national_id_index"),
))

ADDRESS = Comparison("address", "address", ("city",), (
    Level("exact", "same address",
          lambda a, b: bool(a["street"]) and a["street"] == b["street"] and a["postcode"] == b["postcode"],
          "a_street <> '' AND a_street = b_street AND a_postcode = b_postcode"),
    Level("street", "similar street, same postcode",
          lambda a, b: bool(a["postcode"]) and a["postcode"] == b["postcode"]
          and _tokens_jaccard(a["street"], b["street"]) >= 0.5,
          "a_postcode <> '' AND a_postcode = b_postcode AND len(list_intersect(string_split(a_street, ' '), "
          "string_split(b_street, ' '))) * 1.0 / greatest(len(list_distinct(list_concat(string_split(a_street, ' '), "
          "string_split(b_street, ' ')))), 1) >= 0.5 AND a_street <> '' AND b_street <> ''"),
    Level("postcode", "same postcode", lambda a, b: bool(a["postcode"]) and a["postcode"] == b["postcode"],
          "a_postcode <> '' AND a_postcode = b_postcode"),
    Level("city", "same city", lambda a, b: a["city"] == b["city"], "a_city = b_city"),
))

COMPARISONS: tuple[Comparison, ...] = (GIVEN, FAMILY, DOB, EMAIL, PHONE, NATIONAL_ID, ADDRESS)
BY_NAME = {c.name: c for c in COMPARISONS}
# Profile fields the comparisons read (the pair rows of the scan carry a_<field> and b_<field>).
COMPARED_FIELDS = ("given", "given_group", "family", "family_key", "date_of_birth", "email", "email_local", "phone",
                   "phone_kind", "national_id_index", "postcode", "city", "street")


SWAP_SIMILARITY = 0.92


def swapped_names(a: dict, b: dict) -> bool:
    """Given and family name written the other way round ("Kim Lee" / "Lee Kim", "Stevens Jessica" / "Jessica
    Stehens"): each name close to the other's other name, and the given names not already alike."""
    if not (a["given"] and a["family"] and b["given"] and b["family"]) or a["given"] == a["family"]:
        return False
    return (jw(a["given"], b["family"]) >= SWAP_SIMILARITY and jw(a["family"], b["given"]) >= SWAP_SIMILARITY
            and jw(a["given"], b["given"]) < SWAP_SIMILARITY)


def levels(a: dict, b: dict) -> dict[str, str]:
    """The level of every comparison for profiles `a` and `b`."""
    if swapped_names(a, b):
        # Turned round, b's names have no nickname group or phonetic key of their own: only the texts compare.
        b = b | {"given": b["family"], "family": b["given"], "given_group": f"|{b['family']}|", "family_key": ""}
    return {c.name: c.level(a, b) for c in COMPARISONS}


def similarity_of(comparison: str, a: dict, b: dict) -> float | None:
    """The similarity a reason quotes ("surname 0.93 similar")."""
    field = {"given": "given", "family": "family"}.get(comparison)
    return round(jw(a[field], b[field]), 2) if field else None

"""The identity benchmark's generator: the same rows for the same seed, and labels that say who is who."""

from collections import Counter, defaultdict

import pytest

from bench.identity_generator import KINDS, NOISES, generate, romanise, true_pairs

ROWS = 6000


@pytest.fixture(scope="module")
def rows():
    return generate(ROWS, seed=11)


def test_the_same_seed_gives_the_same_rows_and_another_seed_other_rows(rows):
    assert generate(ROWS, seed=11) == rows
    other = generate(ROWS, seed=12)
    assert len(other) == ROWS
    assert [r["given_name"] for r in other[:200]] != [r["given_name"] for r in rows[:200]]


def test_every_kind_and_every_noise_occurs(rows):
    assert set(Counter(r["kind"] for r in rows)) == set(KINDS)
    noises = Counter(n for r in rows for n in r["noise"].split("+") if n)
    assert set(noises) == set(NOISES)
    assert all(r["noise"] for r in rows if r["kind"] == "duplicate")
    assert not any(r["noise"] for r in rows if r["kind"] != "duplicate")


def test_a_duplicate_is_another_record_of_the_original_person(rows):
    originals = {r["entity"]: r for r in rows if r["kind"] == "original"}
    duplicates = [r for r in rows if r["kind"] == "duplicate"]
    assert len(duplicates) > ROWS * 0.15
    for dup in duplicates:
        original = originals[dup["entity"]]
        assert dup["id"] > original["id"]
        changed = {f for f in ("given_name", "family_name", "date_of_birth", "email", "phone", "phone_raw",
                               "national_id_index", "postal_code", "city", "address_line1") if dup[f] != original[f]}
        assert changed, dup  # every duplicate differs from its original somewhere
        if dup["noise"] == "dob_swap":
            a, b = original["date_of_birth"], dup["date_of_birth"]
            assert (a.year, a.month, a.day) == (b.year, b.day, b.month)
        if dup["noise"] == "swap_names":
            assert (dup["given_name"], dup["family_name"]) == (original["family_name"], original["given_name"])
        if dup["noise"] == "phone_format":
            assert dup["phone"] == original["phone"] and dup["phone_raw"] != original["phone"]
        if dup["noise"] == "email_domain":
            assert dup["email"].split("@")[0] == original["email"].split("@")[0] != ""
            assert dup["email"] != original["email"]
        if dup["noise"] == "moved":
            assert dup["address_line1"] != original["address_line1"] or dup["postal_code"] != original["postal_code"]


def test_hard_non_duplicates_are_people_of_their_own_sharing_what_households_share(rows):
    by_id = {r["id"]: r for r in rows}
    kinds = defaultdict(list)
    for r in rows:
        kinds[r["kind"]].append(r)
    for kind in ("family", "twin", "flatmate"):
        assert kinds[kind]
        for r in kinds[kind]:
            # Built right after the person they live with (the original or its last duplicate).
            home = next(by_id[i] for i in range(r["id"] - 1, 0, -1) if by_id[i]["kind"] == "original")
            assert r["entity"] != home["entity"] and r["related"] == home["entity"]
            assert (r["address_line1"], r["postal_code"], r["city"]) == (
                home["address_line1"], home["postal_code"], home["city"])
            assert r["given_name"] != home["given_name"]
            if kind == "twin" and home["date_of_birth"]:
                assert r["date_of_birth"] == home["date_of_birth"]
    for r in kinds["namesake"]:
        home = next(by_id[i] for i in range(r["id"] - 1, 0, -1) if by_id[i]["kind"] == "original")
        assert (r["given_name"], r["family_name"]) == (home["given_name"], home["family_name"])
        assert r["entity"] != home["entity"] and r["related"] == home["entity"]
        assert r["date_of_birth"] != home["date_of_birth"]


def test_true_pairs_are_the_pairs_of_records_of_one_person(rows):
    sizes = Counter(r["entity"] for r in rows)
    pairs = true_pairs(rows)
    assert len(pairs) == sum(k * (k - 1) // 2 for k in sizes.values())
    entity = {r["id"]: r["entity"] for r in rows}
    assert all(a < b and entity[a] == entity[b] for a, b in pairs)


@pytest.mark.parametrize(("name", "system", "latin"), [
    ("Юрий", "bgn", "Yuriy"), ("Юрий", "icao", "Iurii"), ("Юрий", "duden", "Jurij"),
    ("Γεώργιος", "elot", "Georgios"), ("Γεώργιος", "phonetic", "Yeoryios"),
    ("Jürgen", "german", "Juergen"), ("Łukasz", "plain", "Lukasz"),
])
def test_names_are_romanised_as_people_write_them(name, system, latin):
    assert romanise(name, system) == latin

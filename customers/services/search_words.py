"""The lexicon of name words behind typo-tolerant search (customers.SearchWord)."""

from __future__ import annotations


def search_words_prune() -> int:
    """Drop the search words (customers.SearchWord) that no customer's name has any longer, e.g. after
    a correction or an erasure: the lexicon must not keep a name the customers table has forgotten.
    PostgreSQL only (the lexicon is empty elsewhere); one statement; returns how many went."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return 0
    with connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM customers_searchword WHERE word NOT IN ("
            " SELECT DISTINCT w FROM customers_customer, unnest(string_to_array(search_name, ' ')) AS w"
            " WHERE length(w) >= 3)")
        return cursor.rowcount

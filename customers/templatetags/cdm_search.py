"""Which field of a search result the query matched, so narrow screens keep that column
(`{% load cdm_search %}`). Reads the search's own rules (customers.selectors); changes nothing."""

from __future__ import annotations

from django import template

from customers.normalize import normalize_text, search_key
from customers.selectors.search import phone_candidates

register = template.Library()


@register.simple_tag
def search_field(query, rows, visible=()) -> str:
    """"phone" or "email" when the query found these rows by that field (a phone typed in any form, an
    e-mail address or a fragment of one that is in no name), else "" (name or customer number, which
    the first column shows anyway)."""
    query = normalize_text(query)
    if not query:
        return ""
    if "phone" in visible and phone_candidates(query):
        return "phone"
    if "email" in visible:
        if "@" in query:
            return "email"
        fragment, key = query.lower(), search_key(query)
        if " " not in fragment and any(fragment in (c.email or "") and key not in (c.search_name or "")
                                       for c in rows):
            return "email"
    return ""

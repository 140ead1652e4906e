"""Panels other apps add to the 360° page (consents today; segments and identity later).

An app registers a function `(request, customer) -> dict` in its AppConfig.ready(); the page merges
what each returns into its context, and its template includes the app's partials when their key is
present. So the page knows no other app's views, and the apps depend on customers, never the reverse.
"""

from __future__ import annotations

from collections.abc import Callable

_PANELS: list[Callable] = []


def panel_register(context: Callable) -> None:
    if context not in _PANELS:
        _PANELS.append(context)


def panels_context(request, customer) -> dict:
    merged: dict = {}
    for context in _PANELS:
        merged |= context(request, customer)
    return merged


# What each record of a duplicate cluster holds, beyond its own rows (consents per purpose today; segment
# memberships later): an app registers `(user, customers) -> {customer pk: [(label, value), ...]}`.
_SUMMARIES: list[Callable] = []


def record_summary_register(summary: Callable) -> None:
    if summary not in _SUMMARIES:
        _SUMMARIES.append(summary)


def record_summaries(user, customers) -> dict[int, list[tuple[str, str]]]:
    merged: dict[int, list] = {c.pk: [] for c in customers}
    for summary in _SUMMARIES:
        for pk, rows in summary(user, customers).items():
            merged.setdefault(pk, []).extend(rows)
    return merged

"""Counting without a full-table COUNT on PostgreSQL (admin and list pages over a million rows)."""

from functools import cached_property

from django.core.paginator import Paginator
from django.db import connections
from django.db.models import QuerySet


class LargeTablePaginator(Paginator):
    """Unfiltered: the planner's row estimate; filtered: an exact count up to `cap`, then `cap`."""

    cap = 10_000

    @cached_property
    def count(self):
        qs = self.object_list
        if not isinstance(qs, QuerySet) or connections[qs.db].vendor != "postgresql":
            return super().count
        if not qs.query.where:
            estimate = table_row_estimate(qs.model, qs.db)
            if estimate > self.cap:
                return estimate
            return super().count
        # COUNT(*) over a LIMITed subquery: bounded work however large the table.
        return qs.order_by()[: self.cap].count()


def table_row_estimate(model, using: str = "default") -> int:
    with connections[using].cursor() as cursor:
        cursor.execute("SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass", [model._meta.db_table])
        row = cursor.fetchone()
    return max(int(row[0]) if row else 0, 0)


class PeekPage:
    """One page of a query without counting the query: per_page + 1 rows say whether a next page exists.

    For as-you-type search over a million customers, where a count of every match would cost more
    than the page itself and the agent narrows the search rather than paging. `total` is known only
    on the last page (None before it).
    """

    def __init__(self, queryset, number, per_page: int):
        try:
            self.number = max(int(number), 1)
        except (TypeError, ValueError):
            self.number = 1
        offset = (self.number - 1) * per_page
        rows = list(queryset[offset: offset + per_page + 1])
        self.object_list = rows[:per_page]
        self._has_next = len(rows) > per_page
        self.start_index = offset + 1 if self.object_list else 0
        self.end_index = offset + len(self.object_list)
        self.total = None if self._has_next else self.end_index

    def __iter__(self):
        return iter(self.object_list)

    def __len__(self):
        return len(self.object_list)

    def has_next(self) -> bool:
        return self._has_next

    def has_previous(self) -> bool:
        return self.number > 1

    def has_other_pages(self) -> bool:
        return self.has_next() or self.has_previous()

    def next_page_number(self) -> int:
        return self.number + 1

    def previous_page_number(self) -> int:
        return self.number - 1

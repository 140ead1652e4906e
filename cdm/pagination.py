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

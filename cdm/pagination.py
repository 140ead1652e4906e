"""Counting without a full-table COUNT on PostgreSQL (admin and list pages over a million rows), and
page numbers from the URL that can never break a page."""

import re
from functools import cached_property

from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.db import connections
from django.db.models import QuerySet

# The deepest row a page may start at. Nobody reads page 400 of a search; a larger OFFSET costs the
# database a scan of every row before it, and past 2**63 it is not even a number SQL takes.
MAX_OFFSET = 10_000

# Plain ASCII digits only: str.isdigit() is also true for "²" and int() also takes "٣" and "1_000".
_PAGE_NUMBER = re.compile(r"[0-9]{1,18}")


def page_number(value, per_page: int, *, max_offset: int = MAX_OFFSET) -> tuple[int, bool]:
    """A page number from user input: (number, clamped).

    Anything that is not a plain positive number ("", "abc", "²", "-3", "1e3", "0") is page 1; a number
    past the last page that starts within `max_offset` rows is that last page, with clamped=True.
    """
    text = str(value).strip() if isinstance(value, (str, int)) and not isinstance(value, bool) else ""
    last = max_offset // per_page + 1
    if not text.isascii() or not text.isdigit():
        return 1, False
    if not _PAGE_NUMBER.fullmatch(text) or int(text) > last:
        return last, True
    return max(int(text), 1), False


class LargeTablePaginator(Paginator):
    """Unfiltered: the planner's row estimate; filtered: an exact count up to `cap`, then `cap`."""

    cap = 10_000

    def validate_number(self, number):
        # Django's int() would take "٣" or "1_000", and a 5,000-digit number raises instead of paging.
        if isinstance(number, str):
            text = number.strip()
            if not re.fullmatch(r"-?[0-9]+", text):
                raise PageNotAnInteger(self.error_messages["invalid_page"])
            if len(text) > 18:
                raise EmptyPage(self.error_messages["no_results"])
            number = int(text)
        return super().validate_number(number)

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
        # `clamped`: the number asked for was past the deepest page (max_page); this is that page instead.
        self.number, self.clamped = page_number(number, per_page)
        offset = (self.number - 1) * per_page
        rows = list(queryset[offset: offset + per_page + 1])
        self.object_list = rows[:per_page]
        self._has_next = len(rows) > per_page
        self.start_index = offset + 1 if self.object_list else 0
        self.end_index = offset + len(self.object_list)
        self.total = None if self._has_next else self.end_index

    @staticmethod
    def max_page(per_page: int) -> int:
        return MAX_OFFSET // per_page + 1

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

"""Customer numbers for a batch: fresh ones, never one twice."""

from __future__ import annotations

from customers.models import Customer
from customers.services import customer_number_new


def customer_numbers(count: int, issued: set[str]) -> list[str]:
    """`count` fresh numbers from customer_number_new(), not in `issued` and not in the database.

    Adds them to `issued`, so one process handing numbers to several workers never gives one twice.
    """
    numbers: list[str] = []
    while len(numbers) < count:
        fresh: set[str] = set()
        while len(fresh) < count - len(numbers):
            number = customer_number_new()
            if number not in issued:
                fresh.add(number)
        candidates = list(fresh)
        clash: set[str] = set()
        for k in range(0, len(candidates), 900):  # SQLite's limit on query parameters
            clash.update(Customer.objects.filter(customer_number__in=candidates[k:k + 900])
                         .values_list("customer_number", flat=True))
        issued.update(fresh)
        numbers.extend(n for n in candidates if n not in clash)
    return numbers

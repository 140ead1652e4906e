"""The tables a demo batch fills, in write order, and the batch that holds their rows."""

from __future__ import annotations

from dataclasses import dataclass, field

from customers.bulk_copy import Table
from customers.models import (
    Activity,
    Customer,
    ExternalIdentity,
    Feedback,
    Note,
    Order,
    OrderLine,
    ProductHolding,
    ServiceRequest,
)

# Rows are tuples in these field orders (attnames). A foreign key named in a table's `links` holds
# the index of the referenced row in the same batch; the writers turn it into the real id.
CUSTOMER_FIELDS = ("customer_number",) + tuple(
    f.attname for f in Customer._meta.concrete_fields if f.attname not in ("id", "customer_number"))

TABLES = (
    Table("customers", "customers", Customer, CUSTOMER_FIELDS, referenced=True,
          history_date="created_at"),  # history shows the sign-up, not the seeding run
    Table("identities", "external ids", ExternalIdentity, ("customer_id", "system", "external_id", "created_at"),
          (("customer_id", "customers"),)),
    Table("orders", "orders", Order,
          ("customer_id", "order_number", "placed_at", "status", "channel", "currency", "total_amount"),
          (("customer_id", "customers"),), referenced=True),
    Table("lines", "order lines", OrderLine,
          ("order_id", "product_id", "sku", "description", "quantity", "unit_price", "line_total"),
          (("order_id", "orders"),)),
    Table("holdings", "holdings", ProductHolding,
          ("customer_id", "product_id", "status", "started_on", "ended_on", "quantity"),
          (("customer_id", "customers"),), referenced=True),
    Table("requests", "service requests", ServiceRequest,
          ("customer_id", "reference", "kind", "channel", "subject", "description", "priority", "status",
           "assignee_id", "created_by_id", "resolution", "opened_at", "closed_at", "updated_at"),
          (("customer_id", "customers"),), referenced=True),
    Table("feedback", "feedback", Feedback,
          ("customer_id", "service_request_id", "kind", "score", "comment", "channel", "received_at"),
          (("customer_id", "customers"), ("service_request_id", "requests"))),
    Table("activities", "activities", Activity, ("customer_id", "kind", "occurred_at", "source", "properties"),
          (("customer_id", "customers"),)),
    Table("notes", "notes", Note, ("customer_id", "author_id", "body", "pinned", "created_at"),
          (("customer_id", "customers"),)),
)


@dataclass
class Batch:
    """The rows of one batch, as tuples in TABLES order (see Table.fields)."""

    indexes: list = field(default_factory=list)  # demo index i of each customer row
    customers: list = field(default_factory=list)
    identities: list = field(default_factory=list)
    orders: list = field(default_factory=list)
    lines: list = field(default_factory=list)
    holdings: list = field(default_factory=list)
    requests: list = field(default_factory=list)
    feedback: list = field(default_factory=list)
    activities: list = field(default_factory=list)
    notes: list = field(default_factory=list)
    duplicates: int = 0
    dropped: dict = field(default_factory=dict)

    def with_numbers(self, numbers: list[str]) -> None:
        self.customers = [(number, *row[1:]) for number, row in zip(numbers, self.customers, strict=True)]

    def counts(self) -> dict[str, int]:
        return {t.label: len(getattr(self, t.key)) for t in TABLES}


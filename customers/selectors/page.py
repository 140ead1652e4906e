"""What the 360° page shows besides the service desk: history, timeline, products, live changes."""

from __future__ import annotations

from cdm import access
from cdm.access import SENSITIVE_FIELDS
from cdm.pagination import page_number
from customers.models import UNTRACKED_FIELDS, Customer
from customers.selectors.customers import _user_label


def history_fields(user) -> list[str]:
    """Fields whose old → new values `user` may read in the change history."""
    # Sensitive values never appear in history listings: the audited reveal is their only way out.
    hidden = UNTRACKED_FIELDS | {"version", "national_id_index"} | set(SENSITIVE_FIELDS)
    return [f for f in access.customer_fields(user) if Customer._meta.get_field(f).editable and f not in hidden]


def customer_history(*, customer: Customer, user, limit: int = 50) -> list[dict]:
    """Change history, newest first: who, when, why, and old → new for the fields the user may see."""
    visible = history_fields(user)
    records = list(customer.history.select_related("history_user").defer(*SENSITIVE_FIELDS)
                   .order_by("-history_date", "-history_id")[: limit + 1])
    entries = []
    for newer, older in zip(records, records[1:] + [None]):
        changes = []
        if older is not None:
            delta = newer.diff_against(older, included_fields=visible)
            changes = [
                {"field": Customer._meta.get_field(c.field).verbose_name, "old": c.old, "new": c.new}
                for c in delta.changes
            ]
        entries.append({
            "date": newer.history_date,
            "user": _user_label(newer.history_user),
            "reason": newer.history_change_reason or "",
            "type": newer.get_history_type_display(),
            "changes": changes,
        })
    return entries[:limit]


TIMELINE_PAGE_SIZE = 20


def customer_timeline(*, customer: Customer, user, page: int = 1) -> dict:
    """Orders, events, notes, requests and feedback, newest first, as one UNION query.

    Only the kinds the user's role may see take part (agents see no behavioural events,
    marketing no notes, requests or feedback).
    """
    from django.db.models import CharField, F, Value
    from django.db.models.functions import Cast, Concat, Left

    from customers.models import Activity, Feedback, Note, Order, ServiceRequest

    text = CharField()
    # Annotations get an entry_ prefix: "kind" is already a field of several of these models.
    sources = {
        Order: dict(entry_kind=Value("order", text), entry_at=F("placed_at"), entry_title=Concat(
            Value("Order "), "order_number", Value(" · "), Cast("total_amount", text), Value(" "), "currency",
            output_field=text), entry_detail=F("status")),
        Activity: dict(entry_kind=Value("event", text), entry_at=F("occurred_at"), entry_title=F("kind"), entry_detail=F("source")),
        Note: dict(entry_kind=Value("note", text), entry_at=F("created_at"), entry_title=Left("body", 300), entry_detail=Value("", text)),
        ServiceRequest: dict(entry_kind=F("kind"), entry_at=F("opened_at"), entry_title=Concat(
            "reference", Value(" · "), "subject", output_field=text), entry_detail=F("status")),
        Feedback: dict(entry_kind=Value("feedback", text), entry_at=F("received_at"), entry_title=F("comment"),
                       entry_detail=Cast("score", text)),
    }
    parts = [
        model.objects.of_customer(user, customer).annotate(**columns).values("entry_kind", "entry_at", "entry_title", "entry_detail")
        .order_by()  # the models' default ordering is not allowed inside a UNION
        for model, columns in sources.items()
        if access.can_see_model(user, model) and user.has_perm(f"customers.view_{model._meta.model_name}")
    ]
    if not parts:
        return {"entries": [], "page": 1, "has_next": False, "has_previous": False}
    page, _clamped = page_number(page, TIMELINE_PAGE_SIZE)
    offset = (page - 1) * TIMELINE_PAGE_SIZE
    union = parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]
    rows = [{key.removeprefix("entry_"): value for key, value in row.items()}
            for row in union.order_by("-entry_at")[offset: offset + TIMELINE_PAGE_SIZE + 1]]
    labels = dict(Activity.Kind.choices)
    for row in rows:
        if row["kind"] == "event":
            row["title"] = labels.get(row["title"], row["title"])
    return {"entries": rows[:TIMELINE_PAGE_SIZE], "page": page, "has_next": len(rows) > TIMELINE_PAGE_SIZE,
            "has_previous": page > 1}


def customer_holdings(*, customer: Customer, user) -> list:
    from customers.models import ProductHolding

    if not access.can_see_model(user, ProductHolding) or not user.has_perm("customers.view_productholding"):
        return []
    return list(ProductHolding.objects.of_customer(user, customer).select_related("product")
                .order_by("status", "-started_on"))


def customer_change_since(*, customer: Customer, version: int) -> dict | None:
    """Who changed the customer after `version` (for the live-record banner), or None."""
    if customer.version <= version:
        return None
    last = customer.history.select_related("history_user").order_by("-history_date", "-history_id").first()
    return {"version": customer.version, "user": _user_label(getattr(last, "history_user", None)),
            "at": getattr(last, "history_date", None), "reason": getattr(last, "history_change_reason", "") or ""}

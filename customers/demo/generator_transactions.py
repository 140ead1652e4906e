"""The generator, part two: customer *i*'s transactional rows (holdings, orders and their lines,
activities, service requests and their surveys, feedback, notes), drawn on from where its person
left off, so they too are a function of *i* alone.
"""

from __future__ import annotations

import bisect
import datetime
import itertools
import math
from decimal import Decimal

from customers.demo.constants import (
    ACTIVITY_CUM,
    ACTIVITY_NAMES,
    CAMPAIGNS,
    FEEDBACK_COMMENTS,
    FROZEN_PROPS,
    NOTES,
    ORDER_CHANNEL_CUM,
    ORDER_CHANNELS,
    PATHS,
    REFERRERS,
    RESOLUTIONS,
    SITE,
    SR_CHANNEL_CUM,
    SR_CHANNELS,
    SR_PRIORITIES,
    SR_PRIORITY_CUM,
    SR_SUBJECTS,
)
from customers.demo.locales import Locale
from customers.demo.pools import pick, random_sample, weighted
from customers.demo.setup import PLAN_WEIGHTS
from customers.demo.tables import Batch
from customers.models import (
    Customer,
    Feedback,
    Order,
    Product,
    ProductHolding,
    ServiceRequest,
)

_ORDER_LINES = (1, 2, 3)
_ORDER_LINES_CUM = list(itertools.accumulate((55, 30, 15)))
_CSAT_LOW_CUM = list(itertools.accumulate((3, 3, 3, 2, 1)))
_CSAT_HIGH_CUM = list(itertools.accumulate((1, 1, 2, 4, 6)))
_NPS_CUM = list(itertools.accumulate((1, 1, 1, 2, 2, 3, 4, 6, 9, 8, 6)))
_PLAN_CUM = list(itertools.accumulate(PLAN_WEIGHTS))
_PAYING = frozenset({Customer.LifecycleStage.CUSTOMER, Customer.LifecycleStage.FORMER})
_SR_DESCRIPTION = "Customer called about this; details in the call notes."
_LEGACY_NOTE = "Imported from the legacy CRM; not yet checked against existing customers."


class TransactionRows:
    """Generator's half that writes a customer's transactional rows.

    Uses what Generator.__init__ sets: now, today, agent_ids, plans, goods and _prices.
    """

    def _rows(self, ci: int, customer: dict, i: int, r, loc: Locale, is_dup: bool, batch: Batch):
        """Transactional rows of one customer; returns the time of the newest (its last activity)."""
        stage = customer["lifecycle_stage"]
        start = customer["created_at"]
        now = self.now
        end = now
        if stage == Customer.LifecycleStage.FORMER or r() < 0.06:  # gone quiet
            end = start + (now - start) * (0.2 + 0.6 * r())
        span = max((end - start).total_seconds(), 60.0)
        timedelta = datetime.timedelta

        def when():  # skewed to recent
            return start + timedelta(seconds=span * r() ** 0.7)

        agent_id = self.agent_ids.get(customer["team_id"])
        currency = loc.currency
        latest = None
        # Holdings: most paying customers hold a plan.
        if stage in _PAYING and r() < 0.92:
            plan = weighted(r, self.plans, _PLAN_CUM)
            started = min((start + timedelta(days=int(r() * 30))).date(), self.today)
            if stage == Customer.LifecycleStage.FORMER:
                status, ended = ProductHolding.Status.CANCELLED, max(end.date(), started)
            else:
                status, ended = (ProductHolding.Status.SUSPENDED if r() < 0.03 else ProductHolding.Status.ACTIVE), None
            batch.holdings.append((ci, plan.pk, status, started, ended, 1))
            if r() < 0.3:
                batch.holdings.append((ci, pick(r, self.goods).pk, status, started, ended, pick(r, (1, 1, 1, 2))))
        # Orders
        if stage == Customer.LifecycleStage.CUSTOMER:
            n_orders = 1 + min(int(-math.log(1.0 - r()) / 0.9), 6)
        elif stage == Customer.LifecycleStage.FORMER:
            n_orders = 1 + int(r() * 3)
        elif stage == Customer.LifecycleStage.PROSPECT:
            n_orders = int(r() < 0.25)
        else:
            n_orders = 0
        if is_dup:
            n_orders = min(n_orders, 1)
        goods, prices, lines = self.goods, self._prices, batch.lines
        for k in range(n_orders):
            placed = when()
            if latest is None or placed > latest:
                latest = placed
            age = (now - placed).days
            status = (Order.Status.CANCELLED if r() < 0.04 else Order.Status.REFUNDED if r() < 0.02
                      else Order.Status.PLACED if age < 2 else Order.Status.PAID if age < 4
                      else Order.Status.SHIPPED if age < 10 else Order.Status.DELIVERED)
            channel = weighted(r, ORDER_CHANNELS, ORDER_CHANNEL_CUM)
            oi = len(batch.orders)
            total = Decimal("0")
            for product in random_sample(r, goods, weighted(r, _ORDER_LINES, _ORDER_LINES_CUM)):
                qty = pick(r, (1, 1, 1, 2, 3)) if product.kind == Product.Kind.PRODUCT else 1
                price = prices[product.code, currency]
                line_total = price * qty
                lines.append((oi, product.pk, product.code, product.name, qty, price, line_total))
                total += line_total
            batch.orders.append((ci, f"ORD-D{i:08d}-{k + 1}", placed, status, channel, currency, total))
        # Activities
        n_act = 0 if is_dup else int(r() * 19)
        append, bisect_right, names, cum, total = batch.activities.append, bisect.bisect_right, \
            ACTIVITY_NAMES, ACTIVITY_CUM, ACTIVITY_CUM[-1]
        for _k in range(n_act):  # the bulk of all rows: weighted, when() and pick inlined
            kind = names[bisect_right(cum, r() * total)]
            at = start + timedelta(seconds=span * r() ** 0.7)
            if latest is None or at > latest:
                latest = at
            frozen = FROZEN_PROPS.get(kind)
            props, source = frozen[int(r() * len(frozen))] if frozen is not None else self._activity(kind, r)
            append((ci, kind, at, source, props))
        # Service requests (+ satisfaction surveys on closed ones)
        if stage != Customer.LifecycleStage.LEAD and r() < 0.35:
            for k in range(pick(r, (1, 1, 1, 2))):
                kind = ServiceRequest.Kind.COMPLAINT if r() < 0.2 else ServiceRequest.Kind.REQUEST
                if end is now and r() < 0.25:  # the service desk's current work: opened this month
                    opened = max(now - timedelta(days=30 * r()), start)
                else:
                    opened = when()
                if latest is None or opened > latest:
                    latest = opened
                is_open = (now - opened).days < 21 and r() < 0.7
                channel = weighted(r, SR_CHANNELS, SR_CHANNEL_CUM)
                subject = pick(r, SR_SUBJECTS[kind])
                priority = (weighted(r, SR_PRIORITIES, SR_PRIORITY_CUM) if kind == ServiceRequest.Kind.REQUEST
                            else pick(r, (ServiceRequest.Priority.HIGH, ServiceRequest.Priority.NORMAL)))
                created_by = agent_id if r() < 0.5 else None
                resolution, closed_at = "", None
                ri = len(batch.requests)
                if is_open:
                    status = pick(r, ServiceRequest.OPEN_STATUSES)
                else:
                    status = pick(r, (ServiceRequest.Status.RESOLVED, ServiceRequest.Status.CLOSED))
                    resolution = pick(r, RESOLUTIONS)
                    closed_at = min(opened + timedelta(hours=1 + 239 * r()), now)
                    if r() < 0.5:
                        score = weighted(r, (1, 2, 3, 4, 5),
                                          _CSAT_LOW_CUM if kind == ServiceRequest.Kind.COMPLAINT else _CSAT_HIGH_CUM)
                        received = min(closed_at + timedelta(hours=1 + 47 * r()), now)
                        comment = pick(r, FEEDBACK_COMMENTS) if r() < 0.3 else ""
                        batch.feedback.append((ci, ri, Feedback.Kind.CSAT, score, comment, "email", received))
                # updated_at: the last change (auto_now would say "now" for every request ever seeded).
                batch.requests.append((ci, f"SR-D{i:08d}-{k + 1}", kind, channel, subject, _SR_DESCRIPTION, priority,
                                       status, agent_id, created_by, resolution, opened, closed_at,
                                       closed_at or opened))
        if stage in _PAYING and r() < 0.15:
            score = weighted(r, range(11), _NPS_CUM)
            received = when()
            comment = pick(r, FEEDBACK_COMMENTS) if r() < 0.3 else ""
            batch.feedback.append((ci, None, Feedback.Kind.NPS, score, comment, "survey", received))
        # Notes
        if is_dup:
            batch.notes.append((ci, None, _LEGACY_NOTE, False, start))
        elif r() < 0.2:
            body, pinned = pick(r, NOTES), r() < 0.1
            batch.notes.append((ci, agent_id, body, pinned,
                                start + timedelta(seconds=max((now - start).total_seconds(), 60.0) * r() ** 0.7)))
        return latest

    def _activity(self, kind: str, r) -> tuple[dict, str]:
        """Properties valid for the kind's schema (customers.activity_schemas; the tests check them)."""
        frozen = FROZEN_PROPS.get(kind)
        if frozen is not None:
            return pick(r, frozen)
        path = pick(r, PATHS)
        if kind == "visit":
            props = {"url": SITE + path, "duration_s": int(-math.log(1.0 - r()) * 180) + 5}
            if r() < 0.5:
                props["referrer"] = pick(r, REFERRERS)
            if r() < 0.3:
                props["utm_campaign"] = pick(r, CAMPAIGNS)
            return props, "website"
        if kind == "email_click":
            campaign = pick(r, CAMPAIGNS)
            return {"campaign": campaign, "url": f"{SITE}{path}?utm_campaign={campaign}"}, "email"
        # cart_add
        product = pick(r, self.goods)
        return {"sku": product.code, "quantity": pick(r, (1, 1, 2)), "price": float(product.unit_price)}, "website"

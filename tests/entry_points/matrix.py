"""The entry-point matrix: every URL pattern × every role × every scope, and what must happen.

How to read a row:

    "customers:notes": Entry(
        customer=True,                       # the URL names a customer: one case per scope
        get=by_role(anonymous=LOGIN, agents=team(OK), marketer=DENIED, ...),
        post=by_role(...), data=..., effect=...),

Roles are the demo cast of tests/conftest.py (`users`) plus "anonymous". Scopes say where the
target customer stands for the user (SCOPES): in the user's own team, in another team, in another
team with a per-customer *view* grant, or with a *change* grant. Roles without a team (marketer,
steward, admin, nobody) have no "own" scope; anonymous only has "other".

Outcomes (Outcome): OK (200), LOGIN (302 to a login page), DENIED (403), HIDDEN (404: the
customer does not exist for the user; the body names neither the customer nor their number),
NOT_ALLOWED (405); for lists, LISTED / UNLISTED (200, the customer in the results or not); for
POSTs, WROTE (the write happened) and REFUSED/NO_WRITE... (it did not). Where today's code is
wrong, the row holds the CORRECT outcome wrapped in `outcome`: the case
is a strict xfail until the fix lands, then the mark must go (remove the `wrong(...)` wrapper).

A URL pattern without a row fails test_every_url_pattern_has_rows. Admin URLs are generated from
admin.site._registry (admin_entries()) with the rules per model in ADMIN_MODELS.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace

import pytest

from cdm.access import SYSTEM

ROLES = ("anonymous", "agent", "agent-south", "marketer", "steward", "admin", "nobody")
AGENTS = ("agent", "agent-south")
SCOPES = {
    "anonymous": ("other",),
    "agent": ("own", "other", "view", "change"),
    "agent-south": ("own", "other", "view", "change"),
    "marketer": ("other", "view", "change"),
    "steward": ("other", "view", "change"),
    "admin": ("other", "view", "change"),
    "nobody": ("other", "view", "change"),
}
STAFF = ("steward", "admin")


# --- outcomes -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Outcome:
    """What the user notices. `status`: the allowed status codes. `login`: a redirect to a login page.
    `listed`: (lists) the target customer is in the page or not. `wrote`: (POST) the write happened."""

    label: str
    status: frozenset
    login: bool = False
    listed: bool | None = None
    wrote: bool | None = None
    reason: str = ""  # set by wrong()/known(): the case is an xfail
    strict: bool = True

    def __repr__(self):
        return self.label


def _o(label, *status, **kw):
    return Outcome(label, frozenset(status), **kw)


OK = _o("200", 200)
REDIRECT = _o("302", 302)
MOVED = _o("301", 301)
LOGIN = _o("302-login", 302, login=True)
DENIED = _o("403", 403)
HIDDEN = _o("404", 404)
NOT_ALLOWED = _o("405", 405)
LISTED = _o("200-listed", 200, listed=True)
UNLISTED = _o("200-unlisted", 200, listed=False)
# POST
WROTE = _o("302-wrote", 302, wrote=True)  # done, redirected to the page that shows it
LOGIN_NO_WRITE = _o("302-login-no-write", 302, login=True, wrote=False)
DENIED_NO_WRITE = _o("403-no-write", 403, wrote=False)
HIDDEN_NO_WRITE = _o("404-no-write", 404, wrote=False)
NOT_ALLOWED_NO_WRITE = _o("405-no-write", 405, wrote=False)
INVALID_NO_WRITE = _o("200-form-error-no-write", 200, wrote=False)  # the form says why
# Refused by a fix still to come: 403 (may see, may not write) or 404, nothing written.
REFUSED = _o("403/404-no-write", 403, 404, wrote=False)
# The API (JSON): 401 without credentials, the status codes of REST for the rest.
UNAUTHORIZED = _o("401", 401)
UNAUTHORIZED_NO_WRITE = _o("401-no-write", 401, wrote=False)
CREATED = _o("201-wrote", 201, wrote=True)
UPDATED = _o("200-wrote", 200, wrote=True)
ANSWERED_NO_WRITE = _o("200-no-write", 200, wrote=False)  # a batch: every record's error in the answer
BAD_NO_WRITE = _o("400-no-write", 400, wrote=False)
# Refused with a message on the customer's page (302), or 403/404: nothing written.
REFUSED_OR_MESSAGE = _o("302/403/404-no-write", 302, 403, 404, wrote=False)


def wrong(outcome: Outcome, reason: str) -> Outcome:
    """Today's code does otherwise: the correct outcome, as a strict xfail naming the issue item."""
    return replace(outcome, reason=reason, strict=True)


def known(outcome: Outcome, reason: str) -> Outcome:
    """A known, flaky or environment-dependent failure: non-strict xfail."""
    return replace(outcome, reason=reason, strict=False)


def team(own, other=HIDDEN, view=None, change=None) -> dict:
    """Rules of a team-scoped role: own team / other team / other team with a view or change grant.
    A view grant defaults to the own-team outcome, a change grant too."""
    return {"own": own, "other": other, "view": own if view is None else view,
            "change": own if change is None else change}


def by_role(*, anonymous, agents, marketer, steward, admin, nobody) -> dict:
    """Every role, named: an Outcome (the same for every scope) or {scope: Outcome} (team())."""
    return {"anonymous": anonymous, "agent": agents, "agent-south": agents, "marketer": marketer,
            "steward": steward, "admin": admin, "nobody": nobody}


def everyone(outcome) -> dict:
    return {role: outcome for role in ROLES}


def staff_only(steward, admin, *, others=LOGIN) -> dict:
    """Admin pages: every role that is not staff is sent to the admin login."""
    return {role: others for role in ROLES} | {"steward": steward, "admin": admin}


# --- rows ---------------------------------------------------------------------------------------

@dataclass
class Entry:
    """One URL pattern. `args(world)`: reverse() kwargs (or a list of args); `query(world)`: GET query;
    `data(world)`: POST data; `effect(world)`: a value that changes when the POST wrote;
    `setup(world)`: run before the request (e.g. archive the customer before a restore)."""

    get: dict
    post: dict | None = None
    put: dict | None = None
    patch: dict | None = None
    json: bool = False  # the body is sent as JSON (the API)
    customer: bool = False
    args: Callable | None = None
    query: Callable | None = None
    data: Callable | None = None
    effect: Callable | None = None
    setup: Callable | None = None
    htmx: bool = False
    name: str = ""
    route: str = ""
    crawl: bool = True  # the junk-parameter crawl GETs it (not for pages that only redirect)
    extra: dict = field(default_factory=dict)


def _customer(world):
    return {"customer_number": world.customer.customer_number}


def _search_target(world):
    return {"q": world.customer.customer_number}


def _matches_target(world):
    c = world.customer
    return {"family_name": c.family_name, "given_name": c.given_name, "email": c.email}


def _request(world):
    return {"customer_number": world.customer.customer_number, "reference": world.service_request.reference}


def _new_customer(world):
    return {"team": world.customer.team_id, "given_name": "Newt", "family_name": "Newcombe-Matrix",
            "email": "newt.newcombe@example.org", "phone": "", "country": "GB", "lifecycle_stage": "lead",
            "source": "phone"}


def _created(world):
    from customers.models import Customer

    return Customer.objects.filter(family_name="Newcombe-Matrix").count()


def _log_request(world):
    return {"sr-new-kind": "request", "sr-new-channel": "phone", "sr-new-subject": "Matrix: router reboots",
            "sr-new-priority": "normal", "sr-new-assignee": ""}


def _requests_logged(world):
    return world.customer.service_requests.filter(subject="Matrix: router reboots").count()


def _status_change(world):
    return {"action": "status", f"{world.service_request.reference}-status-status": "in_progress"}


def _request_status(world):
    return type(world.service_request).objects.get(pk=world.service_request.pk).status


def _note(world):
    return {"note-body": "Matrix: called back.", "note-pinned": ""}


def _notes(world):
    return world.customer.notes.filter(body="Matrix: called back.").count()


def _edit(world):
    """The edit form as the user would post it: every field they may edit, the city changed."""
    from cdm import access

    customer = type(world.customer).objects.get(pk=world.customer.pk)
    fields = access.customer_fields(world.user, "edit") if world.user.is_authenticated else ["city"]
    data = {}
    for name in fields:
        if name in ("team", "owner"):
            continue
        value = getattr(customer, name)
        data[name] = "" if value is None else (value.isoformat() if hasattr(value, "isoformat") else str(value))
    return data | {"city": "Matrixville", "version": customer.version, "change_reason": "matrix"}


def _city(world):
    return type(world.customer).objects.get(pk=world.customer.pk).city


def _archive(world):
    from customers import services

    world.customer.status = "archived"
    services.customer_bulk_update(customers=[world.customer], fields=["status"], by=SYSTEM, reason="archived: matrix")


def _customer_status(world):
    return type(world.customer).objects.get(pk=world.customer.pk).status


def _reveals(world):
    from cdm.models import AuditEvent

    return AuditEvent.objects.filter(action="customer.reveal").count()


def _consent(world):
    return {"purpose": world.purposes["email-marketing"].pk, "granted": "withdrawn",
            "note": "Caller asked to stop marketing e-mails.", "evidence": ""}


def _consents(world):
    return world.customer.consent_records.count()


def _survey(world):
    return {"token": world.survey_token}


def _survey_answer(world):
    return {"score": "4", "comment": "Quick."}


def _survey_answers(world):
    return world.customer.feedback.filter(channel="survey").count()


ISSUE_1_2 = "issue 9 item 1.2: a view grant allows writes"
# Reproduction: customer_grant(customer=<North customer>, action="change", by=None, user=<agent-south>);
# as agent-south, GET /customers/<number>/ -> 404 (and every page of it but /edit/ -> 404), though
# /edit/ -> 200 and the edit POST saves: restrict(user, "view") ignores per-customer *change* grants.
CHANGE_GRANT = "found by the matrix: a per-customer change grant does not let the user see the customer (404)"
SEEN = OK
ISSUE_1_9 = "issue 9 item 1.9: status changes (restore) belong to stewards and admins"

# Pages of the service desk that a role without the service field group (marketing) may not open,
# on a customer it may see: 403; a customer it may not see: 404 first.
DESK_GET = by_role(anonymous=LOGIN, agents=team(OK, change=SEEN), marketer=DENIED, steward=OK, admin=OK,
                   nobody=HIDDEN)
CUSTOMER_GET = by_role(anonymous=LOGIN, agents=team(OK, change=SEEN), marketer=OK, steward=OK, admin=OK,
                       nobody=HIDDEN)
WROTE_WITH_CHANGE_GRANT = WROTE
POST_ONLY = by_role(anonymous=LOGIN, agents=NOT_ALLOWED, marketer=NOT_ALLOWED, steward=NOT_ALLOWED,
                    admin=NOT_ALLOWED, nobody=NOT_ALLOWED)

def _pair(world):
    """An open candidate pair of the target customer and another of its team (cached on the world)."""
    from tests import factories as f

    if "_pair" not in world.__dict__:
        other = f.CustomerFactory(team=world.customer.team, given_name="Pairing", family_name="Matrix",
                                  email="pairing.matrix@example.org", phone="")
        world.__dict__["_pair"] = f.DuplicateCandidateFactory(customer=world.customer, other=other)
    return world.__dict__["_pair"]


def _pair_status(world):
    return type(_pair(world)).objects.get(pk=_pair(world).pk).status


def _pair_skipped(world):
    return type(_pair(world)).objects.get(pk=_pair(world).pk).skipped_at is not None


def _merged(world):
    """The target customer with its pair merged into it (for the merge page and its undo)."""
    from customers import services

    if "_merge" not in world.__dict__:
        pair = _pair(world)
        other = pair.customer_b if pair.customer_a_id == world.customer.pk else pair.customer_a
        world.__dict__["_merge"] = services.customers_merge(survivor=world.customer, absorbed=[other], by=SYSTEM)
    return world.__dict__["_merge"]


def _merges(world):
    from customers.models import Merge

    return list(Merge.objects.values_list("status", flat=True))


def _merge_form(world):
    pair = _pair(world)
    return {"records": [pair.customer_a_id, pair.customer_b_id], "survivor": world.customer.pk}


# The review queue exists for stewards and admins only: for everyone else it is not there (404).
STEWARDS_ONLY_GET = by_role(anonymous=LOGIN, agents=HIDDEN, marketer=HIDDEN, steward=OK, admin=OK, nobody=HIDDEN)
STEWARDS_ONLY_POST = by_role(anonymous=LOGIN_NO_WRITE, agents=HIDDEN_NO_WRITE, marketer=HIDDEN_NO_WRITE,
                             steward=WROTE, admin=WROTE, nobody=HIDDEN_NO_WRITE)

SITE: dict[str, Entry] = {
    "customers:duplicates": Entry(
        customer=True, setup=_pair,
        get=by_role(anonymous=LOGIN, agents=HIDDEN, marketer=HIDDEN, steward=LISTED, admin=LISTED, nobody=HIDDEN)),
    "customers:duplicate_cluster": Entry(customer=True, args=lambda w: [_pair(w).cluster], get=STEWARDS_ONLY_GET),
    "customers:duplicate_merge": Entry(customer=True, args=lambda w: [_pair(w).cluster], get=STEWARDS_ONLY_GET,
                                       post=STEWARDS_ONLY_POST, data=_merge_form, effect=_merges),
    "customers:merge": Entry(customer=True, setup=_merged, args=lambda w: [_merged(w).pk], get=STEWARDS_ONLY_GET,
                             post=STEWARDS_ONLY_POST, data=lambda w: {"reason": "matrix"}, effect=_merges),
    "customers:duplicate_dismiss": Entry(customer=True, args=lambda w: [_pair(w).pk], get=POST_ONLY,
                                         post=STEWARDS_ONLY_POST, data=lambda w: {"note": "matrix"},
                                         effect=_pair_status),
    "customers:duplicate_skip": Entry(customer=True, args=lambda w: [_pair(w).pk], get=POST_ONLY,
                                      post=STEWARDS_ONLY_POST, data=lambda w: {}, effect=_pair_skipped),
    "home": Entry(get=by_role(anonymous=LOGIN, agents=OK, marketer=OK, steward=OK, admin=OK, nobody=OK)),
    "login": Entry(get=everyone(OK)),
    "favicon": Entry(get=everyone(MOVED)),
    "logout": Entry(get=everyone(NOT_ALLOWED), post=everyone(LOGIN), crawl=False),
    "customers:list": Entry(
        customer=True, query=_search_target,
        get=by_role(anonymous=LOGIN, agents=team(LISTED, UNLISTED, change=LISTED),
                    marketer=LISTED, steward=LISTED, admin=LISTED, nobody=UNLISTED)),
    "customers:create": Entry(
        customer=True,  # the scope is the team the new customer is for (a grant gives no team right)
        get=by_role(anonymous=LOGIN, agents=OK, marketer=DENIED, steward=OK, admin=OK, nobody=DENIED),
        post=by_role(anonymous=LOGIN_NO_WRITE, agents=team(WROTE, INVALID_NO_WRITE, INVALID_NO_WRITE, INVALID_NO_WRITE),
                     marketer=DENIED_NO_WRITE, steward=WROTE, admin=WROTE, nobody=DENIED_NO_WRITE),
        data=_new_customer, effect=_created),
    "customers:create_matches": Entry(
        customer=True, query=_matches_target, htmx=True,
        get=by_role(anonymous=LOGIN, agents=team(LISTED, UNLISTED, change=LISTED),
                    marketer=DENIED, steward=LISTED, admin=LISTED, nobody=DENIED)),
    "customers:my_requests": Entry(
        customer=True,  # the target customer has an open request assigned to the user
        get=by_role(anonymous=LOGIN, agents=team(LISTED, UNLISTED), marketer=DENIED, steward=LISTED, admin=LISTED,
                    nobody=DENIED)),
    "customers:detail": Entry(customer=True, args=_customer, get=CUSTOMER_GET),
    "customers:service_requests": Entry(
        customer=True, args=_customer, get=DESK_GET,
        post=by_role(anonymous=LOGIN_NO_WRITE,
                     agents=team(WROTE, HIDDEN_NO_WRITE, REFUSED,
                                 WROTE_WITH_CHANGE_GRANT),
                     marketer=DENIED_NO_WRITE, steward=WROTE, admin=WROTE, nobody=HIDDEN_NO_WRITE),
        data=_log_request, effect=_requests_logged),
    "customers:service_request": Entry(
        customer=True, args=_request, get=POST_ONLY,
        post=by_role(anonymous=LOGIN_NO_WRITE, agents=team(WROTE, HIDDEN_NO_WRITE, REFUSED, WROTE_WITH_CHANGE_GRANT),
                     marketer=DENIED_NO_WRITE, steward=WROTE, admin=WROTE, nobody=HIDDEN_NO_WRITE),
        data=_status_change, effect=_request_status),
    "customers:notes": Entry(
        customer=True, args=_customer, get=DESK_GET,
        post=by_role(anonymous=LOGIN_NO_WRITE,
                     agents=team(WROTE, HIDDEN_NO_WRITE, REFUSED,
                                 WROTE_WITH_CHANGE_GRANT),
                     marketer=DENIED_NO_WRITE, steward=WROTE, admin=WROTE, nobody=HIDDEN_NO_WRITE),
        data=_note, effect=_notes),
    "customers:feedback": Entry(
        customer=True, args=_customer, get=DESK_GET,
        post=by_role(anonymous=LOGIN_NO_WRITE, agents=NOT_ALLOWED_NO_WRITE,
                     marketer=NOT_ALLOWED_NO_WRITE, steward=NOT_ALLOWED_NO_WRITE, admin=NOT_ALLOWED_NO_WRITE,
                     nobody=NOT_ALLOWED_NO_WRITE),
        data=lambda w: {"comment": "x"}, effect=lambda w: w.customer.feedback.count()),
    "customers:edit": Entry(
        customer=True, args=_customer,
        get=by_role(anonymous=LOGIN, agents=team(OK, view=HIDDEN), marketer=DENIED, steward=OK, admin=OK,
                    nobody=HIDDEN),
        post=by_role(anonymous=LOGIN_NO_WRITE, agents=team(WROTE, view=HIDDEN_NO_WRITE, other=HIDDEN_NO_WRITE),
                     marketer=DENIED_NO_WRITE, steward=WROTE, admin=WROTE, nobody=HIDDEN_NO_WRITE),
        data=_edit, effect=_city),
    "customers:restore": Entry(
        customer=True, args=_customer, setup=_archive, get=POST_ONLY,
        post=by_role(anonymous=LOGIN_NO_WRITE,
                     agents=team(REFUSED_OR_MESSAGE, HIDDEN_NO_WRITE, view=HIDDEN_NO_WRITE,
                                 change=REFUSED_OR_MESSAGE),
                     marketer=REFUSED_OR_MESSAGE, steward=WROTE, admin=WROTE,
                     nobody=HIDDEN_NO_WRITE),
        data=lambda w: {"reason": "matrix"}, effect=_customer_status),
    "customers:timeline": Entry(customer=True, args=_customer, get=CUSTOMER_GET),
    "customers:version": Entry(customer=True, args=_customer, get=CUSTOMER_GET),
    # No role of the cast holds the sensitive permission: every reveal is refused, none audited.
    "customers:reveal": Entry(
        customer=True, args=_customer, get=POST_ONLY,
        post=by_role(anonymous=LOGIN_NO_WRITE,
                     agents=team(DENIED_NO_WRITE, HIDDEN_NO_WRITE, change=DENIED_NO_WRITE),
                     marketer=DENIED_NO_WRITE,
                     steward=DENIED_NO_WRITE, admin=DENIED_NO_WRITE, nobody=HIDDEN_NO_WRITE),
        data=lambda w: {}, effect=_reveals),
    "consent:customer": Entry(
        customer=True, args=_customer, get=CUSTOMER_GET,
        post=by_role(anonymous=LOGIN_NO_WRITE,
                     agents=team(WROTE, HIDDEN_NO_WRITE, REFUSED,
                                 WROTE_WITH_CHANGE_GRANT),
                     marketer=DENIED_NO_WRITE, steward=WROTE, admin=WROTE, nobody=HIDDEN_NO_WRITE),
        data=_consent, effect=_consents),
    # The public survey: the signed link is the credential, whoever is logged in.
    "survey:thanks": Entry(get=everyone(OK)),
    "survey:answer": Entry(args=_survey, get=everyone(OK), post=everyone(WROTE), data=_survey_answer,
                           effect=_survey_answers),
    # The admin site's own pages (the model pages come from admin_entries()).
    "admin:index": Entry(get=staff_only(OK, OK)),
    "admin:login": Entry(get=by_role(anonymous=OK, agents=OK, marketer=OK, steward=REDIRECT, admin=REDIRECT,
                                     nobody=OK)),
    # Django sends a non-staff user on the admin's logout URL to the admin index (then to its login).
    "admin:logout": Entry(get=staff_only(NOT_ALLOWED, NOT_ALLOWED, others=REDIRECT), crawl=False),
    "admin:password_change": Entry(get=staff_only(OK, OK)),
    "admin:password_change_done": Entry(get=staff_only(OK, OK)),
    "admin:autocomplete": Entry(get=staff_only(DENIED, DENIED)),  # without app/model/field: refused
    "admin:jsi18n": Entry(get=staff_only(OK, OK)),
    "admin:view_on_site": Entry(args=lambda w: [w.content_type_id, w.customer.pk],
                                get=staff_only(REDIRECT, REDIRECT), crawl=False),
    "admin:app_list": Entry(args=lambda w: {"app_label": "customers"}, get=staff_only(OK, OK)),
    "admin/(?P<url>.*)$": Entry(args=lambda w: {"url": "no/such/page/"}, get=staff_only(HIDDEN, HIDDEN), crawl=False),
}


# --- data quality and verification (issue 10, 8-9) -------------------------------------------------

def _quality_refresh(world):
    from customers import services

    world.customer  # noqa: B018 (built first, so it is scored)
    services.customer_quality_refresh(by=SYSTEM)


def _email_sends(world):
    from cdm.models import AuditEvent

    return AuditEvent.objects.filter(action="customer.verify_email_sent", object_id=str(world.customer.pk)).count()


def _phone_codes(world):
    return world.customer.phone_verifications.count()


def _email_token(world):
    from customers import services

    return [services.email_verification_token(world.customer)]


def _email_verified(world):
    return type(world.customer).objects.get(pk=world.customer.pk).email_verified_at


# The dashboard is for stewards and admins: for everyone else it does not exist.
QUALITY_GET = by_role(anonymous=LOGIN, agents=HIDDEN, marketer=HIDDEN, steward=OK, admin=OK, nobody=HIDDEN)
# Sending a verification needs the right to change the customer's contact data.
VERIFY_POST = by_role(anonymous=LOGIN_NO_WRITE, agents=team(WROTE, HIDDEN_NO_WRITE, REFUSED, WROTE),
                      marketer=DENIED_NO_WRITE, steward=WROTE, admin=WROTE, nobody=HIDDEN_NO_WRITE)

SITE.update({
    "customers:quality": Entry(get=QUALITY_GET, setup=_quality_refresh),
    "customers:quality_trend_csv": Entry(get=QUALITY_GET, setup=_quality_refresh, crawl=False),
    # A drill-down list: the lowest scores first, the target customer among them for who may see it.
    "customers:quality_figure": Entry(
        customer=True, args=lambda w: {"figure": "average_score"}, setup=_quality_refresh,
        get=by_role(anonymous=LOGIN, agents=team(HIDDEN), marketer=HIDDEN, steward=LISTED, admin=LISTED,
                    nobody=HIDDEN)),
    "customers:verify_email": Entry(customer=True, args=_customer, get=POST_ONLY, post=VERIFY_POST,
                                    data=lambda w: {}, effect=_email_sends),
    "customers:verify_phone": Entry(customer=True, args=_customer, get=POST_ONLY, post=VERIFY_POST,
                                    data=lambda w: {"action": "send"}, effect=_phone_codes),
    # Public: the signed link is the credential, whoever is logged in.
    "customers:verify_email_confirm": Entry(args=_email_token, get=everyone(OK), post=everyone(WROTE),
                                            data=lambda w: {}, effect=_email_verified),
})


# --- the REST API (issue 11, 1-2): JSON, 401 without credentials, 404 outside the caller's rights -----------

def _api_new_customer(world):
    return {"given_name": "Newt", "family_name": "Newcombe-Matrix", "email": "newt.newcombe@example.org",
            "team": world.customer.team.name}


def _api_batch(world):
    fields = _api_new_customer(world)
    return {"records": [{"external_id": "matrix-new", "fields": fields}]}


def _linked(world):
    """The target customer known to the system "matrix" as "M-1"."""
    from tests import factories as f

    if "_linked" not in world.__dict__:
        world.__dict__["_linked"] = f.ExternalIdentityFactory(customer=world.customer, system="matrix",
                                                              external_id="M-1")
    return world.__dict__["_linked"]


def _absorb(world):
    pair = _pair(world)
    other = pair.customer_b if pair.customer_a_id == world.customer.pk else pair.customer_a
    return {"absorb": [other.customer_number], "reason": "matrix"}


API_CUSTOMER_GET = by_role(anonymous=UNAUTHORIZED, agents=team(OK, change=SEEN), marketer=OK, steward=OK, admin=OK,
                           nobody=HIDDEN)
# A change of the city: agents of the team and stewards write; a marketer may not write contact data (400,
# naming the field); a view grant or another team: the customer does not exist for the write (404).
API_CITY_WRITE = by_role(anonymous=UNAUTHORIZED_NO_WRITE, agents=team(UPDATED, HIDDEN_NO_WRITE, HIDDEN_NO_WRITE),
                         marketer=BAD_NO_WRITE, steward=UPDATED, admin=UPDATED, nobody=HIDDEN_NO_WRITE)
API_POST_ONLY = everyone(NOT_ALLOWED) | {"anonymous": UNAUTHORIZED}  # authentication comes before the method
API_STEWARDS = dict(anonymous=UNAUTHORIZED_NO_WRITE, marketer=DENIED_NO_WRITE, nobody=HIDDEN_NO_WRITE)

API_DESK_GET = by_role(anonymous=UNAUTHORIZED, agents=team(OK, change=SEEN), marketer=DENIED, steward=OK, admin=OK,
                       nobody=HIDDEN)
API_STEWARDS_QUEUE = by_role(anonymous=UNAUTHORIZED_NO_WRITE, agents=HIDDEN_NO_WRITE, marketer=HIDDEN_NO_WRITE,
                             steward=UPDATED, admin=UPDATED, nobody=HIDDEN_NO_WRITE)


def _api_order(world):
    return {"order_number": "MATRIX-1", "placed_at": "2026-11-30T10:00:00Z",
            "lines": [{"sku": "MATRIX", "quantity": 1, "unit_price": "10.00"}]}


def _orders(world):
    return world.customer.orders.count()


def _api_holding(world):
    from tests import factories as f

    f.ProductFactory(code="matrix-plan", name="Matrix plan")
    return {"product": "matrix-plan", "started_on": "2026-01-01"}


def _holdings(world):
    return world.customer.holdings.count()


def _holding(world):
    from tests import factories as f

    if "_holding" not in world.__dict__:
        world.__dict__["_holding"] = f.ProductHoldingFactory(customer=world.customer)
    return world.__dict__["_holding"]


def _holding_status(world):
    return type(_holding(world)).objects.get(pk=_holding(world).pk).status


def _api_consent(world):
    world.purposes  # noqa: B018 (the default purposes exist)
    return {"purpose": "email-marketing", "granted": False, "method": "web_form", "evidence": "matrix"}


def _api_events(world):
    return {"events": [{"customer_number": world.customer.customer_number, "kind": "visit",
                        "properties": {"url": "/matrix"}}]}


def _activities(world):
    return world.customer.activities.count()


SITE.update({
    "api:customer-list": Entry(
        customer=True, query=_search_target,
        get=by_role(anonymous=UNAUTHORIZED, agents=team(LISTED, UNLISTED, change=LISTED),
                    marketer=LISTED, steward=LISTED, admin=LISTED, nobody=UNLISTED),
        # Create: the body names the target's team; only who may add customers to it writes.
        post=by_role(anonymous=UNAUTHORIZED_NO_WRITE, agents=team(CREATED, BAD_NO_WRITE, BAD_NO_WRITE, BAD_NO_WRITE), marketer=DENIED_NO_WRITE,
                     steward=CREATED, admin=CREATED, nobody=DENIED_NO_WRITE),
        json=True, data=_api_new_customer, effect=_created),
    "api:customer-detail": Entry(customer=True, args=_customer, get=API_CUSTOMER_GET, patch=API_CITY_WRITE,
                                 json=True, data=lambda w: {"city": "Matrixville"}, effect=_city),
    "api:customer-merge": Entry(
        customer=True, args=_customer, setup=_pair, get=API_POST_ONLY, json=True, data=_absorb, effect=_merges,
        post=by_role(**API_STEWARDS, agents=team(DENIED_NO_WRITE, HIDDEN_NO_WRITE, HIDDEN_NO_WRITE, BAD_NO_WRITE),
                     steward=CREATED, admin=CREATED)),
    "api:merge-undo": Entry(
        customer=True, setup=_merged, args=lambda w: [_merged(w).pk], get=API_POST_ONLY, json=True,
        data=lambda w: {"reason": "matrix"}, effect=_merges,
        post=by_role(**(API_STEWARDS | {"marketer": HIDDEN_NO_WRITE}), agents=HIDDEN_NO_WRITE, steward=UPDATED,
                     admin=UPDATED)),
    # A batch answers 200 with a result per record: a record the caller may not write is an error in it.
    "api:customer-batch-upsert": Entry(
        customer=True, args=lambda w: {"system": "matrix"}, get=API_POST_ONLY, json=True, data=_api_batch,
        effect=_created,
        post=by_role(anonymous=UNAUTHORIZED_NO_WRITE, agents=team(UPDATED, ANSWERED_NO_WRITE, ANSWERED_NO_WRITE, ANSWERED_NO_WRITE),
                     marketer=ANSWERED_NO_WRITE, steward=UPDATED, admin=UPDATED, nobody=ANSWERED_NO_WRITE)),
    "api:customer-upsert": Entry(
        customer=True, setup=_linked, args=lambda w: {"system": "matrix", "external_id": "M-1"},
        get=API_CUSTOMER_GET, put=API_CITY_WRITE, json=True, data=lambda w: {"city": "Matrixville"}, effect=_city),
    # A customer's records (issue 11, item 1): reading follows the field policy's group (403 for a role without
    # it, on a customer it may see); writing needs the model's add/change permission (403) and the right to change
    # the customer (a view grant or another team: 404).
    "api:customer-orders": Entry(
        customer=True, args=_customer, get=API_CUSTOMER_GET, json=True, data=_api_order, effect=_orders,
        post=by_role(anonymous=UNAUTHORIZED_NO_WRITE, agents=team(DENIED_NO_WRITE, HIDDEN_NO_WRITE),
                     marketer=DENIED_NO_WRITE, steward=CREATED, admin=CREATED, nobody=HIDDEN_NO_WRITE)),
    "api:customer-holdings": Entry(
        customer=True, args=_customer, get=API_CUSTOMER_GET, json=True, data=_api_holding, effect=_holdings,
        post=by_role(anonymous=UNAUTHORIZED_NO_WRITE, agents=team(DENIED_NO_WRITE, HIDDEN_NO_WRITE),
                     marketer=DENIED_NO_WRITE, steward=CREATED, admin=CREATED, nobody=HIDDEN_NO_WRITE)),
    "api:customer-holding": Entry(
        customer=True, args=lambda w: {**_customer(w), "pk": _holding(w).pk}, get=API_POST_ONLY, json=True,
        data=lambda w: {"status": "suspended"}, effect=_holding_status,
        patch=by_role(anonymous=UNAUTHORIZED_NO_WRITE, agents=team(DENIED_NO_WRITE, HIDDEN_NO_WRITE),
                      marketer=DENIED_NO_WRITE, steward=UPDATED, admin=UPDATED, nobody=HIDDEN_NO_WRITE)),
    "api:customer-service-requests": Entry(
        customer=True, args=_customer, get=API_DESK_GET, json=True,
        data=lambda w: {"subject": "Matrix: router reboots"}, effect=_requests_logged,
        post=by_role(anonymous=UNAUTHORIZED_NO_WRITE, agents=team(CREATED, HIDDEN_NO_WRITE, HIDDEN_NO_WRITE, CREATED),
                     marketer=DENIED_NO_WRITE, steward=CREATED, admin=CREATED, nobody=HIDDEN_NO_WRITE)),
    "api:customer-service-request": Entry(
        customer=True, args=_request, get=API_DESK_GET, json=True, data=lambda w: {"status": "in_progress"},
        effect=_request_status,
        patch=by_role(anonymous=UNAUTHORIZED_NO_WRITE, agents=team(UPDATED, HIDDEN_NO_WRITE, HIDDEN_NO_WRITE, UPDATED),
                      marketer=DENIED_NO_WRITE, steward=UPDATED, admin=UPDATED, nobody=HIDDEN_NO_WRITE)),
    "api:customer-notes": Entry(
        customer=True, args=_customer, get=API_DESK_GET, json=True, data=lambda w: {"body": "Matrix: called back."},
        effect=_notes,
        post=by_role(anonymous=UNAUTHORIZED_NO_WRITE, agents=team(CREATED, HIDDEN_NO_WRITE, HIDDEN_NO_WRITE, CREATED),
                     marketer=DENIED_NO_WRITE, steward=CREATED, admin=CREATED, nobody=HIDDEN_NO_WRITE)),
    "api:customer-consents": Entry(
        customer=True, args=_customer, get=API_CUSTOMER_GET, json=True, data=_api_consent, effect=_consents,
        post=by_role(anonymous=UNAUTHORIZED_NO_WRITE, agents=team(CREATED, HIDDEN_NO_WRITE, HIDDEN_NO_WRITE, CREATED),
                     marketer=DENIED_NO_WRITE, steward=CREATED, admin=CREATED, nobody=HIDDEN_NO_WRITE)),
    # Behaviour: agents do not see it (403 on a customer they may see).
    "api:customer-activities": Entry(
        customer=True, args=_customer,
        get=by_role(anonymous=UNAUTHORIZED, agents=team(DENIED), marketer=OK, steward=OK, admin=OK, nobody=HIDDEN)),
    # A bulk answers 200 with a result per event; a role that may not record activities at all: 403.
    "api:activity-batch": Entry(
        customer=True, get=API_POST_ONLY, json=True, data=_api_events, effect=_activities,
        post=by_role(anonymous=UNAUTHORIZED_NO_WRITE, agents=DENIED_NO_WRITE, marketer=DENIED_NO_WRITE,
                     steward=UPDATED, admin=UPDATED, nobody=DENIED_NO_WRITE)),
    # The review queue: for every role but stewards and admins it does not exist (404), as the page.
    "api:duplicate-list": Entry(
        customer=True, setup=_pair,
        get=by_role(anonymous=UNAUTHORIZED, agents=HIDDEN, marketer=HIDDEN, steward=LISTED, admin=LISTED,
                    nobody=HIDDEN)),
    "api:duplicate-dismiss": Entry(
        customer=True, args=lambda w: [_pair(w).pk], get=API_POST_ONLY, json=True, data=lambda w: {"note": "matrix"},
        effect=_pair_status, post=API_STEWARDS_QUEUE),
    "api:duplicate-skip": Entry(
        customer=True, args=lambda w: [_pair(w).pk], get=API_POST_ONLY, json=True, data=lambda w: {},
        effect=_pair_skipped, post=API_STEWARDS_QUEUE),
    # Public: routes and field names, never data.
    "api:schema": Entry(get=everyone(OK)),
    "api:docs": Entry(get=everyone(OK)),
})


# --- file imports (issue 11 §3) ---------------------------------------------------------------------

IMPORT_CSV = b"id;surname;given name;email\nM-1;Importmatrix;Ada;ada.importmatrix@example.org\nM-2;;;\n"


def _import_job(world, status="draft"):
    """An uploaded file of the target customer's team (cached on the world): draft, or run to `status`."""
    from customers import imports

    key = f"_import_{status}"
    if key not in world.__dict__:
        job = imports.import_job_create(by=SYSTEM, file_name="matrix.csv", content=IMPORT_CSV, source=f"matrix-{status}",
                                        kind="customers", team=world.north)
        if status != "draft":
            imports.import_job_start(job=job, by=SYSTEM, queue=False)
            if status == "running":
                type(job).objects.filter(pk=job.pk).update(status="running")
            else:
                imports.import_job_run(job_id=job.pk, by=SYSTEM)
        job.refresh_from_db()
        world.__dict__[key] = job
    return world.__dict__[key]


def _import_status(status):
    return lambda world: type(_import_job(world, status)).objects.get(pk=_import_job(world, status).pk).status


def _import_upload(world):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return {"file": SimpleUploadedFile("upload.csv", IMPORT_CSV), "source": "matrix-upload", "kind": "customers",
            "team": world.north.pk}


def _import_uploads(world):
    from customers.models import ImportJob

    return ImportJob.objects.filter(source__name="matrix-upload").count()


def _import_mapping(world):
    job = _import_job(world)
    return {**{f"col-{i}": job.mapping[h] for i, h in enumerate(job.headers)}, "action": "dry_run"}


SITE.update({
    "customers:imports": Entry(get=STEWARDS_ONLY_GET, setup=_import_job),
    "customers:import_new": Entry(get=STEWARDS_ONLY_GET, post=STEWARDS_ONLY_POST, data=_import_upload,
                                  effect=_import_uploads),
    # POST: the mapping saved and a dry run made.
    "customers:import": Entry(args=lambda w: [_import_job(w).pk], get=STEWARDS_ONLY_GET, post=STEWARDS_ONLY_POST,
                              data=_import_mapping, effect=_import_status("draft")),
    "customers:import_progress": Entry(args=lambda w: [_import_job(w, "running").pk], get=STEWARDS_ONLY_GET,
                                       htmx=True),
    "customers:import_cancel": Entry(args=lambda w: [_import_job(w, "running").pk], get=POST_ONLY,
                                     post=STEWARDS_ONLY_POST, data=lambda w: {}, effect=_import_status("running")),
    "customers:import_undo": Entry(args=lambda w: [_import_job(w, "finished").pk], get=STEWARDS_ONLY_GET,
                                   post=STEWARDS_ONLY_POST, data=lambda w: {}, effect=_import_status("finished")),
    "customers:import_rejected_csv": Entry(args=lambda w: [_import_job(w, "finished").pk], get=STEWARDS_ONLY_GET,
                                           crawl=False),
})


# --- the admin, per registered model ---------------------------------------------------------------

KINDS = ("changelist", "add", "change", "history", "delete")


def admin_model(*, steward: dict | Outcome, admin: dict | Outcome) -> dict:
    """{kind: {role: Outcome}} for one model. `steward`/`admin`: one Outcome for every kind, or
    {kind: Outcome} with "*" as the default."""
    def expand(rule):
        rule = rule if isinstance(rule, dict) else {"*": rule}
        return {kind: rule.get(kind, rule.get("*")) for kind in (*KINDS, "object", "simple_history", "password")}

    s, a = expand(steward), expand(admin)
    return {kind: staff_only(s[kind], a[kind]) for kind in s}


NONE = DENIED  # a staff user without the model's permissions
# View permission only: the list, the read-only form and the history; no add, no delete.
VIEW_ONLY = {"*": OK, "add": DENIED, "delete": DENIED}
# Every page but delete (records are archived, deactivated or superseded, never deleted by hand).
NO_DELETE = {"*": OK, "delete": DENIED}

ADMIN_MODELS: dict[str, dict] = {
    "auth.group": admin_model(steward=NONE, admin=OK),
    "auth.user": admin_model(steward=NONE, admin=OK),
    "django_celery_beat.periodictask": admin_model(steward=NONE, admin=OK),
    "django_celery_beat.clockedschedule": admin_model(steward=NONE, admin=OK),
    "django_celery_beat.crontabschedule": admin_model(steward=NONE, admin=OK),
    "django_celery_beat.solarschedule": admin_model(steward=NONE, admin=OK),
    "django_celery_beat.intervalschedule": admin_model(steward=NONE, admin=OK),
    "django_celery_results.taskresult": admin_model(steward=NONE, admin=OK),
    "django_celery_results.groupresult": admin_model(steward=NONE, admin=OK),
    # Login throttling (django-axes): admins read the attempts and unlock by deleting them; nobody adds any.
    "axes.accessattempt": admin_model(steward=NONE, admin={"*": OK, "add": DENIED}),
    "axes.accesslog": admin_model(steward=NONE, admin={"*": OK, "add": DENIED}),
    "axes.accessfailurelog": admin_model(steward=NONE, admin={"*": OK, "add": DENIED}),
    "cdm.team": admin_model(steward=VIEW_ONLY, admin=NO_DELETE),
    # Tokens are issued and revoked by admins, never deleted (the audit log and last use stay readable).
    "cdm.apitoken": admin_model(steward=NONE, admin=NO_DELETE),
    "cdm.auditevent": admin_model(steward=VIEW_ONLY, admin=VIEW_ONLY),
    # Webhooks are the admins' alone: stewards see none of it. Deliveries and the outbox are logs.
    "cdm.webhookendpoint": admin_model(steward=NONE, admin=OK),
    "cdm.webhookdelivery": admin_model(steward=NONE, admin=VIEW_ONLY),
    "cdm.outboxevent": admin_model(steward=NONE, admin=VIEW_ONLY),
    "customers.customer": admin_model(steward=NO_DELETE, admin=NO_DELETE),
    "customers.servicerequest": admin_model(steward=NO_DELETE, admin=NO_DELETE),
    "customers.productholding": admin_model(steward=NO_DELETE, admin=NO_DELETE),
    "customers.order": admin_model(steward=VIEW_ONLY, admin=VIEW_ONLY),
    "customers.activity": admin_model(steward=VIEW_ONLY, admin=VIEW_ONLY),
    "customers.feedback": admin_model(steward=VIEW_ONLY, admin=VIEW_ONLY),
    "customers.externalidentity": admin_model(steward=VIEW_ONLY, admin=VIEW_ONLY),
    "customers.note": admin_model(steward=NO_DELETE, admin=NO_DELETE),
    "customers.product": admin_model(steward=VIEW_ONLY, admin=OK),
    "customers.attributedefinition": admin_model(steward=VIEW_ONLY, admin=OK),
    "customers.customeruserobjectpermission": admin_model(steward=NONE, admin=OK),
    "customers.customergroupobjectpermission": admin_model(steward=NONE, admin=OK),
    "customers.customerattribute": admin_model(steward=NO_DELETE, admin=NO_DELETE),
    "customers.duplicatecandidate": admin_model(steward=VIEW_ONLY, admin=VIEW_ONLY),
    "customers.merge": admin_model(steward=VIEW_ONLY, admin=VIEW_ONLY),
    "customers.matchmodel": admin_model(steward=VIEW_ONLY, admin=VIEW_ONLY),
    "customers.automergerule": admin_model(steward=VIEW_ONLY, admin=OK),
    # Two-way sync: admins set each system's priorities, stewards read them and the skipped changes.
    "customers.sourcesystem": admin_model(steward=VIEW_ONLY, admin=OK),
    "customers.skippedchange": admin_model(steward=VIEW_ONLY, admin=VIEW_ONLY),
    "consent.purpose": admin_model(steward=NONE, admin=NO_DELETE),
    "consent.privacynotice": admin_model(steward=NONE, admin=NO_DELETE),
    "consent.consentrecord": admin_model(steward=VIEW_ONLY, admin=VIEW_ONLY),
}
# The "<id>/" shortcut redirects every staff user to the change page, which then checks rights.
OBJECT_REDIRECT = staff_only(REDIRECT, REDIRECT)


def admin_entries() -> dict[str, Entry]:
    """One Entry per admin URL of every registered model, keyed like SITE (URL name, or route if unnamed)."""
    from django.contrib import admin
    from simple_history.admin import SimpleHistoryAdmin

    entries = {}
    for model, model_admin in admin.site._registry.items():
        label = model._meta.label_lower
        rules = ADMIN_MODELS.get(label)
        if rules is None:
            continue  # test_every_admin_model_has_rules names it
        app, name = model._meta.app_label, model._meta.model_name
        prefix = f"admin:{app}_{name}"
        scoped = label == "customers.customer" or hasattr(model, "restrict_via") or name.startswith("customer")

        def obj_args(world, label=label):
            return [world.admin_object(label).pk]

        entries[f"{prefix}_changelist"] = Entry(get=rules["changelist"], extra={"model": label, "scoped": scoped})
        if label == "customers.customer":  # searched by the target's number: the list shows it
            entries[f"{prefix}_changelist"] = Entry(get=staff_only(LISTED, LISTED), query=_search_target,
                                                    extra={"model": label, "scoped": scoped})
        entries[f"{prefix}_add"] = Entry(get=rules["add"], extra={"model": label})
        for kind in ("change", "history", "delete"):
            entries[f"{prefix}_{kind}"] = Entry(get=rules[kind], args=obj_args, extra={"model": label})
        entries[f"admin/{app}/{name}/<path:object_id>/"] = Entry(get=OBJECT_REDIRECT, args=obj_args, crawl=False,
                                                                 extra={"model": label})
        if isinstance(model_admin, SimpleHistoryAdmin):
            entries[f"{prefix}_simple_history"] = Entry(
                get=rules["simple_history"], extra={"model": label},
                args=lambda world, label=label: [world.admin_object(label).pk,
                                                 world.admin_object(label).history.first().history_id])
        if label == "auth.user":
            entries[f"{prefix}_password_change"] = Entry(get=rules["password"], args=lambda w: {"id": w.user_obj.pk},
                                                         extra={"model": label})
    return entries


def _raise_own_rights(world):
    """The user admin's change form of the user themself, as saved with superuser status and the
    permission to reveal sensitive fields ticked."""
    from django.contrib.auth.models import Permission

    user = _own_user(world)
    sensitive = Permission.objects.get(codename="view_sensitive_data", content_type__app_label="customers")
    return {"username": user.username, "first_name": user.first_name, "last_name": user.last_name, "email": "",
            "is_active": "on", "is_staff": "on", "is_superuser": "on",
            "groups": [g.pk for g in user.groups.all()], "user_permissions": [sensitive.pk],
            "date_joined_0": "2025-01-01", "date_joined_1": "09:00:00"}


def _own_user(world):
    return world.user if world.user.is_authenticated else world.users["admin"]


def _rights_of_own_user(world):
    user = type(_own_user(world)).objects.get(pk=_own_user(world).pk)
    return user.is_superuser, user.user_permissions.filter(codename="view_sensitive_data").exists()


# Refused: an error on the form (200), a save that ignores those fields (302), or 403; nothing raised.
REFUSED_ANY = _o("200/302/403-no-write", 200, 302, 403, wrote=False)
ISSUE_1_1 = "issue 9 item 1.1: an Admin can make themself superuser and grant themself the sensitive permission"

# Variants: the same URL pattern with parameters that must be handled apart ("<URL name>|<what>").
FILTER_REFUSED = _o("302/400/403-refused", 302, 400, 403)  # Django's ?e=1, DisallowedModelAdminLookup, 403
ISSUE_1_8 = "issue 9 item 1.8: admin changelist filters on sensitive and blind-index columns must be refused"
VARIANTS: dict[str, Entry] = {
    "admin:customers_customer_changelist|filter on a sensitive column": Entry(
        query=lambda w: {"annual_income__isnull": "False"}, crawl=False,
        get=staff_only(FILTER_REFUSED, FILTER_REFUSED)),
    "admin:customers_customer_changelist|filter on the blind index": Entry(
        query=lambda w: {"national_id_index__startswith": "0"}, crawl=False,
        get=staff_only(FILTER_REFUSED, FILTER_REFUSED)),
    "admin:auth_user_change|raise one's own rights": Entry(
        args=lambda w: [_own_user(w).pk], crawl=False, get=staff_only(DENIED, OK),
        post=staff_only(DENIED_NO_WRITE, REFUSED_ANY, others=LOGIN_NO_WRITE),
        data=_raise_own_rights, effect=_rights_of_own_user),
}


def all_entries() -> dict[str, Entry]:
    entries = {**SITE, **admin_entries(), **VARIANTS}
    for key, entry in entries.items():
        entry.name = key
    return entries


# --- expansion into test cases ---------------------------------------------------------------------

def _scopes(entry: Entry, role: str) -> tuple:
    return SCOPES[role] if entry.customer else (None,)


def _rule(rules: dict, role: str, scope: str | None, key: str) -> Outcome:
    if role not in rules:
        raise KeyError(f"{key}: no rule for role {role!r} in tests/entry_points/matrix.py")
    rule = rules[role]
    if isinstance(rule, dict):
        if scope not in rule:
            raise KeyError(f"{key}: no rule for role {role!r} in scope {scope!r} in tests/entry_points/matrix.py")
        return rule[scope]
    return rule


NON_STAFF = tuple(role for role in ROLES if role not in STAFF)
WRITES = ("post", "put", "patch")


def cases(method: str) -> list:
    """pytest params (key, role, scope, outcome) for every row with rules for `method`.

    The admin's model pages for roles that are not staff (all sent to the login) are one test per
    role instead (grouped_admin_cases): some 900 cases that differ in nothing but the URL.
    """
    params = []
    admin_keys = set(admin_entries())
    for key, entry in all_entries().items():
        rules = getattr(entry, method)
        if rules is None:
            continue
        for role in ROLES:
            if key in admin_keys and role in NON_STAFF:
                continue
            for scope in _scopes(entry, role):
                outcome = _rule(rules, role, scope, key)
                marks = [pytest.mark.xfail(strict=outcome.strict, reason=outcome.reason)] if outcome.reason else []
                params.append(pytest.param(key, role, scope, outcome, marks=marks,
                                           id=f"{key}-{role}{'-' + scope if scope else ''}-{outcome.label}"))
    return params


def grouped_admin_cases(role: str) -> list[tuple[str, Outcome]]:
    """(key, outcome) of every admin model page for a role that is not staff."""
    return [(key, _rule(entry.get, role, None, key)) for key, entry in admin_entries().items()]


def xfail_cases() -> list[tuple[str, str, str, str, str]]:
    """(method, key, role, scope, reason) of every case marked xfail: the list of what is still wrong."""
    found = []
    for method in ("get", *WRITES):
        for param in cases(method):
            key, role, scope, outcome = param.values
            if outcome.reason:
                found.append((method, key, role, scope, outcome.reason))
    return found

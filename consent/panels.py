"""The consents panel of the 360° page (registered with customers.panels in ConsentConfig.ready())."""

from consent import selectors, services
from consent.forms import ConsentRecordForm


def customer_consents_context(request, customer, *, form=None, recorded=None) -> dict:
    """Context for consent/_customer_consents.html and consent/_consent_badges.html, under the key "consent".

    The 360° page merges it into its own: `context |= customer_consents_context(request, customer)`.
    """
    user = request.user
    can_record = user.has_perm(services.RECORD_PERM)
    return {"consent": {
        "customer": customer,
        "visible": selectors.consent_visible(user),
        "statuses": selectors.consent_status(customer=customer, user=user),
        "can_record": can_record,
        "form": form if form is not None else (ConsentRecordForm() if can_record else None),
        "recorded": recorded,
    }}


def customer_consent_summary(user, customers) -> dict:
    """Each customer's current consent per purpose, for the stewards' side-by-side review of a cluster."""
    found = {}
    for customer in customers:
        statuses = selectors.consent_status(customer=customer, user=user)
        found[customer.pk] = [(str(s.purpose.short_name or s.purpose.name), s.state_label) for s in statuses]
    return found

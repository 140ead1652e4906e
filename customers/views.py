from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cdm import access
from cdm.errors import ConflictError
from cdm.pagination import LargeTablePaginator
from cdm.services import audit_record
from customers import selectors, services
from customers.forms import CustomerEditForm
from customers.models import Customer


@login_required
def customer_list(request):
    query = request.GET.get("q", "").strip()
    status = request.GET.get("status", Customer.Status.ACTIVE)
    customers = selectors.customer_list(user=request.user, status=status)
    if query:
        customers = selectors.customer_search(queryset=customers, user=request.user, query=query)
    page = LargeTablePaginator(customers.order_by("family_name", "given_name", "pk"), 50).get_page(request.GET.get("page"))
    return render(request, "customers/customer_list.html", {
        "page": page, "query": query, "visible": set(access.customer_fields(request.user)),
        "status": status, "statuses": [*Customer.Status.choices, ("all", _("All"))],
    })


@login_required
def customer_detail(request, customer_number):
    """The 360° page: one customer, everything the user's role may see, newest first."""
    customer = selectors.customer_get(user=request.user, customer_number=customer_number)
    visible = set(access.customer_fields(request.user))
    groups = access.visible_groups(request.user)
    can_change = Customer.objects.restrict(request.user, "change").filter(pk=customer.pk).exists()

    def rows(group):
        return [(Customer._meta.get_field(f).verbose_name, _display(customer, f))
                for f in access.CUSTOMER_FIELDS[group] if f in visible and f not in HIDDEN_ON_PAGE]

    return render(request, "customers/customer_detail.html", {
        "customer": customer,
        "identity": rows(access.FG.IDENTITY),
        "contact": rows(access.FG.CONTACT) if access.FG.CONTACT in groups else None,
        "governance": rows(access.FG.GOVERNANCE),
        "can_reveal": access.FG.SENSITIVE in groups,
        "holdings": selectors.customer_holdings(customer=customer, user=request.user),
        "timeline": selectors.customer_timeline(customer=customer, user=request.user, page=request.GET.get("page")),
        "history": selectors.customer_history(customer=customer, user=request.user),
        "sees": groups,
        "can_edit": can_change and bool(access.customer_fields(request.user, "edit")),
        "can_restore": can_change and customer.status == Customer.Status.ARCHIVED,
    })


# Shown elsewhere on the page (header, history) or meaningless to a person.
HIDDEN_ON_PAGE = {"national_id_index", "address_issues", "customer_number", "status", "lifecycle_stage", "version",
                  "merged_into"}


@login_required
def customer_timeline(request, customer_number):
    customer = selectors.customer_get(user=request.user, customer_number=customer_number)
    return render(request, "customers/_timeline.html", {
        "customer": customer,
        "timeline": selectors.customer_timeline(customer=customer, user=request.user, page=request.GET.get("page")),
    })


@login_required
def customer_version(request, customer_number):
    """Polled by the open page: says so when someone else changed the record meanwhile."""
    customer = selectors.customer_get(user=request.user, customer_number=customer_number)
    try:
        loaded = int(request.GET.get("v", customer.version))
    except ValueError:
        loaded = customer.version
    change = selectors.customer_change_since(customer=customer, version=loaded)
    return render(request, "customers/_live.html", {"customer": customer, "change": change, "loaded": loaded})


@login_required
@require_POST
def customer_reveal(request, customer_number):
    """Sensitive fields, shown only on an explicit request by a permitted user; every reveal is audited."""
    customer = selectors.customer_get(user=request.user, customer_number=customer_number)
    if access.FG.SENSITIVE not in access.visible_groups(request.user):
        raise PermissionDenied
    fields = access.CUSTOMER_FIELDS[access.FG.SENSITIVE]
    audit_record(by=request.user, action="customer.reveal", obj=customer, fields=fields)
    return render(request, "customers/_sensitive.html", {
        "customer": customer,
        "rows": [(Customer._meta.get_field(f).verbose_name, _display(customer, f)) for f in fields],
    })


def _display(customer, field):
    value = getattr(customer, f"get_{field}_display", lambda: getattr(customer, field))()
    return "–" if value in (None, "", {}) else value


@login_required
@require_POST
def customer_restore(request, customer_number):
    customer = selectors.customer_get(user=request.user, customer_number=customer_number, action="change")
    try:
        services.customer_restore(customer=customer, by=request.user, reason=request.POST.get("reason", "").strip())
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("%(customer)s is active again.") % {"customer": customer.full_name})
    return redirect(customer)


@login_required
def customer_edit(request, customer_number):
    customer = selectors.customer_get(user=request.user, customer_number=customer_number, action="change")
    if not access.customer_fields(request.user, "edit"):
        raise PermissionDenied  # may change the record (e.g. attributes) but no master-data field
    initial = {f: getattr(customer, f) for f in access.customer_fields(request.user, "edit")} | {"version": customer.version}
    form = CustomerEditForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.customer_update(customer=customer, by=request.user, version=form.cleaned_data["version"],
                                     reason=form.cleaned_data["change_reason"], **form.changes(customer))
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        except ConflictError as exc:
            # The user's input stays in the form so they can apply it again after reading the other change.
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Saved %(customer)s.") % {"customer": customer.full_name})
            return redirect(customer)
    return render(request, "customers/customer_edit.html", {"form": form, "customer": customer})

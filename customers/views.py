from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cdm import access
from cdm.errors import ConflictError
from cdm.pagination import LargeTablePaginator
from customers import selectors, services
from django.core.exceptions import PermissionDenied

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
    customer = selectors.customer_get(user=request.user, customer_number=customer_number)
    visible = access.customer_fields(request.user)
    can_change = Customer.objects.restrict(request.user, "change").filter(pk=customer.pk).exists()
    sections = [
        (access.FG.LABELS[group], [(Customer._meta.get_field(f).verbose_name, _display(customer, f)) for f in names
                                   if f in visible and f != "national_id_index"])
        for group, names in access.CUSTOMER_FIELDS.items()
        if group != access.FG.SENSITIVE and any(f in visible for f in names)
    ]
    return render(request, "customers/customer_detail.html", {
        "customer": customer,
        "sections": sections,
        "history": selectors.customer_history(customer=customer, user=request.user),
        "can_edit": can_change and bool(access.customer_fields(request.user, "edit")),
        "can_restore": can_change and customer.status == Customer.Status.ARCHIVED,
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

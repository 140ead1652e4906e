"""The start page: each role starts where its work is."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from cdm import access
from customers import selectors


@login_required
def home(request):
    """Each role starts where its work is: agents at search, stewards at data quality, marketing at counts."""
    roles = {role.name for role in access.user_roles(request.user)}
    return render(request, "home.html", {
        "roles": roles,
        "is_agent": access.CUSTOMER_SERVICE in roles,
        "is_marketer": access.MARKETING in roles,
        "is_steward": access.DATA_STEWARD in roles or access.ADMIN in roles or request.user.is_superuser,
        "stats": selectors.customer_stats(user=request.user),
    })

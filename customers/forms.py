from django import forms
from django.forms.models import fields_for_model
from django.utils.translation import gettext_lazy as _

from cdm import access
from customers.models import Customer


class CustomerEditForm(forms.Form):
    """Contact-data edit form: exactly the fields the user's role may edit. Validates; never saves."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    change_reason = forms.CharField(label=_("Reason for the change"), required=False, max_length=200,
                                    help_text=_("Kept in the history, e.g. “customer moved house”."))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        editable = [f for f in access.customer_fields(user, "edit") if f not in ("team", "owner")]
        model_fields = fields_for_model(Customer, fields=editable)
        for name in editable:
            if name in model_fields and model_fields[name] is not None:
                self.fields[name] = model_fields[name]
        # Normalisation happens in the service; accept what people type (e.g. "030 1234567").
        for name in ("email", "phone"):
            if name in self.fields:
                self.fields[name] = forms.CharField(label=self.fields[name].label, required=False, max_length=254)
        self.order_fields([*editable, "change_reason", "version"])

    def changes(self, customer: Customer) -> dict:
        data = {k: v for k, v in self.cleaned_data.items() if k not in ("version", "change_reason")}
        return {k: v for k, v in data.items() if getattr(customer, k) != v}

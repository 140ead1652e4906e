from django import forms
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.forms.models import fields_for_model
from django.utils.translation import gettext_lazy as _

from cdm import access
from cdm.forms import ShortModelChoiceField
from customers.models import Customer, ServiceRequest
from customers.normalize import normalize_customer_data
from customers.identity.realtime import MATCH_FIELDS


class AllErrorsAtOnceMixin:
    """Every field's error on the first submit: when a field fails the form's own check (a date that is no
    date), the others are still put through the services' normaliser, so a bad phone shows beside it
    instead of after the date is fixed."""

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            checked = {k: v for k, v in cleaned.items() if _is_customer_field(k)}
            try:
                normalize_customer_data(checked)
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    if field in self.fields and field not in self.errors:
                        self.add_error(field, errors)
        return cleaned


def _is_customer_field(name: str) -> bool:
    try:
        Customer._meta.get_field(name)
    except FieldDoesNotExist:
        return False
    return True


class CustomerEditForm(AllErrorsAtOnceMixin, forms.Form):
    """Contact-data edit form: exactly the fields the user's role may edit. Validates; never saves."""

    version = forms.IntegerField(widget=forms.HiddenInput, error_messages={
        "required": _("This form lost the version of the record it was loaded with: reload the page, then "
                      "apply your changes again."),
        "invalid": _("This form lost the version of the record it was loaded with: reload the page, then "
                     "apply your changes again.")})

    def full_clean(self):
        super().full_clean()
        # A hidden field's error would show nowhere: say it above the form.
        if "version" in self._errors:
            self._errors.setdefault("__all__", self.error_class(error_class="nonfield")).extend(
                self._errors.pop("version"))
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


class CustomerCreateForm(AllErrorsAtOnceMixin, forms.Form):
    """New customer: the team, the fields the role may edit, and how they found us. Validates; never saves.

    `teams`: the teams the user may add customers to (selectors.customer_create_teams).
    Fields in MATCH_FIELDS carry the class "match-field": the page looks up possible duplicates as they change.
    """

    MATCH_FIELDS = MATCH_FIELDS

    team = forms.ModelChoiceField(label=_("Team"), queryset=None,
                                  error_messages={"invalid_choice": _("You cannot add customers to this team.")})
    create_anyway = forms.BooleanField(label=_("This is someone else: create a new customer anyway"), required=False)

    def __init__(self, *args, user, teams, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = teams
        if len(teams) == 1:
            self.fields["team"].initial = teams[0].pk
        editable = [f for f in access.customer_fields(user, "edit") if f not in ("team", "owner")]
        names = [*editable, *(f for f in access.CREATE_FIELDS if f not in editable and f != "owner")]
        model_fields = fields_for_model(Customer, fields=names)
        for name in names:
            if model_fields.get(name) is not None:
                self.fields[name] = model_fields[name]
        # Normalisation happens in the service; accept what people type (e.g. "(202) 555-0143").
        for name in ("email", "phone"):
            if name in self.fields:
                self.fields[name] = forms.CharField(label=self.fields[name].label, required=False, max_length=254)
        if "family_name" in self.fields:
            self.fields["family_name"].required = False  # the service names it with every other bad field at once
        if "date_of_birth" in self.fields:
            self.fields["date_of_birth"].widget = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
        for name in self.MATCH_FIELDS:
            if name in self.fields:
                self.fields[name].widget.attrs["class"] = "match-field"
        self.order_fields(["team", *names, "create_anyway"])

    def customer_data(self) -> dict:
        """The customer's fields for services.customer_create_checked (team and confirmation apart)."""
        return {k: v for k, v in self.cleaned_data.items() if k not in ("team", "create_anyway")}

    def match_data(self) -> dict:
        """What the possible-duplicates lookup needs, as typed so far (also from an unbound, partial form)."""
        data = self.data
        return {name: data.get(name, "") for name in self.MATCH_FIELDS if name in self.fields}


# --- service desk ------------------------------------------------------------------------------
# Error messages say what to do; the templates put the field's label in front, so every error
# names its field.

class ServiceRequestLogForm(forms.Form):
    """Log a service request or complaint. `assignees`: the users it may be assigned to."""

    kind = forms.ChoiceField(label=_("Type"), choices=ServiceRequest.Kind.choices, initial=ServiceRequest.Kind.REQUEST)
    channel = forms.ChoiceField(label=_("Channel"), choices=ServiceRequest.Channel.choices,
                                initial=ServiceRequest.Channel.PHONE)
    subject = forms.CharField(label=_("Subject"), max_length=200,
                              error_messages={"required": _("Say in a few words what the customer needs.")})
    description = forms.CharField(label=_("Description"), required=False, max_length=5000,
                                  widget=forms.Textarea(attrs={"rows": 3}))
    priority = forms.ChoiceField(label=_("Priority"), choices=ServiceRequest.Priority.choices,
                                 initial=ServiceRequest.Priority.NORMAL)
    assignee = ShortModelChoiceField(label=_("Assignee"), queryset=None, required=False, empty_label=_("Unassigned"))

    def __init__(self, *args, assignees, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = assignees
        self.fields["assignee"].label_from_instance = lambda user: user.get_full_name() or user.username


class ServiceRequestStatusForm(forms.Form):
    """Move an open request between the open statuses; closing goes through ServiceRequestCloseForm."""

    status = forms.ChoiceField(label=_("Status"), choices=[(s.value, s.label) for s in ServiceRequest.OPEN_STATUSES])


class ServiceRequestCloseForm(forms.Form):
    resolution = forms.CharField(label=_("Resolution"), max_length=5000, widget=forms.Textarea(attrs={"rows": 2}),
                                 error_messages={"required": _("Say how the request was resolved before closing it.")})
    # A choice the agent makes each time, never a default: only they know whether a survey fits the call.
    send_survey = forms.TypedChoiceField(
        label=_("Satisfaction survey"), widget=forms.RadioSelect, coerce=lambda value: value == "yes",
        choices=[("yes", _("E-mail the customer a one-question survey")), ("no", _("No survey this time"))],
        error_messages={"required": _("Choose whether the customer gets a satisfaction survey.")})

    def __init__(self, *args, can_survey: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        if not can_survey:  # no e-mail address: nothing to choose
            del self.fields["send_survey"]


class NoteForm(forms.Form):
    body = forms.CharField(label=_("Note"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3}),
                           error_messages={"required": _("Write the note before saving it.")})
    pinned = forms.BooleanField(label=_("Pin to the top"), required=False)


class SurveyForm(forms.Form):
    """The public one-question satisfaction survey."""

    score = forms.TypedChoiceField(
        coerce=int, widget=forms.RadioSelect,
        choices=[(1, _("1 – very dissatisfied")), (2, _("2 – dissatisfied")), (3, _("3 – neither")),
                 (4, _("4 – satisfied")), (5, _("5 – very satisfied"))],
        error_messages={"required": _("Choose a score from 1 to 5."),
                        "invalid_choice": _("Choose a score from 1 to 5.")},
    )
    comment = forms.CharField(label=_("Anything you would like to add? (optional)"), required=False, max_length=2000,
                              widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args, reference: str, **kwargs):
        super().__init__(*args, **kwargs)
        # The request's reference, never its subject: agents write subjects for each other, not for the customer.
        self.fields["score"].label = _("How satisfied are you with how we handled your request %(reference)s?") % {
            "reference": reference}


# --- duplicates review -----------------------------------------------------------------------------

class DuplicateQueueFilterForm(forms.Form):
    """The review queue's filters; a bad value is an error on its field and the filter is left out."""

    min_score = forms.IntegerField(label=_("Score at least (%)"), required=False, min_value=0, max_value=100)
    reason = forms.CharField(label=_("Reason contains"), required=False, max_length=100)
    team = forms.ModelChoiceField(label=_("Team"), queryset=None, required=False, empty_label=_("Every team"))
    origin = forms.ChoiceField(label=_("Found by"), required=False, choices=[])

    def __init__(self, *args, teams, **kwargs):
        from customers.models import DuplicateCandidate

        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = teams
        self.fields["origin"].choices = [("", _("Anything")), *DuplicateCandidate.Origin.choices]

    def filters(self) -> dict:
        if not self.is_valid():
            return {k: v for k, v in self.cleaned_data.items() if v not in (None, "")} if hasattr(
                self, "cleaned_data") else {}
        data = {k: v for k, v in self.cleaned_data.items() if v not in (None, "")}
        if "min_score" in data:
            data["min_score"] = data["min_score"] / 100
        return data


class DuplicateDecisionForm(forms.Form):
    note = forms.CharField(label=_("Note"), required=False, max_length=500)

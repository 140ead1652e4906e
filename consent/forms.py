from django import forms
from django.utils.translation import gettext_lazy as _

from cdm.forms import ShortModelChoiceField
from consent.models import VERBAL_NOTE_REQUIRED, Purpose


class ConsentRecordForm(forms.Form):
    """What an agent records from a call. The method is always "verbal" here, so a note is required."""

    GRANTED, WITHDRAWN = "granted", "withdrawn"

    purpose = ShortModelChoiceField(
        label=_("Purpose"), queryset=Purpose.objects.none(), empty_label=_("Choose a purpose…"),
        error_messages={"required": _("Choose the purpose the customer spoke about.")},
    )
    granted = forms.ChoiceField(
        label=_("The customer"), widget=forms.RadioSelect,
        choices=[(GRANTED, _("granted consent")), (WITHDRAWN, _("withdrew consent"))],
        error_messages={"required": _("Choose whether the customer granted or withdrew consent.")},
    )
    note = forms.CharField(
        label=_("What was said"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000,
        error_messages={"required": VERBAL_NOTE_REQUIRED},
        help_text=_("Who said what on the call, in a sentence."),
    )
    evidence = forms.CharField(
        label=_("Call reference"), required=False, max_length=200,
        help_text=_("Optional: the telephony system's call ID."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Purposes are a catalog, not customer data: every agent may pick any active one.
        self.fields["purpose"].queryset = Purpose.objects.active()

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {"purpose": data["purpose"], "granted": data["granted"] == self.GRANTED, "note": data["note"],
                "evidence": data["evidence"]}

"""The import pages' forms: the upload (file, source, kind, team) and the mapping (one choice per column)."""

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from cdm.forms import ShortModelChoiceField
from customers.imports.mapping import KIND_TARGETS, SKIP, target_label
from customers.models import ImportJob


class ImportUploadForm(forms.Form):
    file = forms.FileField(label=_("File (CSV or XLSX)"),
                           widget=forms.ClearableFileInput(attrs={"accept": ".csv,.txt,.tsv,.xlsx,text/csv"}))
    source = forms.SlugField(label=_("Source system"), max_length=50,
                             help_text=_("Where the file comes from, e.g. shop or crm: ids are kept per source, and "
                                         "the source's last mapping is offered again."))
    kind = forms.ChoiceField(label=_("The file holds"), choices=ImportJob.Kind.choices, initial="customers")
    team = ShortModelChoiceField(label=_("Team of new customers"), queryset=None, required=False,
                                 empty_label=_("Choose…"))

    def __init__(self, *args, teams, sources=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = teams
        if len(teams) == 1:
            self.fields["team"].initial = teams[0].pk
        self.fields["source"].widget.attrs["list"] = "import-sources"
        self.sources = list(sources)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > settings.CDM_IMPORT_MAX_BYTES:
            raise forms.ValidationError(_("%(name)s is larger than %(mb)s MB: split it in parts.") % {
                "name": upload.name, "mb": settings.CDM_IMPORT_MAX_BYTES // (1024 * 1024) or 1}, code="too_big")
        return upload

    def clean(self):
        data = super().clean()
        if data.get("kind") == ImportJob.Kind.CUSTOMERS and not data.get("team"):
            self.add_error("team", _("Choose the team new customers join."))
        return data


class ImportMappingForm(forms.Form):
    """One select per column of the file, named col-<n> (headers may hold anything), labelled by the header."""

    def __init__(self, *args, job: ImportJob, **kwargs):
        super().__init__(*args, **kwargs)
        self.job = job
        choices = [(SKIP, target_label(SKIP))] + [(t, target_label(t)) for t in KIND_TARGETS[job.kind]]
        for index, header in enumerate(job.headers):
            self.fields[f"col-{index}"] = forms.ChoiceField(label=header, choices=choices, required=False,
                                                            initial=job.mapping.get(header, SKIP))

    def columns(self):
        return [(header, self[f"col-{i}"]) for i, header in enumerate(self.job.headers)]

    def mapping(self) -> dict[str, str]:
        return {h: self.cleaned_data.get(f"col-{i}") or SKIP for i, h in enumerate(self.job.headers)}

    def add_service_errors(self, exc) -> None:
        """The service keys errors by column: put each on that column's select."""
        index = {h: f"col-{i}" for i, h in enumerate(self.job.headers)}
        for key, messages in exc.message_dict.items():
            self.add_error(index.get(key), messages)

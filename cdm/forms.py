"""Form pieces shared by the apps."""

from django import forms
from django.forms.models import ModelChoiceIterator


class _ListedChoiceIterator(ModelChoiceIterator):
    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        # Django iterates with QuerySet.iterator(): on PostgreSQL outside a transaction that is a
        # server-side cursor WITH HOLD (DECLARE, FETCH, CLOSE) for what is a short list here.
        for obj in self.queryset:
            yield self.choice(obj)


class ShortModelChoiceField(forms.ModelChoiceField):
    """A ModelChoiceField for short lists (purposes, a team's agents): fetched in one plain query."""

    iterator = _ListedChoiceIterator


def form_add_errors(form, exc) -> None:
    """Put a service's ValidationError on `form`: field-keyed errors next to their field, the rest on top."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for field, errors in exc.message_dict.items():
        form.add_error(field if field in form.fields else None, errors)


def focus_first_error(form) -> None:
    """Autofocus the first field with an error: htmx focuses [autofocus] in swapped content, browsers on
    page load, so the user lands on the field to fix."""
    for name in form.errors:
        if name in form.fields:
            form.fields[name].widget.attrs["autofocus"] = True
            return


def error_code(exc, field: str) -> str | None:
    """The code of the first error on `field` of a ValidationError, if any."""
    errors = getattr(exc, "error_dict", {}).get(field) or []
    return errors[0].code if errors else None

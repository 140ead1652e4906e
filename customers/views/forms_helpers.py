"""Putting a service's errors on a form."""

from django.core.exceptions import ValidationError

def _form_errors(form, exc: ValidationError) -> None:
    """Put a service's ValidationError on the form: field-keyed errors next to their field."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for field, errors in exc.message_dict.items():
        form.add_error(field if field in form.fields else None, errors)


def _focus_first_error(form) -> None:
    # htmx focuses [autofocus] in swapped content, browsers on page load: the agent lands on the field to fix.
    for name in form.errors:
        if name in form.fields:
            form.fields[name].widget.attrs["autofocus"] = True
            return


def _error_code(exc: ValidationError, field: str) -> str | None:
    errors = getattr(exc, "error_dict", {}).get(field) or []
    return errors[0].code if errors else None

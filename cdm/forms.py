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

"""Standardised values of list-typed attributes: synonyms map to the allowed value.

An AttributeDefinition's `synonyms` ({"Information technology": ["IT", "Tech"]}) and its allowed values
themselves are matched case- and accent-insensitively (customers.normalize.search_key): "it",
"INFORMATION TECHNOLOGY" and "Informatión technology" are all stored as "Information technology".
Applied on every write (attribute_value_clean) and, for values stored before a synonym existed, by the
clean-up `attribute_values_standardise`.
"""

from __future__ import annotations

from collections import Counter

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from cdm.use_cases import use_case
from customers.models import AttributeDefinition, CustomerAttribute
from customers.normalize import normalize_text, search_key
from customers.services.base import require_perm

LIST_TYPES = (AttributeDefinition.DataType.CHOICE, AttributeDefinition.DataType.MULTI)


def vocabulary_index(definition: AttributeDefinition) -> dict[str, str]:
    """search_key(allowed value or synonym) -> allowed value."""
    index = {}
    for allowed, words in (definition.synonyms or {}).items():
        if allowed in definition.allowed_values:
            for word in words or []:
                index.setdefault(search_key(word), allowed)
    # An allowed value always stands for itself, whatever a synonym says.
    index.update({search_key(v): v for v in definition.allowed_values})
    return index


def attribute_value_standard(definition: AttributeDefinition, value, index: dict | None = None):
    """The allowed value `value` stands for, or `value` unchanged when it stands for none."""
    if not isinstance(value, str) or definition.data_type not in LIST_TYPES:
        return value
    index = vocabulary_index(definition) if index is None else index
    return index.get(search_key(value), value)


def attribute_synonyms_clean(*, allowed_values, synonyms) -> dict:
    """Validate and tidy a synonyms mapping for the admin: keys are allowed values, values lists of words,
    and no word stands for two allowed values. Raises ValidationError on "synonyms"."""
    if synonyms in (None, ""):
        return {}
    if not isinstance(synonyms, dict):
        raise ValidationError({"synonyms": _('Enter an object such as {"Information technology": ["IT"]}.')},
                              code="invalid")
    allowed = list(allowed_values or [])
    errors, cleaned, seen = [], {}, {search_key(v): v for v in allowed}
    for key, words in synonyms.items():
        if key not in allowed:
            errors.append(_("“%(value)s” is not one of the allowed values.") % {"value": key})
            continue
        if isinstance(words, str):
            words = [words]
        if not isinstance(words, list):
            errors.append(_("The synonyms of “%(value)s” must be a list of words.") % {"value": key})
            continue
        kept = []
        for word in (normalize_text(w) for w in words):
            if not word:
                continue
            other = seen.get(search_key(word))
            if other is not None and other != key:
                errors.append(_("“%(word)s” cannot stand for “%(value)s”: it already stands for “%(other)s”.")
                              % {"word": word, "value": key, "other": other})
                continue
            seen[search_key(word)] = key
            if other is None:
                kept.append(word)
        cleaned[key] = kept
    if errors:
        raise ValidationError({"synonyms": errors}, code="invalid")
    return cleaned


@use_case(atomic=False)
def attribute_values_standardise(*, by, definition: AttributeDefinition | None = None, batch_size: int = 1000) -> dict:
    """Store every list-typed value as the allowed value it stands for; {attribute key: values changed}.

    One UPDATE per distinct stored text of a choice attribute (set-based); multi-valued lists are read
    and rewritten in batches. Safe to run twice: a second run changes nothing.
    """
    require_perm(by, "customers.change_customerattribute")
    definitions = AttributeDefinition.objects.filter(data_type__in=LIST_TYPES)
    if definition is not None:
        definitions = definitions.filter(pk=definition.pk)
    changed: Counter = Counter()
    now = timezone.now()
    for d in definitions:
        index = vocabulary_index(d)
        rows = CustomerAttribute.objects.filter(definition=d)
        if d.data_type == AttributeDefinition.DataType.CHOICE:
            for text in rows.order_by().values_list("value_text", flat=True).distinct():
                standard = attribute_value_standard(d, text, index)
                if standard != text:
                    changed[d.key] += rows.filter(value_text=text).update(value_text=standard, updated_at=now)
            continue
        last = 0
        while True:
            batch = list(rows.filter(pk__gt=last).order_by("pk").only("pk", "value_list")[:batch_size])
            if not batch:
                break
            last = batch[-1].pk
            dirty = []
            for row in batch:
                values = list(dict.fromkeys(attribute_value_standard(d, v, index) for v in row.value_list or []))
                if values != row.value_list:
                    row.value_list, row.updated_at = values, now
                    dirty.append(row)
            if dirty:
                CustomerAttribute.objects.bulk_update(dirty, ["value_list", "updated_at"])
                changed[d.key] += len(dirty)
    return dict(changed)

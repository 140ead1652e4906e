"""The match model in the database: the active weights, and the stewards' decisions as labels."""

from __future__ import annotations

import time
from collections import Counter

from customers.identity.compare import COMPARISONS
from customers.identity.model import MatchParameters
from customers.models import DuplicateCandidate, MatchModel

_CACHE: dict = {"at": 0.0, "params": None}
_TTL = 30.0  # seconds a process keeps the weights before looking for newer ones


def current_parameters(*, fresh: bool = False) -> MatchParameters:
    """The newest active model's weights; the defaults (marked trained_on["default"]) before any training."""
    if not fresh and _CACHE["params"] is not None and time.monotonic() - _CACHE["at"] < _TTL:
        return _CACHE["params"]
    model = MatchModel.objects.filter(active=True).first()
    if model is None:
        params = MatchParameters.defaults()
        params.trained_on = {"default": True}
    else:
        params = MatchParameters.from_json(model.parameters)
        params.trained_on = model.trained_on
    _CACHE.update(at=time.monotonic(), params=params)
    return params


def save_parameters(params: MatchParameters) -> MatchModel:
    model = MatchModel.objects.create(parameters=params.to_json(), trained_on=params.trained_on)
    MatchModel.objects.exclude(pk=model.pk).filter(active=True).update(active=False)
    _CACHE.update(at=0.0, params=None)
    return model


def forget_cached_parameters() -> None:
    _CACHE.update(at=0.0, params=None)


def decided_pairs() -> set[tuple[int, int]]:
    """Pairs a steward decided (merged or not a duplicate): never proposed again."""
    return set(DuplicateCandidate.objects.exclude(status=DuplicateCandidate.Status.OPEN)
               .values_list("customer_a_id", "customer_b_id"))


def labelled_patterns() -> Counter:
    """(level pattern, is the same person) counts from the stewards' decisions."""
    names = [c.name for c in COMPARISONS]
    labels = Counter()
    for status, levels in DuplicateCandidate.objects.exclude(status=DuplicateCandidate.Status.OPEN).values_list(
            "status", "levels"):
        if levels and all(n in levels for n in names):
            labels[(tuple(levels[n] for n in names), status == DuplicateCandidate.Status.MERGED)] += 1
    return labels

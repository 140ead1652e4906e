"""The service contract: who acts is always said, and a use case commits as a whole or not at all.

Every service that a view, the admin, the API, an import or a task calls is a use case:

    @use_case
    def note_create(*, customer, by, body): ...

- `by`, the acting user, is a required keyword: services check rights against it (through
  `restrict()`), history and audit name it. The system acting on its own (seeding, scheduled tasks,
  a customer answering through a signed link) passes `cdm.access.SYSTEM`, never None.
- The outermost use case runs in `transaction.atomic(durable=True)`: nobody can wrap it in a larger
  transaction that might still roll back after it returned, so follow-up work queued on commit
  (cdm.events.emit) leaves only with committed data. Use cases calling use cases join the caller's
  transaction (a savepoint).
- `atomic=False` for long runs that commit batch by batch themselves (archiving a million customers).
"""

from __future__ import annotations

import functools
import inspect
from contextvars import ContextVar

from django.db import transaction

_inside: ContextVar[bool] = ContextVar("cdm_inside_use_case", default=False)


class ActorRequired(TypeError):
    pass


def use_case(fn=None, *, atomic: bool = True):
    if fn is None:
        return functools.partial(use_case, atomic=atomic)
    parameter = inspect.signature(fn).parameters.get("by")
    if parameter is None or parameter.kind is not inspect.Parameter.KEYWORD_ONLY \
            or parameter.default is not inspect.Parameter.empty:
        raise ActorRequired(f"{fn.__qualname__}: a use case takes the acting user as a required keyword `by`.")

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        if kwargs.get("by") is None:
            raise ActorRequired(f"{fn.__qualname__}() needs the acting user: by=<user>, or by=cdm.access.SYSTEM "
                                "when the system itself acts.")
        if _inside.get():
            if not atomic:
                return fn(*args, **kwargs)
            with transaction.atomic():
                return fn(*args, **kwargs)
        token = _inside.set(True)
        try:
            if not atomic:
                return fn(*args, **kwargs)
            with transaction.atomic(durable=True):
                return fn(*args, **kwargs)
        finally:
            _inside.reset(token)

    wrapper.is_use_case = True
    return wrapper

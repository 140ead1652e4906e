"""Merge of customers and its exact undo (issue 10, items 6 and 7).

- `merge_plan` says what a merge would do (the review page): fields that differ with the default choice and
  why, rows that would move per model, unique conflicts and their default resolution, consent differences.
- `customers_merge` merges in one transaction: the survivor takes the chosen values (history row "Merged N
  records: ..."), every row of every model hanging off an absorbed record moves to the survivor (found
  generically, relations.py), absorbed records become "merged" into the survivor, and the Merge row keeps a
  snapshot of everything undo needs.
- `merge_undo` puts it all back, or refuses (code "unsafe_undo") when that would lose later work.
"""

from cdm.use_cases import use_case
from customers.services.merge.apply import customers_merge
from customers.services.merge.plan import (
    MERGE_PERM,
    SOURCE_PRIORITY,
    FieldChoice,
    MergePlan,
    UniqueConflict,
    build_plan,
    check_records,
    load_records,
    merge_default_survivor,
)
from customers.services.merge.relations import customer_relations
from customers.services.merge.undo import MergeUndoResult, merge_undo


@use_case
def merge_plan(*, survivor=None, absorbed: list, by) -> MergePlan:
    """What merging `absorbed` into `survivor` would do (None: the default survivor, merge_default_survivor).
    It writes nothing; `customers_merge` plans again under its row locks."""
    absorbed = list(absorbed)
    if survivor is None:
        survivor = merge_default_survivor(absorbed)
        absorbed = [c for c in absorbed if c.pk != survivor.pk]
    survivor, absorbed = load_records(survivor=survivor, absorbed=absorbed, by=by, action="view")
    check_records(survivor, absorbed)
    return build_plan(survivor, absorbed, by)


__all__ = ["MERGE_PERM", "SOURCE_PRIORITY", "FieldChoice", "MergePlan", "MergeUndoResult", "UniqueConflict",
           "customer_relations", "customers_merge", "merge_default_survivor", "merge_plan", "merge_undo"]

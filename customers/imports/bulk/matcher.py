"""The engine's copy of the match profiles for one import (see customers.imports.bulk)."""

from __future__ import annotations

import os
import tempfile

from customers.identity import duck
from customers.identity.model import MATCH_THRESHOLD
from customers.identity.realtime import MAX_CANDIDATES, PER_KEY
from customers.identity.scan import export_profiles
from customers.identity.store import current_parameters


class Matcher:
    """The engine's DuckDB copy of the match profiles for one import: loaded once, the import's rows added as it
    goes, so each row is compared with the stored customers and with the file's earlier rows."""

    def __init__(self):
        self.con = duck.connect()
        fd, path = tempfile.mkstemp(suffix=".csv")
        os.close(fd)
        try:
            export_profiles(path)
            duck.load_csv(self.con, path)
        finally:
            os.unlink(path)
        duck.incoming_prepare(self.con)
        self.params = current_parameters()
        self.next_ord = self.batch_first = 0
        self.stand_in = 0
        self.real: dict[int, int] = {}  # stand-in id of a row written -> its customer's id

    def new_id(self) -> int:
        self.stand_in -= 1
        return self.stand_in

    def matches(self, rows: list[dict]) -> dict[int, list[tuple]]:
        """{id of an incoming row: [(other id, other team, weight, levels, given similarity, family similarity)]}
        for the likely matches of `rows` (dicts: id, team_id and the profile fields), added to the copy."""
        first = self.batch_first = self.next_ord
        duck.incoming_add(self.con, rows, first)
        self.next_ord += len(rows)
        if not duck.block_incoming(self.con, first, per_key=PER_KEY, max_candidates=MAX_CANDIDATES):
            return {}
        duck.compare(self.con, self.params, min_probability=MATCH_THRESHOLD, table="pair_profiles")
        found: dict[int, list[tuple]] = {}
        for a, b, _a_team, b_team, weight, levels, s_given, s_family in duck.scored(self.con, self.params,
                                                                                   MATCH_THRESHOLD):
            found.setdefault(a, []).append((self.real.get(b, b), b_team, weight, levels, s_given, s_family))
        return found

    def settle(self, ids: dict[int, int]) -> None:
        """The batch's rows written: their stand-in ids stand for these customers from now on."""
        self.real.update(ids)

    def forget(self) -> None:
        """The batch's rows were not written after all (it went row by row): out of the copy."""
        duck.incoming_forget(self.con, self.batch_first)

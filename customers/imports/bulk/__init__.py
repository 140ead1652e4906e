"""Customer rows imported a batch at a time: the same checks and rules as one row at a time, set-based writes.

A file of a million rows cannot go through the one-row services one by one (a few hundred rows a second). Here a
batch of rows takes the same steps as customer_import_row, with each step done for the whole batch:

1. every row checked and normalised by the same functions (run.customer_row_prepare: a bad optional value left
   out and reported, a row without id or identity rejected);
2. the rows whose (source, id) is known update their customer under the two-way sync rules (run.import_changes),
   written with one history row each (services.customer_bulk_update) and a `customer.updated` event each;
3. the others are new customers: compared with the stored customers and the file's earlier rows by the engine
   (customers.identity.duck: the real-time check's blocking keys and caps per row, then the batch scan's
   comparisons, weights, threshold and household rule), then written with binary COPY on PostgreSQL (customers.bulk_copy; bulk_create elsewhere) with
   their history row, their external id, their match profile and a `customer.created` event; a likely match
   becomes a duplicate candidate for the stewards ("matched"), never a merge.

Each batch is one savepoint. If anything in it fails (a value the database refuses, a unique clash with a
concurrent writer), the savepoint is rolled back and that batch goes row by row through customer_import_row, so
the bad row is named in the report and the rest are imported. Rows whose id comes twice in the file, or whose
customer was merged since, go row by row too (the row path follows merges and the earlier row's link).

The engine's copy of the profiles is taken when the import starts: a customer another user creates meanwhile is
compared with the import's rows by the next scan (their profiles are left unscanned), not here.
"""

from customers.imports.bulk.batch import BATCH_SIZE, CustomerBatchImport, customers_import  # noqa: F401
from customers.imports.bulk.matcher import Matcher  # noqa: F401
from customers.imports.bulk.prepare import Prepared, prepare_rows  # noqa: F401

__all__ = ["BATCH_SIZE", "CustomerBatchImport", "Matcher", "Prepared", "customers_import", "prepare_rows"]

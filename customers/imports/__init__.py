"""Customer data in from files: headers mapped to fields, every row resolved against who we already have.

The core of the browser importer (issue 11) and of `manage.py import_customers`: parsing and mapping here,
the writes a batch at a time (bulk/: one savepoint per batch, row by row through customers.services when a
batch fails), so a bad row never leaves half a customer and never stops the rest.
"""

from customers.imports.mapping import FIELD_SYNONYMS, ID_COLUMNS, Mapping, map_headers  # noqa: F401
from customers.imports.run import ImportReport, RowProblem  # noqa: F401
from customers.imports.bulk import customers_import  # noqa: F401
from customers.imports.jobs import (  # noqa: F401
    IMPORT_PERM,
    import_allowed,
    import_job_cancel,
    import_job_create,
    import_job_dry_run,
    import_job_get,
    import_job_list,
    import_job_map,
    import_job_problems,
    import_job_progress,
    import_job_rejected_rows,
    import_job_run,
    import_job_same_file,
    import_job_start,
    import_job_undo,
    import_job_undoable,
)
from customers.imports.parsing import ParsedFile, file_parse  # noqa: F401

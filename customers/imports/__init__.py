"""Customer data in from files: headers mapped to fields, every row resolved against who we already have.

The core of the browser importer (issue 11) and of `manage.py import_customers`: parsing and mapping here,
the writes through customers.services, one savepoint per row so a bad row never leaves half a customer.
"""

from customers.imports.mapping import FIELD_SYNONYMS, ID_COLUMNS, Mapping, map_headers  # noqa: F401
from customers.imports.run import ImportReport, RowProblem, customers_import  # noqa: F401

"""Admin for support staff, one module per area. Saves go through customers.services; fields follow the
field policy. Importing this package registers every admin class."""

from customers.admin import catalog, customers, grants, identity, records, sync  # noqa: F401

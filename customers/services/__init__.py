"""Every write on customers and their transactional data: one function per use case, one module per area.

Each service validates and normalises, saves in one transaction, records history with the acting user
and a reason, and audits sensitive fields. Public names are importable from here
(`from customers.services import customer_update`)."""

from customers.services.archive import (  # noqa: F401
    ArchiveReport,
    customer_archive_inactive,
)
from customers.services.base import (  # noqa: F401
    CREATE_FIELDS,
    SENSITIVE_FIELDS,
    DERIVED_FIELDS,
)
from customers.services.customers import (  # noqa: F401
    customer_number_is_valid,
    customer_number_new,
    customer_conflict,
    customer_create,
    customer_create_checked,
    customer_update,
    customer_bulk_update,
    customer_restore,
    STATUS_PERM,
    customer_touch_activity,
    external_identity_link,
    customer_attribute_set,
    attribute_value_clean,
)
from customers.services.grants import (  # noqa: F401
    GRANT_ACTIONS,
    customer_grant,
    customer_grant_revoke,
)
from customers.services.search_words import (  # noqa: F401
    search_words_prune,
)
from customers.services.sensitive import (  # noqa: F401
    customer_reveal,
)
from customers.services.service_desk import (  # noqa: F401
    service_request_reference_new,
    service_request_create,
    service_request_update,
    note_create,
    service_request_close,
)
from customers.services.survey import (  # noqa: F401
    SURVEY_SALT,
    SURVEY_CHANNEL,
    survey_token_make,
    survey_token_read,
    survey_answer,
    service_request_survey_send,
    service_request_survey_message,
)
from customers.services.transactional import (  # noqa: F401
    order_create,
    product_holding_create,
    product_holding_change_status,
    activity_record,
    feedback_record,
    catalog_save,
)

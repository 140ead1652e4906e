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
    DERIVED_FIELDS,
    SENSITIVE_FIELDS,
)
from customers.services.customers import (  # noqa: F401
    STATUS_PERM,
    attribute_value_clean,
    customer_attribute_set,
    customer_bulk_update,
    customer_conflict,
    customer_create,
    customer_create_checked,
    customer_number_is_valid,
    customer_number_new,
    customer_numbers_new,
    customer_restore,
    customer_touch_activity,
    customer_update,
    external_identity_link,
)
from customers.services.automerge import (  # noqa: F401
    auto_merge_rule_save,
    duplicates_auto_merge,
)
from customers.services.duplicates import (  # noqa: F401
    DECIDE_PERM,
    customer_matches_raise,
    duplicate_candidate_dismiss,
    duplicate_candidate_raise,
    duplicate_candidate_skip,
    duplicates_scan,
)
from customers.services.grants import (  # noqa: F401
    GRANT_ACTIONS,
    customer_grant,
    customer_grant_revoke,
)
from customers.services.upsert import (  # noqa: F401
    AmbiguousMatch,
    UpsertResult,
    customer_upsert,
)
from customers.services.search_words import (  # noqa: F401
    search_words_prune,
)
from customers.services.sensitive import (  # noqa: F401
    customer_reveal,
)
from customers.services.service_desk import (  # noqa: F401
    note_create,
    service_request_close,
    service_request_create,
    service_request_reference_new,
    service_request_update,
)
from customers.services.survey import (  # noqa: F401
    SURVEY_CHANNEL,
    SURVEY_SALT,
    service_request_survey_message,
    service_request_survey_send,
    survey_answer,
    survey_token_make,
    survey_token_read,
)
from customers.services.transactional import (  # noqa: F401
    activity_record,
    catalog_save,
    feedback_record,
    order_create,
    product_holding_change_status,
    product_holding_create,
)
from customers.services.merge import (  # noqa: F401
    MergePlan,
    MergeUndoResult,
    customers_merge,
    merge_default_survivor,
    merge_plan,
    merge_undo,
)
from customers.services.quality import (  # noqa: F401
    QualityReport,
    customer_quality_refresh,
    email_is_valid,
    phone_is_valid,
    quality_snapshot_record,
)
from customers.services.verification import (  # noqa: F401
    PHONE_CODE_MINUTES,
    PHONE_MAX_ATTEMPTS,
    customer_email_verification_send,
    customer_email_verify,
    customer_phone_verification_send,
    customer_phone_verify,
    email_verification_read,
    email_verification_token,
)
from customers.services.vocabulary import (  # noqa: F401
    attribute_synonyms_clean,
    attribute_value_standard,
    attribute_values_standardise,
)

"""Reads of customers: every one starts from a restricted queryset. One module per area; public names are
importable from here (`from customers.selectors import customer_get`)."""

from customers.selectors.customers import (  # noqa: F401
    customer_list,
    customers_inactive,
    CustomerMerged,
    customer_get,
    customer_resolve_merged,
    SENSITIVE_FIELDS,
    customer_create_teams,
    customer_stats,
)
from customers.selectors.duplicates import (  # noqa: F401
    DUPLICATE_NAME_SIMILARITY,
    MATCH_FIELDS,
    customer_possible_duplicates,
    customer_suspected_duplicates,
)
from customers.selectors.page import (  # noqa: F401
    history_fields,
    customer_history,
    TIMELINE_PAGE_SIZE,
    customer_timeline,
    customer_holdings,
    customer_change_since,
)
from customers.selectors.search import (  # noqa: F401
    RANK_EXACT,
    RANK_PREFIX,
    RANK_CONTAINS,
    RANK_SIMILAR,
    NEAR_MISS_CORRECTIONS,
    NEAR_MISS_SIMILARITY,
    NEAR_MISS_MAX_WORDS,
    NEAR_MISS_MAX_BRANCHES,
    customer_search,
    SEARCH_MAX_WORDS,
    SEARCH_MAX_LENGTH,
    search_query_clean,
    search_query_shortened,
    search_query_kind,
)
from customers.selectors.service_desk import (  # noqa: F401
    service_requests_open,
    service_request_get,
    service_requests_mine,
    MY_REQUESTS_SORTS,
    service_request_assignees,
    service_request_can_update,
    notes_latest,
    feedback_list,
)

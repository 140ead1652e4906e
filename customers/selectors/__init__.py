"""Reads of customers: every one starts from a restricted queryset. One module per area; public names are
importable from here (`from customers.selectors import customer_get`)."""

from customers.selectors.customers import (  # noqa: F401
    CustomerMerged,
    customer_create_teams,
    customer_get,
    customer_list,
    customer_resolve,
    customer_by_external_id,
    customer_resolve_merged,
    customer_stats,
    customer_version_get,
    customers_inactive,
)
from customers.selectors.duplicates_queue import (  # noqa: F401
    cluster_review,
    customer_merges,
    customer_suspected_duplicates,
    customers_holdings,
    duplicate_candidates,
    duplicate_candidates_export,
    duplicate_cluster_pairs,
    duplicate_clusters,
    external_ids_by_customer,
    merge_get,
)
from customers.selectors.page import (  # noqa: F401
    TIMELINE_PAGE_SIZE,
    customer_change_since,
    customer_history,
    customer_holdings,
    customer_timeline,
    history_fields,
)
from customers.selectors.search import (  # noqa: F401
    NAME_CANDIDATES,
    NEAR_MISS_CORRECTIONS,
    NEAR_MISS_MAX_BRANCHES,
    NEAR_MISS_MAX_WORDS,
    NEAR_MISS_SIMILARITY,
    RANK_CONTAINS,
    RANK_EXACT,
    RANK_PREFIX,
    RANK_SIMILAR,
    SEARCH_MAX_LENGTH,
    SEARCH_MAX_WORDS,
    customer_search,
    search_query_clean,
    search_query_kind,
    search_query_shortened,
)
from customers.selectors.service_desk import (  # noqa: F401
    MY_REQUESTS_SORTS,
    feedback_list,
    notes_latest,
    service_request_assignees,
    service_request_can_update,
    service_request_get,
    service_requests_mine,
    service_requests_open,
)
from customers.selectors.quality import (  # noqa: F401
    FIGURES,
    quality_dashboard,
    quality_dashboard_allowed,
    quality_figure_customers,
    quality_figure_get,
    quality_trend_csv_rows,
)

"""Pages of the service desk, one module per area (search and the customer, requests and notes, survey)."""

from customers.views.customers import (  # noqa: F401
    HIDDEN_ON_PAGE,
    SEARCH_PAGE_SIZE,
    customer_create,
    customer_create_matches,
    customer_detail,
    customer_edit,
    customer_list,
    customer_restore,
    customer_reveal,
    customer_timeline,
    customer_version,
    follow_merged,
)
from customers.views.duplicates import (  # noqa: F401
    duplicate_cluster,
    duplicate_merge,
    duplicate_pair_dismiss,
    duplicate_pair_skip,
    duplicate_queue,
    merge_detail,
)
from customers.views.imports import (  # noqa: F401
    import_cancel,
    import_detail,
    import_list,
    import_new,
    import_progress,
    import_rejected_csv,
    import_undo,
)
from customers.views.service_desk import (  # noqa: F401
    DESK_ANCHORS,
    DESK_MODELS,
    DESK_PARTIALS,
    TIMELINE_CHANGED,
    customer_feedback,
    customer_notes,
    my_requests,
    service_desk_context,
    service_request_change,
    service_requests,
)
from customers.views.survey import (  # noqa: F401
    SURVEY_HEADERS,
    SURVEY_REFUSED_STATUS,
    survey,
    survey_thanks,
)
from customers.views.quality import (  # noqa: F401
    FIGURE_PAGE_SIZE,
    quality_dashboard,
    quality_figure,
    quality_trend_csv,
)
from customers.views.verification import (  # noqa: F401
    customer_verify_email,
    customer_verify_phone,
    verify_email_confirm,
)

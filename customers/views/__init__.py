"""Pages of the service desk, one module per area (search and the customer, requests and notes, survey)."""

from customers.views.customers import (  # noqa: F401
    SEARCH_PAGE_SIZE,
    follow_merged,
    customer_list,
    customer_create,
    customer_create_matches,
    customer_detail,
    HIDDEN_ON_PAGE,
    customer_timeline,
    customer_version,
    customer_reveal,
    customer_restore,
    customer_edit,
)
from customers.views.service_desk import (  # noqa: F401
    TIMELINE_CHANGED,
    DESK_PARTIALS,
    DESK_ANCHORS,
    DESK_MODELS,
    service_desk_context,
    service_requests,
    service_request_change,
    customer_notes,
    customer_feedback,
    my_requests,
)
from customers.views.survey import (  # noqa: F401
    SURVEY_HEADERS,
    SURVEY_REFUSED_STATUS,
    survey,
    survey_thanks,
)

"""Customer master data, the identity graph and transactional data (kept apart, never copied in).

One module per area; every model is importable from here (`from customers.models import Customer`)."""

from customers.models.activity import (  # noqa: F401
    Activity,
)
from customers.models.attributes import (  # noqa: F401
    AttributeDefinition,
    CustomerAttribute,
)
from customers.models.customers import (  # noqa: F401
    UNTRACKED_FIELDS,
    Customer,
    CustomerGroupObjectPermission,
    CustomerQuerySet,
    CustomerUserObjectPermission,
    HistoryBypassError,
    SearchWord,
    history_tracked_bulk_writes,
)
from customers.models.identity import (  # noqa: F401
    ExternalIdentity,
)
from customers.models.imports import (  # noqa: F401
    ImportCreated,
    ImportFile,
    ImportJob,
    ImportProblem,
    ImportSource,
)
from customers.models.matching import (  # noqa: F401
    AutoMergeRule,
    DuplicateCandidate,
    MatchModel,
    MatchProfile,
    Merge,
)
from customers.models.products import (  # noqa: F401
    Order,
    OrderLine,
    Product,
    ProductHolding,
)
from customers.models.sync import (  # noqa: F401
    DEFAULT_PRIORITY,
    MANUAL,
    SkippedChange,
    SourceSystem,
)
from customers.models.quality import (  # noqa: F401
    PhoneVerification,
    QualitySnapshot,
)
from customers.models.service import (  # noqa: F401
    Feedback,
    Note,
    ServiceRequest,
)

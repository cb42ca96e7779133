"""Import every module that declares worker tasks, so that the consumer knows them all."""

from ..exports import tasks as _export_tasks  # noqa: F401
from ..maintenance import worker_tasks as _maintenance_tasks  # noqa: F401
from ..notifications import tasks as _notification_tasks  # noqa: F401
from ..webhooks import tasks as _webhook_tasks  # noqa: F401
from . import jobs as _jobs  # noqa: F401

"""The maintenance schedule, run by the worker: every minute it runs the tasks now due.

The schedule itself lives in MAINTENANCE_SCHEDULE (maintenance/tasks.py reads it); this
module only gives the worker a clock. A cron line calling `flask run-due-tasks` every minute
does the same job where no worker runs (README, "Operations").
"""

from __future__ import annotations

from ..worker import register_periodic
from .tasks import run_due_tasks


def run_due_maintenance() -> list[str]:
    """Run the maintenance tasks due now; return "task: outcome" for each run."""
    return [f"{run.task}: {run.outcome}" for run in run_due_tasks(trigger="schedule")]


maintenance_tick = register_periodic("maintenance-due-tasks", {"minute": "*"}, run_due_maintenance)

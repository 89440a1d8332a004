"""Celery tasks of the sellers app (thin: ids in, service call, idempotent)."""

from sellers.tasks.brands import *  # noqa: F403
from sellers.tasks.onboarding import *  # noqa: F403
from sellers.tasks.recovery import *  # noqa: F403

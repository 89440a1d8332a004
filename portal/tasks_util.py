from __future__ import annotations

import logging

from django.db import transaction

logger = logging.getLogger(__name__)


def enqueue_on_commit(task, **kwargs) -> None:
    """Send ``task`` with keyword arguments once the current transaction commits.

    A broker outage must not fail the request that caused the work: the
    failure is logged and the periodic sweeps pick up what was not sent.
    """

    def _send():
        try:
            task.apply_async(kwargs=kwargs)
        except Exception:  # the broker is down; the sweep re-sends later
            logger.exception("could not enqueue %s(%s); a sweep will retry", task.name, kwargs)

    transaction.on_commit(_send)

"""The Celery app. Settings come from Django's ``CELERY_*`` settings.

Reliability choices (see settings): tasks are acknowledged late and rejected
back to the queue when a worker dies, prefetch is one, and Redis' visibility
timeout outlives any countdown. Tasks must therefore be idempotent: they take
ids, re-read rows and check state before acting.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

app = Celery("hallmark")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

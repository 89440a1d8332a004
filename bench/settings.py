"""The project's settings, plus a bench-only URL and no rate limit.

The throttle class stays in place (its cost is part of every request) but
its limit is raised: a benchmark measures capacity, not the limit.
"""

import os

os.environ.setdefault("API_RATE_LIMIT", "100000000/min")
os.environ.setdefault("DJANGO_DEBUG", "false")

from portal.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
MODERATION_REPORT_RATE = "100000000/min"

"""Console screens for the sellers app, one module per area."""

from sellers.admin import brands, onboarding  # noqa: F401  (registers the ModelAdmins)

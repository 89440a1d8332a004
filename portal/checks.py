"""System checks for what Hallmark assumes of its environment (registered when the app is ready).

None are registered at the moment: PostgreSQL runs on Django's own backend, which
needs no check of ours.
"""

"""Hallmark's PostgreSQL database backend (``ENGINE = "portal.db_backend"``); see ``base``."""

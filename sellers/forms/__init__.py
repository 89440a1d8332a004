"""Seller-facing forms, one module per area."""

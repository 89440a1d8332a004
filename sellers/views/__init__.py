"""Seller-facing views, one module per area."""

"""Console: brands, trademark registrations and brand authorizations."""

"""Console: sellers, applications and documents (vetting)."""

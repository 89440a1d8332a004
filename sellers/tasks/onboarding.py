"""Tasks: document pipeline, recertification and retention sweeps."""

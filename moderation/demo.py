"""Demo moderation data for the embedded mode (receiver of portal's seed_demo_data)."""

"""tss layer."""

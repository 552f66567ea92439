"""Use cases: one async handler per command, over ports we own."""

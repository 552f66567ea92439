"""Storage and carrier adapters of the logistics service."""

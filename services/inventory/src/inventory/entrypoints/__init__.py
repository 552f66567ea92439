"""Inventory entrypoints."""

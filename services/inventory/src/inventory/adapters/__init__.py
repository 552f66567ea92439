"""Inventory adapters."""

"""Inventory service layer."""

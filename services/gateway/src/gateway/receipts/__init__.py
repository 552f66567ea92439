"""Receipts for tills and customers: plain text (a receipt printer) and a printable page."""

"""chainstore logistics: carriers, shipments, waybills and normalised tracking timelines."""

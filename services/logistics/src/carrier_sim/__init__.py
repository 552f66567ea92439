"""A demo carrier API: waybills, scans walked at a pace, signed pushes and polling."""

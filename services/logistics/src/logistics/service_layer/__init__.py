"""Use cases of the logistics service and the ports they need."""

"""The JSON shapes of the public API (api.md): request models validate, response models document."""

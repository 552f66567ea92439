"""The JSON shapes of the public API (docs/api-conventions.md): request models validate,
response models document."""

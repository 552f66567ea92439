"""Proto ↔ JSON translation, one small module per area. No I/O, no decisions."""

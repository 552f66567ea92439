"""The order model: pure Python, no I/O."""

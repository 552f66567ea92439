"""Console strings, one module per area: `TEXT = {"area.key": ("中文", "English")}`."""

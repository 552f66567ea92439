"""Mainland China as a retail chain sees it: administrative divisions (GB/T 2260),
sales regions derived from provinces, and the formats of mobile numbers and postcodes."""

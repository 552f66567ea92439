"""EAN-13 barcodes (GB 12904, the codes Chinese goods carry: 690-699 prefixes and others).

Twelve digits and a check digit: weights 1,3,1,3… from the left, the check digit brings
the weighted sum to a multiple of ten.
"""

from __future__ import annotations

LENGTH = 13


def check_digit(first_twelve: str) -> int:
    if len(first_twelve) != LENGTH - 1 or not first_twelve.isascii() or not first_twelve.isdigit():
        raise ValueError("twelve digits are needed")
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(first_twelve))
    return (10 - total % 10) % 10


def barcode_problem(code: str) -> str:
    """Why `code` is not a valid EAN-13 ("" when it is)."""
    if len(code) != LENGTH or not code.isascii() or not code.isdigit():
        return "an EAN-13 barcode is 13 digits"
    if int(code[-1]) != check_digit(code[:-1]):
        return f"check digit is wrong (expected {check_digit(code[:-1])})"
    return ""


def is_ean13(code: str) -> bool:
    return not barcode_problem(code)

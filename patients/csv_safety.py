"""Cells for CSV files that people open in a spreadsheet.

A spreadsheet runs a cell that starts with =, +, - or @ as a formula (and some also after a tab, a
carriage return or leading spaces), so a referral reason like "=HYPERLINK(...)" could run on an admin's
machine. Every value written to an export goes through `spreadsheet_safe`.
"""

# Characters that make a spreadsheet read a cell as a formula (OWASP's list, plus a line feed).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")


def spreadsheet_safe(value: object) -> str:
    """The value as text that a spreadsheet shows and never runs: a leading ' when it could start a formula.

    None becomes an empty cell; anything else is written as str(value).
    """
    text = "" if value is None else str(value)
    if text.lstrip(" ").startswith(_FORMULA_STARTS):
        return f"'{text}"
    return text

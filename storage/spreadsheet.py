"""Cells of the CSV files the desk and the command line write, made safe to open in a spreadsheet.

A cell starting with = + - @ (or a tab or carriage return) is taken for a formula by Excel, LibreOffice and
Sheets: text read from a document or typed in the registry, such as =HYPERLINK("http://…","click"), would run
on the reviewer's computer. Such cells get a leading apostrophe, which the spreadsheet shows as plain text.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """The value, with a leading apostrophe when it is text a spreadsheet would read as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def safe_row(row: Iterable[Any]) -> list[Any]:
    return [safe_cell(v) for v in row]

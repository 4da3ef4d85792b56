"""The one date finder (extractors.normalize): spans found by one pattern family after the OCR digit repair,
parsed by dateutil; US month-first; a missing day is never invented, except a month-and-year end of validity,
which means the month's last day."""

from __future__ import annotations

from datetime import date

import pytest

from extractors.labelvalue import date_range, month_year
from extractors.normalize import find_dates, month_number, parse_date
from validators.rules import activity_dates_named, with_years


@pytest.mark.parametrize(("text", "want"), [
    ("10/02/2026", date(2026, 10, 2)),        # month first
    ("2026-11-20", date(2026, 11, 20)),
    ("Sept. 5, 2026", date(2026, 9, 5)),
    ("SEPTEMBER 5th 2026", date(2026, 9, 5)),
    ("5-Sep-26", date(2026, 9, 5)),
    ("12.31.98", date(1998, 12, 31)),
    ("Sepember 5, 2026", date(2026, 9, 5)),   # a letter lost to OCR inside the name
    ("1O/2l/2026", date(2026, 10, 21)),       # OCR letters for digits, repaired first
    ("Expires 07/01/2027 at noon", date(2027, 7, 1)),
])
def test_a_printed_date_is_read(text: str, want: date) -> None:
    assert parse_date(text) == want


@pytest.mark.parametrize("text", ["13/02/2026", "Feb 30, 2026", "June 2027", "Mayor 5 2026", "06/2028", ""])
def test_what_is_not_a_whole_date_is_not_read_as_one(text: str) -> None:
    """No day and month are swapped to make a date, and no missing day is filled in."""
    assert parse_date(text) is None


def test_spans_and_order() -> None:
    text = "Policy 03/01/2026 to March 1, 2027; issued 15 Feb 2026"
    assert [(d, text[s:e]) for d, s, e in find_dates(text)] == [
        (date(2026, 3, 1), "03/01/2026"), (date(2027, 3, 1), "March 1, 2027"), (date(2026, 2, 15), "15 Feb 2026")]


def test_month_and_year_only_as_an_end_is_the_months_last_day() -> None:
    assert month_year("Valid through Feb 2028", end=True) == date(2028, 2, 29)
    assert month_year("Sept. 2027", end=False) == date(2027, 9, 1)
    assert month_number("Sept.") == 9 and month_number("DECEMBER") == 12 and month_number("Mayor") is None


def test_ranges_and_yearless_dates_use_the_same_month_names() -> None:
    assert date_range("Sept 16-23, 2027") == (date(2027, 9, 16), date(2027, 9, 23))
    assert with_years("Dec 5 through Jan 9, 2027") == "Dec 5, 2026 through Jan 9, 2027"
    assert activity_dates_named("Games on Sept 18 and Oct 2", [date(2027, 9, 18), date(2027, 10, 9)]) == [
        date(2027, 9, 18)]

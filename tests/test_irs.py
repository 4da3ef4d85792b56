"""Importing the IRS automatic-revocation list and Publication 78 data, bad rows included."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from validators.irs import (
    RowError,
    load_pub78,
    load_revocations,
    normalize_ein,
    parse_irs_date,
    parse_pub78,
    parse_revocations,
    revocation_index,
)

REVOCATIONS = (
    Path(__file__).resolve().parents[1].parent / "shared" / "corpus" / "dev" / "irs" / "revocations.txt"
)


@pytest.fixture(scope="module")
def lines() -> list[str]:
    return REVOCATIONS.read_text(encoding="utf-8").splitlines(keepends=True)


def test_dev_revocation_list(lines):
    revs, errors = parse_revocations(lines)
    assert errors == []
    assert len(revs) == len([ln for ln in lines if ln.strip()])
    first = lines[0].split("|")
    assert revs[0].ein == f"{first[0][:2]}-{first[0][2:]}"
    assert revs[0].legal_name == first[1]
    assert revs[0].revocation_date == parse_irs_date(first[9])
    assert all(len(r.ein) == 10 and r.ein[2] == "-" for r in revs)


def test_reinstated_rows_are_kept_and_marked(lines):
    revs, _ = parse_revocations(lines)
    reinstated = [r for r in revs if r.reinstatement_date]
    raw = [ln.rstrip("\n").split("|") for ln in lines if ln.rstrip("\n").split("|")[11]]
    assert len(reinstated) == len(raw) > 0
    for r, cells in zip(reinstated, raw, strict=True):
        assert r.ein.replace("-", "") == cells[0]
        assert r.reinstatement_date == parse_irs_date(cells[11])
        assert r.reinstatement_date > r.revocation_date
    index = load_revocations(REVOCATIONS)
    assert index[reinstated[0].ein].reinstatement_date == reinstated[0].reinstatement_date
    assert sum(r.reinstatement_date is None for r in index.values()) == len(revs) - len(reinstated)


def test_malformed_rows_are_reported_with_line_numbers_and_skipped(lines, tmp_path):
    good = lines[:3]
    bad = [
        "12345|TOO SHORT EIN||1 MAIN ST|ALBUQUERQUE|NM|87102|US|03|01-JAN-2020|01-JUN-2020|\n",
        "201333537|MISSING COLUMNS|01-JAN-2020\n",
        "\n",
        "209999999|BAD DATE||1 MAIN ST|ALBUQUERQUE|NM|87102|US|03|31-FOO-2020|01-JUN-2020|\n",
        "209999998|NO REVOCATION DATE||1 MAIN ST|ALBUQUERQUE|NM|87102|US|03||01-JUN-2020|\n",
    ]
    path = tmp_path / "revocations.txt"
    path.write_text("".join([good[0], *bad, *good[1:]]), encoding="utf-8")
    errors: list[RowError] = []
    index = load_revocations(path, errors)
    assert [e.line_no for e in errors] == [2, 3, 5, 6]
    assert "EIN '12345' is not 9 digits" in str(errors[0])
    assert "expected 12 columns, found 3" in errors[1].reason
    assert "not a date" in errors[2].reason
    assert errors[3].reason == "no revocation date"
    assert str(errors[0]).startswith("line 2:")
    assert len(index) == 3  # the good rows around the bad ones all made it


def test_header_and_trailing_pipe_are_tolerated():
    rows = [
        "EIN|Legal Name|DBA|Address|City|State|ZIP|Country|Type|Revocation Date|Posting Date"
        "|Reinstatement Date\n",
        "850312345|A CLUB||1 MAIN|ALBUQUERQUE|NM|87102|US|03|15-MAY-2019|01-OCT-2019|\n",
        "850312346|B CLUB||1 MAIN|ALBUQUERQUE|NM|87102|US|03|15-MAY-2019|01-OCT-2019|02-FEB-2021|\n",
    ]
    revs, errors = parse_revocations(rows)
    assert errors == []
    assert [(r.ein, r.revocation_date, r.reinstatement_date) for r in revs] == [
        ("85-0312345", date(2019, 5, 15), None),
        ("85-0312346", date(2019, 5, 15), date(2021, 2, 2)),
    ]


def test_a_later_revocation_outweighs_an_earlier_reinstatement():
    rows = [
        "850312345|A CLUB||1 MAIN|ALBUQUERQUE|NM|87102|US|03|15-MAY-2015|01-OCT-2015|02-FEB-2016",
        "850312345|A CLUB||1 MAIN|ALBUQUERQUE|NM|87102|US|03|15-MAY-2022|01-OCT-2022|",
    ]
    index = revocation_index(parse_revocations(rows)[0])
    assert index["85-0312345"].reinstatement_date is None
    assert index["85-0312345"].revocation_date == date(2022, 5, 15)


def test_pub78(tmp_path):
    path = tmp_path / "data-download-pub78.txt"
    path.write_text(
        "000019818|PALMER SECOND BAPTIST CHURCH|BATTLE CREEK|MI|United States|PC\n"
        "850312345|RIO GRANDE YOUTH SOCCER LEAGUE INC|ALBUQUERQUE|NM|United States|PC\n"
        "85031234|SHORT EIN|ALBUQUERQUE|NM|United States|PC\n"
        "850312399||ALBUQUERQUE|NM|United States|PC\n"
        "just some text\n",
        encoding="utf-8",
    )
    errors: list[RowError] = []
    listed = load_pub78(path, errors)
    assert listed == {
        "00-0019818": ("PALMER SECOND BAPTIST CHURCH", "PC"),
        "85-0312345": ("RIO GRANDE YOUTH SOCCER LEAGUE INC", "PC"),
    }
    assert [e.line_no for e in errors] == [3, 4, 5]
    assert str(errors[0]).startswith("line 3: EIN '85031234' is not 9 digits")
    # no deductibility column
    assert parse_pub78(["850312345|X|ABQ|NM|United States\n"]) == ({"85-0312345": ("X", None)}, [])


def test_values():
    assert normalize_ein("20-1333537") == normalize_ein("201333537") == "20-1333537"
    assert normalize_ein("2013335") is None
    assert parse_irs_date("08-JUL-2018") == date(2018, 7, 8)
    assert parse_irs_date("2018-07-08") == date(2018, 7, 8)
    assert parse_irs_date("") is None
    with pytest.raises(ValueError):
        parse_irs_date("JUL 2018")

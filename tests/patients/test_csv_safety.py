"""spreadsheet_safe: no cell of an export can run as a formula when opened in a spreadsheet."""

import datetime

import pytest

from patients.csv_safety import spreadsheet_safe


@pytest.mark.parametrize(
    "value",
    [
        '=HYPERLINK("http://example.test/steal","Click")',
        "=1+1",
        "+1",
        "-2",
        "@SUM(A1:A2)",
        "\t=1+1",
        "\r=1+1",
        "\n=1+1",
        "  =1+1",
    ],
)
def test_a_cell_that_could_start_a_formula_gets_a_leading_quote(value: str) -> None:
    assert spreadsheet_safe(value) == f"'{value}"


@pytest.mark.parametrize(
    "value",
    ["Maria Garcia", "Primary care", "1968-04-21", "TEST-0042", "Needs help with rent = urgent", "", "a-b"],
)
def test_ordinary_text_is_kept_as_it_is(value: str) -> None:
    assert spreadsheet_safe(value) == value


@pytest.mark.parametrize(
    ("value", "expected"),
    [(None, ""), (7, "7"), (-3, "'-3"), (datetime.date(2024, 3, 1), "2024-03-01")],
)
def test_other_values_become_text_and_are_made_safe_too(value: object, expected: str) -> None:
    assert spreadsheet_safe(value) == expected


def test_a_value_already_quoted_is_quoted_once_more_only_if_it_could_run() -> None:
    assert spreadsheet_safe("'=1+1") == "'=1+1"

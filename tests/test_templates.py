"""Template source checks that the template engine itself does not make."""

from pathlib import Path

import pytest

TEMPLATES = sorted((Path(__file__).resolve().parents[1] / "templates").rglob("*.html"))


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda path: path.name)
def test_one_line_comments_close_on_their_line(template: Path) -> None:
    # Django's {# #} comment ends at the line's end; left open, the rest is sent to the browser as
    # page text, where a "<id>" in it became an element that covered the care-team card.
    unclosed = [
        number
        for number, line in enumerate(template.read_text().splitlines(), start=1)
        if "{#" in line and "#}" not in line[line.index("{#") :]
    ]
    assert unclosed == [], f"{template.name}: use {{% comment %}} for comments over several lines: {unclosed}"

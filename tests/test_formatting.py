"""How numbers and lists are written in the paper."""

import pytest

from qa_lib.formatting import join_words, lower_first, whole_percent


@pytest.mark.parametrize(
    "value, expected",
    [
        (81.875, 82),
        (18.125, 18),
        (8.5, 9),
        (2.5, 3),
        (0.5, 1),
        (59.40594059405941, 59),
        (100 * 29 / 200, 15),  # 14.499999999999998 in binary floating point
        (66.66666666666667, 67),
        (0, 0),
        (100, 100),
        (14.49, 14),
    ],
)
def test_whole_percent_rounds_half_up(value, expected):
    assert whole_percent(value) == expected


def test_join_words():
    assert join_words(["a"]) == "a"
    assert join_words(["a", "b", "c"]) == "a, b and c"
    assert lower_first("Good") == "good"

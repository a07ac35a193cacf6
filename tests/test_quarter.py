from datetime import date

import pytest

from qa_lib.errors import ParameterError
from qa_lib.quarter import Quarter


def test_parse_and_dates_follow_the_financial_year():
    q4 = Quarter.parse("2013-14-Q4")
    assert (q4.start_date, q4.end_date) == (date(2014, 1, 1), date(2014, 3, 31))
    q1 = Quarter.parse("2014-15-Q1")
    assert (q1.start_date, q1.end_date) == (date(2014, 4, 1), date(2014, 6, 30))
    assert str(q4) == "2013-14-Q4"
    assert q4.months == "January to March 2014"
    assert q4.name == "quarter 4" and q4.short_label == "Q4 2013-14"


def test_previous_and_next_cross_the_year_boundary():
    q1 = Quarter.parse("2014-15-Q1")
    assert str(q1.previous) == "2013-14-Q4"
    assert q1.previous.next == q1
    assert Quarter.parse("2013-14-Q3") < Quarter.parse("2013-14-Q4") < q1


@pytest.mark.parametrize("text", ["2013-14-Q5", "../2013-14-Q4", "2013-15-Q1", "2013/14 Q4", "", "2013-14-q4"])
def test_malformed_quarters_are_refused(text):
    with pytest.raises(ParameterError):
        Quarter.parse(text)

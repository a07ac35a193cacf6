"""Financial-year quarters such as ``2013-14-Q4`` (Q1 = April to June)."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date

from qa_lib.errors import ParameterError

_QUARTER_RE = re.compile(r"^(\d{4})-(\d{2})-Q([1-4])$")


@dataclass(frozen=True, order=True)
class Quarter:
    """A quarter of a financial year that starts in April of ``start_year``."""

    start_year: int
    number: int

    @classmethod
    def parse(cls, text: str) -> Quarter:
        """Parse ``YYYY-YY-QN``; raise :class:`ParameterError` on anything else."""
        match = _QUARTER_RE.match(str(text))
        if not match:
            raise ParameterError(f"quarter {text!r} is not of the form YYYY-YY-QN (for example 2013-14-Q4)")
        start, end_short, number = int(match[1]), int(match[2]), int(match[3])
        if (start + 1) % 100 != end_short:
            raise ParameterError(f"quarter {text!r}: the financial year {start} must end in {(start + 1) % 100:02d}")
        return cls(start, number)

    def __str__(self) -> str:
        return f"{self.start_year}-{(self.start_year + 1) % 100:02d}-Q{self.number}"

    @property
    def _first_month(self) -> tuple[int, int]:
        month = 4 + 3 * (self.number - 1)
        year = self.start_year
        if month > 12:
            month -= 12
            year += 1
        return year, month

    @property
    def start_date(self) -> date:
        year, month = self._first_month
        return date(year, month, 1)

    @property
    def end_date(self) -> date:
        year, month = self._first_month
        last_month = month + 2
        return date(year, last_month, calendar.monthrange(year, last_month)[1])

    @property
    def previous(self) -> Quarter:
        if self.number == 1:
            return Quarter(self.start_year - 1, 4)
        return Quarter(self.start_year, self.number - 1)

    @property
    def next(self) -> Quarter:
        if self.number == 4:
            return Quarter(self.start_year + 1, 1)
        return Quarter(self.start_year, self.number + 1)

    @property
    def ordinal(self) -> int:
        """A running count of quarters, for spacing them on a time axis."""
        return self.start_year * 4 + self.number - 1

    @property
    def name(self) -> str:
        """``quarter 4``, as the committee report says it."""
        return f"quarter {self.number}"

    @property
    def financial_year(self) -> str:
        return f"{self.start_year}-{(self.start_year + 1) % 100:02d}"

    @property
    def long_name(self) -> str:
        """``quarter 4 2013-14``, unambiguous across years."""
        return f"quarter {self.number} {self.financial_year}"

    @property
    def short_label(self) -> str:
        """``Q4 2013-14``, for chart axes and table headers."""
        return f"Q{self.number} {self.financial_year}"

    @property
    def months(self) -> str:
        """``January to March 2014``."""
        start, end = self.start_date, self.end_date
        return f"{calendar.month_name[start.month]} to {calendar.month_name[end.month]} {end.year}"

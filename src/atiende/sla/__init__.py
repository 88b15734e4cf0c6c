"""Service levels: business calendars (calendar.py), later SLA policies, clocks and breaches."""

from .calendar import Calendar, WeeklyHours
from .holidays_source import holiday_dates

__all__ = ["Calendar", "WeeklyHours", "holiday_dates"]

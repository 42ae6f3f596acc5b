from .access import AccessGrant
from .audit import AuditEvent
from .calendar import CalendarDay, CalendarYear, DeadlineRule
from .directory import Unit, UnitMembership
from .due import DueItem

__all__ = [
    "AccessGrant",
    "AuditEvent",
    "CalendarDay",
    "CalendarYear",
    "DeadlineRule",
    "DueItem",
    "Unit",
    "UnitMembership",
]

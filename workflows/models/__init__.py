from .access import AccessGrant
from .accounts import PasswordHistory
from .audit import AuditAnchor, AuditEvent
from .calendar import CalendarDay, CalendarYear, DeadlineRule
from .definitions import DefinitionVersion, FlowSlot, StageDefinition
from .directory import Unit, UnitMembership
from .due import DueItem
from .health import Heartbeat
from .reminders import DueAction, DueUrge
from .runs import Delegation, StageRun, StageTask, UserPhrase
from .work import WorkItem

__all__ = [
    "AccessGrant",
    "PasswordHistory",
    "AuditAnchor",
    "AuditEvent",
    "CalendarDay",
    "CalendarYear",
    "DeadlineRule",
    "DefinitionVersion",
    "Delegation",
    "FlowSlot",
    "StageDefinition",
    "StageRun",
    "StageTask",
    "UserPhrase",
    "DueAction",
    "DueItem",
    "DueUrge",
    "Heartbeat",
    "Unit",
    "UnitMembership",
    "WorkItem",
]

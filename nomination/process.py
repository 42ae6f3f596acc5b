"""Re-export of ``nomination.services.cases``: every state change of a nomination case (A1–A13)."""

from .services.cases import *  # noqa: F401,F403
from .services.cases import CaseData, RecommendationData, notice_due, probation_due  # noqa: F401

"""Re-export of ``nomination.services.representatives``: every state change of a representative round (R1–R7)."""

from .services.representatives import *  # noqa: F401,F403

"""The cadre side's services, by sub-domain (every state change goes through one of them):

- ``people``: person records and the reserve pool (DOMAIN §4.5–4.6), the Excel import;
- ``rosters``: the representative rosters and the staffing targets (§5.1–5.2, §4.2 #1);
- ``cases``: a nomination case, A1–A13 (§4.3–4.4) — also importable as ``nomination.process``;
- ``representatives``: a representative round, R1–R7 (§5.3) — also importable as ``nomination.representatives``.

The people, pool, roster and staffing functions are re-exported here, so ``nomination.services.pool_confirm``
keeps working.
"""

from .people import *  # noqa: F401,F403
from .people import PeoplePlan, PersonData  # noqa: F401
from .rosters import *  # noqa: F401,F403

"""Every state change of a proposal and of its per-unit assignments (DOMAIN §2.1–2.4, §2.9), by sub-domain.

Each entry point: checks permission, validates, locks (the proposal first, then its chain runs, then its child rows,
through ``workflows.locks``), moves the status through :class:`proposals.lifecycle.ProposalLifecycle`, opens and
closes the work items of the steps it makes actionable or does, writes the audit row and notifies, all in one
transaction. Deadlines are read from the due items only. Views and tasks call these (``services.<name>``);
nothing else changes a proposal.
"""

from ._common import (  # noqa: F401
    ANSWERING_ROLES,
    STEP_ADJUSTMENT,
    STEP_ASSIGN,
    STEP_CO_OPINION,
    STEP_CONCLUDE,
    STEP_CONTACT,
    STEP_COSIGN,
    STEP_EVALUATE,
    STEP_EXTENSION,
    STEP_FACE_MEETING,
    STEP_HANDLE,
    STEP_KEY_DECIDE,
    STEP_RECEIVE,
    STEP_REVISE,
    STEP_UNIT,
    end_of_day,
)
from .assignment import (  # noqa: F401
    assignment_decide_adjustment,
    assignment_receive,
    assignment_request_adjustment,
    proposal_assign,
)
from .drafting import (  # noqa: F401
    ALLOWED_ATTACHMENTS,
    MAX_ATTACHMENTS,
    ProposalContent,
    attachment_add,
    attachment_remove,
    cosign_respond,
    current_term,
    proposal_close_expired_cosigning,
    proposal_save_draft,
    proposal_submit,
    proposal_withdraw,
)
from .evaluation import (  # noqa: F401
    evaluation_submit,
    evaluation_window_expired,
    evaluators,
    proposal_conclude,
    proposal_due,
    record_add,
)
from .handling import (  # noqa: F401
    co_opinion_submit,
    contact_log_add,
    extension_decide,
    extension_request,
)
from .key_proposals import (  # noqa: F401
    key_decide,
    key_propose,
)
from .reply import (  # noqa: F401
    ReplyContent,
    reply_chain_finished,
    reply_change_category,
    reply_review_task,
    reply_save_draft,
    reply_submit,
)
from .review import (  # noqa: F401
    decision_task,
    proposal_accept,
    proposal_merge,
    proposal_reject,
    proposal_return,
    review_chain_finished,
)

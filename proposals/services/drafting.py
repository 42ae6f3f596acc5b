"""Drafting, submission and co-signing (B1, B2), attachments, and 撤案."""

import secrets
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from notifications.services import Message, notify_many
from workflows import audit, due, locks, stages, uploads, work
from workflows.errors import PermissionDeniedError, StaleStateError

from .. import access, chains
from ..errors import ProposalError
from ..lifecycle import ProposalLifecycle
from ..models import (
    Attachment,
    Cosigner,
    Proposal,
    ProposalStatus,
    Session,
    Term,
)
from ._common import STEP_COSIGN, STEP_REVISE, _day, _expect_status, _link, _locked, _move, _open_due, _require
from .review import _review_chain

# The content types a proposal may carry: the engine's document list (``workflows.uploads``).
ALLOWED_ATTACHMENTS = uploads.DOCUMENTS


MAX_ATTACHMENTS = 10


@dataclass(frozen=True)
class ProposalContent:
    """What a proposer writes; validated by the services, not by the form alone (a later API reuses it)."""

    kind: str
    title: str
    reasons: str
    suggestions: str
    topic_id: int | None = None
    organisation_name: str = ""
    contact_person: str = ""
    contact_phone: str = ""
    no_secret_confirmed: bool = False
    cosigner_ids: tuple[int, ...] = ()


def current_term() -> Term:
    term = Term.objects.filter(is_current=True).first()
    if term is None:
        raise ProposalError("no_current_term")
    return term


def _check_eligible(term: Term, user):
    if access.current_member(user, term) is None:
        raise ProposalError("not_eligible", params={"name": user.get_full_name() or user.get_username()})


def _validate_content(content: ProposalContent, *, term: Term, proposer, for_submission: bool):
    missing = []  # (form field, label)
    if not content.title.strip():
        missing.append(("title", _("案由")))
    if for_submission:
        if not content.reasons.strip():
            missing.append(("reasons", _("理由")))
        if not content.suggestions.strip():
            missing.append(("suggestions", _("办法")))
        if not content.topic_id:
            missing.append(("topic", _("类别")))
    if missing:
        raise ProposalError("incomplete", params={"fields": "、".join(str(label) for _field, label in missing)},
                           field=missing[0][0] if len(missing) == 1 else None)
    if content.kind in Proposal.COLLECTIVE_KINDS:
        if not content.organisation_name.strip() or not content.contact_person.strip():
            raise ProposalError("collective_needs_organisation", field="organisation_name")
    else:
        _check_eligible(term, proposer)
    if content.kind == Proposal.Kind.JOINT:
        if proposer.pk in content.cosigner_ids:
            raise ProposalError("cosigner_is_proposer", field="cosigners")
        if for_submission and not content.cosigner_ids:
            raise ProposalError("joint_needs_cosigners", field="cosigners")
        for user in get_user_model().objects.filter(pk__in=content.cosigner_ids):
            _check_eligible(term, user)
    if for_submission and not content.no_secret_confirmed:
        raise ProposalError("secret_not_confirmed", field="no_secret_confirmed")


def _apply_content(proposal: Proposal, content: ProposalContent):
    proposal.kind = content.kind
    proposal.title = content.title.strip()
    proposal.reasons = content.reasons.strip()
    proposal.suggestions = content.suggestions.strip()
    proposal.topic_id = content.topic_id
    proposal.organisation_name = content.organisation_name.strip() if proposal.is_collective else ""
    proposal.contact_person = content.contact_person.strip()
    proposal.contact_phone = content.contact_phone.strip()
    proposal.no_secret_confirmed = content.no_secret_confirmed


def _sync_cosigners(proposal: Proposal, cosigner_ids):
    wanted = list(dict.fromkeys(cosigner_ids)) if proposal.kind == Proposal.Kind.JOINT else []
    proposal.cosigners.exclude(user_id__in=wanted).delete()
    existing = set(proposal.cosigners.values_list("user_id", flat=True))
    Cosigner.objects.bulk_create(
        [Cosigner(proposal=proposal, user_id=uid, order=i) for i, uid in enumerate(wanted) if uid not in existing]
    )
    # A returned joint proposal goes round again: everybody confirms the new text.
    proposal.cosigners.update(status=Cosigner.Status.INVITED, responded_at=None)


@transaction.atomic  # composed with others in one view transaction (form → draft → submit)
def proposal_save_draft(*, actor, content: ProposalContent, proposal: Proposal | None = None,
                        on_behalf_of=None, submission_key: str = "") -> Proposal:
    """Create or update a draft (or a returned proposal). Staff may write for a member (``on_behalf_of``).

    A new draft posted twice with the same ``submission_key`` (a double click, a retried request) is created once.
    """
    if on_behalf_of is not None and on_behalf_of != actor:
        _require(actor.has_perm("proposals.submit_for_member"))
    proposer = on_behalf_of or actor
    if proposal is None and submission_key:
        existing = Proposal.objects.filter(submitted_by=actor, submission_key=submission_key).first()
        if existing is not None:
            return existing
    if proposal is None:
        term = current_term()
        _validate_content(content, term=term, proposer=proposer, for_submission=False)
        proposal = Proposal(term=term, submitted_by=actor, first_proposer=proposer, status=ProposalStatus.DRAFT,
                            submission_key=submission_key[:64])
        _apply_content(proposal, content)
        try:
            with transaction.atomic():
                proposal.save()
        except IntegrityError:
            # The same form posted concurrently: the other request created it.
            return Proposal.objects.get(submitted_by=actor, submission_key=submission_key[:64])
        audit.record(subject=proposal, actor=actor, action="proposal.drafted", to_state=ProposalStatus.DRAFT,
                     on_behalf_of=on_behalf_of)
    else:
        proposal = _locked(proposal)
        if not access.can_edit(actor, proposal):
            if proposal.status not in (ProposalStatus.DRAFT, ProposalStatus.RETURNED):
                raise ProposalError("not_editable")
            raise PermissionDeniedError("permission_denied")
        _validate_content(content, term=proposal.term, proposer=proposal.first_proposer, for_submission=False)
        before = {f: getattr(proposal, f) for f in ("kind", "title", "reasons", "suggestions", "topic_id")}
        _apply_content(proposal, content)
        proposal.save()
        changed = {f: [before[f], getattr(proposal, f)] for f in before if before[f] != getattr(proposal, f)}
        audit.record(subject=proposal, actor=actor, action="proposal.edited", changes=changed)
    _sync_cosigners(proposal, content.cosigner_ids)
    return proposal


def _timing(term: Term, today):
    session = Session.objects.filter(
        term=term, submission_opens_on__lte=today, submission_closes_on__gte=today
    ).first()
    return (Proposal.Timing.PLENARY, session) if session else (Proposal.Timing.INTERIM, None)


@transaction.atomic  # composed with others in one view transaction (form → draft → submit)
def proposal_submit(*, actor, proposal: Proposal) -> Proposal:
    """Submit a draft or a revised proposal: joint ones go to co-signing first, others straight to review."""
    proposal = _locked(proposal)
    _require(access.is_proposer(actor, proposal))
    _expect_status(proposal, ProposalStatus.DRAFT, ProposalStatus.RETURNED)
    content = ProposalContent(
        kind=proposal.kind, title=proposal.title, reasons=proposal.reasons, suggestions=proposal.suggestions,
        topic_id=proposal.topic_id, organisation_name=proposal.organisation_name,
        contact_person=proposal.contact_person, contact_phone=proposal.contact_phone,
        no_secret_confirmed=proposal.no_secret_confirmed,
        cosigner_ids=tuple(proposal.cosigners.values_list("user_id", flat=True)),
    )
    _validate_content(content, term=proposal.term, proposer=proposal.first_proposer or actor, for_submission=True)
    now = timezone.now()
    if proposal.status == ProposalStatus.DRAFT:
        proposal.timing, proposal.session = _timing(proposal.term, timezone.localdate(now))
        if proposal.kind in Proposal.PLENARY_ONLY_KINDS and proposal.timing != Proposal.Timing.PLENARY:
            raise ProposalError("plenary_only")
    if proposal.status == ProposalStatus.RETURNED:  # only 退回修改 opens the proposer's revise step
        work.close_items(target=proposal, step=STEP_REVISE, actor=actor)
    if proposal.kind == Proposal.Kind.JOINT:
        item = due.open_due_item(
            subject=proposal, purpose="cosign", title=_("联名确认：%(title)s") % {"title": proposal.title},
            rule_code="proposal-cosign", anchor_at=now,
        )
        _move(proposal, "open_cosigning", actor=actor, action="proposal.cosigning_opened",
              extra_fields=["timing", "session"])
        cosigners = list(proposal.cosigners.select_related("user"))
        for cosigner in cosigners:
            work.open_item(case=proposal, target=cosigner, step=STEP_COSIGN, assignee=cosigner.user,
                           title=_("联名确认"), link=_link(proposal), due_item=item)
        title = _("请确认联名：%(title)s") % {"title": proposal.title}
        body = _("%(name)s 邀请您联名提出提案，请在 %(due)s 前确认。") % {"name": proposal.proposer_display,
                                                                          "due": _day(item)}
        notify_many([Message(key=f"cosign-invite-{proposal.pk}-{item.due_version}-{item.pk}", title=title, body=body,
                             link=_link(proposal), recipient=cosigner.user) for cosigner in cosigners])
        return proposal
    return _enter_review(proposal, actor=actor, now=now, transition="submit")


def _enter_review(proposal: Proposal, *, actor, now, transition: str, action: str = "") -> Proposal:
    resubmitted = proposal.status == ProposalStatus.RETURNED or proposal.submitted_at is not None
    proposal.submitted_at = now
    action = action or ("proposal.resubmitted" if resubmitted else "proposal.submitted")
    _move(proposal, transition, actor=actor, action=action, extra_fields=["timing", "session", "submitted_at"])
    # Each review stage task carries its own deadline and work item (the stage runner opens them).
    stages.start_chain(slot_code=chains.REVIEW, subject=proposal, actor=proposal.first_proposer or proposal.submitted_by,
                       case_held=proposal)
    return proposal


@transaction.atomic(durable=True)
def cosign_respond(*, actor, proposal: Proposal, confirm: bool) -> Proposal:
    """A co-signer confirms or declines online (B2); when everyone has answered, co-signing closes at once."""
    proposal = _locked(proposal)
    _expect_status(proposal, ProposalStatus.COSIGNING)
    cosigners = _locked_cosigners(proposal)
    cosigner = next((c for c in cosigners if c.user_id == actor.pk), None)
    _require(cosigner is not None)
    if cosigner.status != Cosigner.Status.INVITED:
        raise StaleStateError("stale_state")
    cosigner.status = Cosigner.Status.CONFIRMED if confirm else Cosigner.Status.DECLINED
    cosigner.responded_at = timezone.now()
    cosigner.save(update_fields=["status", "responded_at"])
    work.close_items(target=cosigner, step=STEP_COSIGN, actor=actor)
    audit.record(subject=proposal, actor=actor, action="proposal.cosign_confirmed" if confirm else "proposal.cosign_declined")
    if not any(c.status == Cosigner.Status.INVITED for c in cosigners):
        _close_cosigning(proposal, actor=actor, cosigners=cosigners)
    return proposal


def _locked_cosigners(proposal: Proposal) -> list[Cosigner]:
    """The proposal's co-signers, locked (after the proposal) and read at once with their users."""
    return locks.children(proposal.cosigners.select_related("user"))


def _close_cosigning(proposal: Proposal, *, actor, cosigners: list[Cosigner]):
    """Co-signing ends: whoever has not answered is dropped. ``cosigners``: all of them, locked."""
    dropped = [c for c in cosigners if c.status == Cosigner.Status.INVITED]
    if dropped:
        Cosigner.objects.filter(pk__in=[c.pk for c in dropped]).update(status=Cosigner.Status.DROPPED)
    for cosigner in dropped:
        work.cancel_items(target=cosigner, step=STEP_COSIGN)
    due.close_due_items(subject=proposal, purpose="cosign")
    if dropped:
        audit.record(
            subject=proposal, actor=actor, action="proposal.cosigners_dropped",
            comment="、".join(c.user.get_full_name() or c.user.get_username() for c in dropped),
        )
    if not any(c.status == Cosigner.Status.CONFIRMED for c in cosigners):
        # Nobody joined: it stays the first proposer's own proposal.
        proposal.kind = Proposal.Kind.MEMBER
        proposal.save(update_fields=["kind"])
    # The co-signer's answer closed co-signing; the submission itself is the system's step, not theirs.
    _enter_review(proposal, actor=None, now=timezone.now(), transition="close_cosigning",
                  action="proposal.cosigning_closed")


@transaction.atomic
def proposal_close_expired_cosigning(*, proposal: Proposal) -> bool:
    """Close co-signing whose window (its due item, the one stored deadline) has passed; run by the sweep."""
    proposal = _locked(proposal)
    if proposal.status != ProposalStatus.COSIGNING:
        return False
    item = _open_due(proposal, "cosign")
    if item is not None and item.due_at > timezone.now():
        return False
    _close_cosigning(proposal, actor=None, cosigners=_locked_cosigners(proposal))
    return True


@transaction.atomic(durable=True)
def proposal_withdraw(*, actor, proposal: Proposal, reason: str) -> Proposal:
    """撤案: terminal; allowed to the proposer until the proposal is assigned."""
    proposal = _locked(proposal)
    _require(access.is_proposer(actor, proposal))
    if not ProposalLifecycle.may(proposal, "withdraw"):
        raise ProposalError("not_withdrawable")
    if not reason.strip():
        raise ProposalError("reason_required", field="reason")
    run = _review_chain(proposal)
    if run is not None:
        locks.run(run.pk)
    _move(proposal, "withdraw", actor=actor, action="proposal.withdrawn", comment=reason.strip())
    if run is not None:
        stages.cancel(actor=actor, run=run, comment=reason.strip())
    work.cancel_items(case=proposal)
    due.close_due_items(subject=proposal, state="canceled")
    return proposal


@transaction.atomic  # composed with others in one view transaction (form → draft → submit)
def attachment_add(*, actor, proposal: Proposal, upload) -> Attachment:
    """Store an upload whose real content (not its name) is an allowed type, under a name we choose."""
    proposal = _locked(proposal)
    _require(access.can_edit(actor, proposal))
    name = uploads.safe_name(upload)
    limit = settings.ATTACHMENT_MAX_BYTES
    if proposal.attachments.count() >= MAX_ATTACHMENTS:
        raise ProposalError("attachment_count", field="attachments", params={"limit": MAX_ATTACHMENTS})
    try:
        checked = uploads.check(upload, allowed=ALLOWED_ATTACHMENTS, max_bytes=limit)
    except uploads.UploadRefused as refused:
        if refused.code == "size":
            raise ProposalError("attachment_size", field="attachments",
                                params={"name": name, "limit": limit // 2**20}) from None
        raise ProposalError("attachment_type", field="attachments", params={"name": name}) from None
    mime = checked.content_type
    attachment = Attachment(
        proposal=proposal, token=secrets.token_hex(16), original_name=name, content_type=mime, size=upload.size,
        sha256=checked.sha256, uploaded_by=actor,
    )
    attachment.file.save(attachment.token, ContentFile(upload.read()), save=False)
    attachment.save()
    audit.record(subject=proposal, actor=actor, action="proposal.attachment_added", comment=name)
    return attachment


@transaction.atomic(durable=True)
def attachment_remove(*, actor, attachment: Attachment) -> None:
    proposal = _locked(attachment.proposal)
    _require(access.can_edit(actor, proposal))
    name = attachment.original_name
    attachment.file.delete(save=False)
    attachment.delete()
    audit.record(subject=proposal, actor=actor, action="proposal.attachment_removed", comment=name)

"""Every state change of a proposal and of its per-unit assignments (DOMAIN §2.1–2.4, §2.9).

Each function: checks permission, validates, changes state, writes the audit row, notifies, all in one transaction
under a row lock on the proposal (and the flow lock where a viewflow task completes). Views and tasks call these;
nothing else changes a proposal's state.
"""

import datetime
import hashlib
import secrets
from contextvars import ContextVar
from dataclasses import dataclass

import filetype
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from notifications.services import notify
from workflows import access as workflows_access
from workflows import audit, due, engine, stages
from workflows.calendar import add_months as calendar_add_months
from workflows.calendar import compute_due
from workflows.errors import PermissionDeniedError, StaleStateError
from workflows.models import AccessGrant, DueItem, UnitMembership

from . import access, chains, errors  # noqa: F401  (errors registers the proposal messages)
from .errors import ProposalError
from .flows import ProposalFlow
from .models import (
    Assignment,
    Attachment,
    CaseRecord,
    ContactLog,
    CoOpinion,
    Cosigner,
    Evaluation,
    Extension,
    NumberCounter,
    OutcomeCategory,
    Proposal,
    ProposalSettings,
    ProposalStatus,
    Reply,
    Session,
    Term,
)

ALLOWED_ATTACHMENTS = {
    # detected type -> accepted name endings
    "application/pdf": (".pdf",),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": (".docx",),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": (".xlsx",),
    "image/jpeg": (".jpg", ".jpeg"),
    "image/png": (".png",),
}
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


# --- helpers -------------------------------------------------------------------------------------------------


def _locked(proposal: Proposal) -> Proposal:
    return Proposal.objects.select_for_update(of=("self",)).select_related("term", "process").get(pk=proposal.pk)


def _require(condition: bool, code: str = "permission_denied"):
    if not condition:
        raise PermissionDeniedError(code)


def _expect_status(proposal: Proposal, *statuses):
    if proposal.status not in statuses:
        raise StaleStateError("stale_state")


def _set_status(proposal: Proposal, status: str, *, actor, action: str, comment: str = "", extra_fields=(),
                changes=None, on_behalf_of=None):
    old = proposal.status
    proposal.status = status
    proposal.save(update_fields=["status", "updated", *extra_fields])
    audit.record(
        subject=proposal, actor=actor, action=action, from_state=old, to_state=status, comment=comment,
        changes=changes, on_behalf_of=on_behalf_of,
    )


def _link(proposal: Proposal) -> str:
    return reverse("proposals:detail", args=[proposal.pk])


def _proposers(proposal: Proposal):
    """Everyone who must hear about the proposal's fate: the first proposer and confirmed co-signers."""
    users = [proposal.first_proposer or proposal.submitted_by]
    users += [c.user for c in proposal.cosigners.filter(status=Cosigner.Status.CONFIRMED).select_related("user")]
    return users


def _users_with_perm(perm: str):
    """Active users holding ``perm`` through a role group (roles are groups; see ``proposals.roles``)."""
    app_label, codename = perm.split(".")
    groups = Group.objects.filter(permissions__content_type__app_label=app_label, permissions__codename=codename)
    return get_user_model().objects.filter(is_active=True, groups__in=groups).distinct()


def _unit_members(unit_id: int):
    return [m.user for m in UnitMembership.objects.filter(unit_id=unit_id, user__is_active=True).select_related("user")]


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


# --- drafting and submission (B1, B2) ------------------------------------------------------------------------


@transaction.atomic
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


@transaction.atomic
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
    if proposal.kind == Proposal.Kind.JOINT:
        item = due.open_due_item(
            subject=proposal, purpose="cosign", title=_("联名确认：%(title)s") % {"title": proposal.title},
            rule_code="proposal-cosign", anchor_at=now,
        )
        proposal.cosign_deadline = item.due_at
        _set_status(proposal, ProposalStatus.COSIGNING, actor=actor, action="proposal.cosigning_opened",
                    extra_fields=["timing", "session", "cosign_deadline"])
        for cosigner in proposal.cosigners.select_related("user"):
            notify(
                recipients=[cosigner.user], key=f"cosign-invite-{proposal.pk}-{item.due_version}-{item.pk}",
                title=_("请确认联名：%(title)s") % {"title": proposal.title},
                body=_("%(name)s 邀请您联名提出提案，请在 %(due)s 前确认。") % {
                    "name": proposal.proposer_display, "due": timezone.localtime(item.due_at).strftime("%Y-%m-%d")},
                link=_link(proposal),
            )
        return proposal
    return _enter_review(proposal, actor=actor, now=now)


def _enter_review(proposal: Proposal, *, actor, now, action: str = "") -> Proposal:
    # A proposal that already has a process was returned and revised: its flow waits in ``revise``.
    returned = proposal.process_id is not None
    proposal.submitted_at = now
    action = action or ("proposal.resubmitted" if returned else "proposal.submitted")
    _set_status(proposal, ProposalStatus.SUBMITTED, actor=actor, action=action,
                extra_fields=["timing", "session", "submitted_at"])
    if returned:
        engine.complete_handle_task(process=proposal.process, node=ProposalFlow.revise)
    else:
        engine.start(ProposalFlow, ProposalFlow.start, proposal=proposal)
    # Each review stage task carries its own deadline (the chain's definition), so no case-level review due item.
    stages.start_chain(slot_code=chains.REVIEW, subject=proposal, actor=proposal.first_proposer or proposal.submitted_by)
    return proposal


@transaction.atomic
def cosign_respond(*, actor, proposal: Proposal, confirm: bool) -> Proposal:
    """A co-signer confirms or declines online (B2); when everyone has answered, co-signing closes at once."""
    proposal = _locked(proposal)
    _expect_status(proposal, ProposalStatus.COSIGNING)
    cosigner = proposal.cosigners.filter(user=actor).first()
    _require(cosigner is not None)
    if cosigner.status != Cosigner.Status.INVITED:
        raise StaleStateError("stale_state")
    cosigner.status = Cosigner.Status.CONFIRMED if confirm else Cosigner.Status.DECLINED
    cosigner.responded_at = timezone.now()
    cosigner.save(update_fields=["status", "responded_at"])
    audit.record(subject=proposal, actor=actor, action="proposal.cosign_confirmed" if confirm else "proposal.cosign_declined")
    if not proposal.cosigners.filter(status=Cosigner.Status.INVITED).exists():
        _close_cosigning(proposal, actor=actor)
    return proposal


def _close_cosigning(proposal: Proposal, *, actor):
    dropped = list(proposal.cosigners.filter(status=Cosigner.Status.INVITED).select_related("user"))
    proposal.cosigners.filter(status=Cosigner.Status.INVITED).update(status=Cosigner.Status.DROPPED)
    due.close_due_items(subject=proposal, purpose="cosign")
    if dropped:
        audit.record(
            subject=proposal, actor=actor, action="proposal.cosigners_dropped",
            comment="、".join(c.user.get_full_name() or c.user.get_username() for c in dropped),
        )
    if not proposal.cosigners.filter(status=Cosigner.Status.CONFIRMED).exists():
        # Nobody joined: it stays the first proposer's own proposal.
        proposal.kind = Proposal.Kind.MEMBER
        proposal.save(update_fields=["kind"])
    # The co-signer's answer closed co-signing; the submission itself is the system's step, not theirs.
    _enter_review(proposal, actor=None, now=timezone.now(), action="proposal.cosigning_closed")


@transaction.atomic
def proposal_close_expired_cosigning(*, proposal: Proposal) -> bool:
    """Close co-signing whose deadline has passed (run by the sweep; safe to run twice)."""
    proposal = _locked(proposal)
    if proposal.status != ProposalStatus.COSIGNING or proposal.cosign_deadline > timezone.now():
        return False
    _close_cosigning(proposal, actor=None)
    return True


@transaction.atomic
def proposal_withdraw(*, actor, proposal: Proposal, reason: str) -> Proposal:
    """撤案: terminal; allowed to the proposer until the proposal is assigned."""
    proposal = _locked(proposal)
    _require(access.is_proposer(actor, proposal))
    if proposal.status not in access.WITHDRAWABLE:
        raise ProposalError("not_withdrawable")
    if not reason.strip():
        raise ProposalError("reason_required", field="reason")
    _set_status(proposal, ProposalStatus.WITHDRAWN, actor=actor, action="proposal.withdrawn", comment=reason.strip())
    if proposal.process_id:
        engine.cancel_process(process=proposal.process)
    due.close_due_items(subject=proposal, state="canceled")
    return proposal


# --- attachments -----------------------------------------------------------------------------------------------


def _sniff(upload) -> str | None:
    head = upload.read(8192)
    upload.seek(0)
    kind = filetype.guess(head)
    return kind.mime if kind else None


@transaction.atomic
def attachment_add(*, actor, proposal: Proposal, upload) -> Attachment:
    """Store an upload whose real content (not its name) is an allowed type, under a name we choose."""
    proposal = _locked(proposal)
    _require(access.can_edit(actor, proposal))
    name = (upload.name or "").replace("\x00", "").split("/")[-1].split("\\")[-1][:200] or "file"
    limit = settings.ATTACHMENT_MAX_BYTES
    if upload.size > limit:
        raise ProposalError("attachment_size", field="attachments", params={"name": name, "limit": limit // 2**20})
    if proposal.attachments.count() >= MAX_ATTACHMENTS:
        raise ProposalError("attachment_count", field="attachments", params={"limit": MAX_ATTACHMENTS})
    mime = _sniff(upload)
    if mime not in ALLOWED_ATTACHMENTS or not name.lower().endswith(ALLOWED_ATTACHMENTS[mime]):
        raise ProposalError("attachment_type", field="attachments", params={"name": name})
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    attachment = Attachment(
        proposal=proposal, token=secrets.token_hex(16), original_name=name, content_type=mime, size=upload.size,
        sha256=digest.hexdigest(), uploaded_by=actor,
    )
    attachment.file.save(attachment.token, ContentFile(upload.read()), save=False)
    attachment.save()
    audit.record(subject=proposal, actor=actor, action="proposal.attachment_added", comment=name)
    return attachment


@transaction.atomic
def attachment_remove(*, actor, attachment: Attachment) -> None:
    proposal = _locked(attachment.proposal)
    _require(access.can_edit(actor, proposal))
    name = attachment.original_name
    attachment.file.delete(save=False)
    attachment.delete()
    audit.record(subject=proposal, actor=actor, action="proposal.attachment_removed", comment=name)


# --- review (B3–B5): the 审查 chain (slot a), whose last stage decides ----------------------------------------------

# Set while a decision service approves the last review stage, so the chain's end does not also mean 立案.
_decision_in_progress: ContextVar[str] = ContextVar("decision_in_progress", default="")


def _review_chain(proposal: Proposal):
    return stages.running_chain(proposal, chains.REVIEW)


def decision_task(user, proposal: Proposal):
    """The user's open task on the last stage of the proposal's review chain (who may decide), or None."""
    run = _review_chain(proposal)
    task = stages.open_task_for(user, run) if run else None
    if task is None or run.version.stages.filter(order__gt=task.stage_order).exists():
        return None
    return task


def _review_guard(actor, proposal: Proposal):
    proposal = _locked(proposal)
    _expect_status(proposal, ProposalStatus.SUBMITTED)
    task = decision_task(actor, proposal)
    _require(task is not None and actor.has_perm("proposals.review_proposal"))
    return proposal, task


def _decide(actor, task, comment: str, decision: str):
    token = _decision_in_progress.set(decision)
    try:
        stages.approve(actor=actor, task=task, comment=comment)
    finally:
        _decision_in_progress.reset(token)


def _next_serial(term: Term, year: int) -> int:
    """Take the next official number under a row lock: a rolled-back acceptance gives its number back."""
    try:
        with transaction.atomic():
            NumberCounter.objects.get_or_create(term=term, year=year)
    except IntegrityError:
        pass  # created concurrently by another acceptance
    counter = NumberCounter.objects.select_for_update().get(term=term, year=year)
    counter.last += 1
    counter.save(update_fields=["last"])
    return counter.last


def _close_review(proposal: Proposal):
    engine.complete_handle_task(process=proposal.process, node=ProposalFlow.review)


def _accept(proposal: Proposal, *, actor, comment: str):
    now = timezone.now()
    proposal.year = timezone.localdate(now).year
    proposal.serial = _next_serial(proposal.term, proposal.year)
    proposal.accepted_at = now
    proposal.review_comment = comment.strip()
    _set_status(proposal, ProposalStatus.ACCEPTED, actor=actor, action="proposal.accepted", comment=comment.strip(),
                extra_fields=["year", "serial", "accepted_at", "review_comment"],
                changes={"number": proposal.number})
    _close_review(proposal)
    due.open_due_item(subject=proposal, purpose="assign", title=_("交办：%(title)s") % {"title": proposal.title},
                      rule_code="proposal-assign", anchor_at=now)
    notify(recipients=_proposers(proposal), key=f"proposal-accepted-{proposal.pk}",
           title=_("提案已立案：%(title)s") % {"title": proposal.title},
           body=_("您的提案已立案，编号 %(number)s。") % {"number": proposal.number}, link=_link(proposal))
    notify(recipients=_users_with_perm("proposals.assign_proposal"), key=f"proposal-to-assign-{proposal.pk}",
           title=_("待交办提案：%(title)s") % {"title": proposal.title}, link=_link(proposal))


@transaction.atomic
def proposal_accept(*, actor, proposal: Proposal, comment: str = "", suggested_unit_ids=()) -> Proposal:
    """立案: give the official number (gapless per term and year) and pass it to 督查室 for assignment.

    The same as 同意 on the decision stage of the review chain.
    """
    proposal, task = _review_guard(actor, proposal)
    if suggested_unit_ids:
        proposal.suggested_units.set(suggested_unit_ids)
    stages.approve(actor=actor, task=task, comment=comment)
    return Proposal.objects.get(pk=proposal.pk)


@transaction.atomic
def proposal_reject(*, actor, proposal: Proposal, ground: str, disposition: str, proposer_consent: bool | None,
                    comment: str) -> Proposal:
    """不予立案 with one of the ten grounds; forwarding elsewhere needs the proposer's consent (DOMAIN §2.3)."""
    proposal, task = _review_guard(actor, proposal)
    if ground not in Proposal.RejectionGround.values:
        raise ProposalError("ground_required", field="ground")
    if disposition not in Proposal.Disposition.values:
        raise ProposalError("disposition_required", field="disposition")
    if disposition != Proposal.Disposition.NONE and proposer_consent is None:
        raise ProposalError("consent_required", field="proposer_consent")
    if not comment.strip():
        raise ProposalError("comment_required", field="comment")
    _decide(actor, task, comment, "reject")
    proposal.rejection_ground, proposal.disposition = ground, disposition
    proposal.proposer_consent = proposer_consent if disposition != Proposal.Disposition.NONE else None
    proposal.review_comment = comment.strip()
    _set_status(proposal, ProposalStatus.NOT_ACCEPTED, actor=actor, action="proposal.not_accepted",
                comment=comment.strip(),
                extra_fields=["rejection_ground", "disposition", "proposer_consent", "review_comment"],
                changes={"ground": proposal.get_rejection_ground_display(),
                         "disposition": proposal.get_disposition_display()})
    _close_review(proposal)
    notify(recipients=_proposers(proposal), key=f"proposal-not-accepted-{proposal.pk}",
           title=_("提案不予立案：%(title)s") % {"title": proposal.title},
           body=_("理由：%(ground)s。处置：%(disposition)s。%(comment)s") % {
               "ground": proposal.get_rejection_ground_display(), "disposition": proposal.get_disposition_display(),
               "comment": comment.strip()},
           link=_link(proposal))
    return proposal


@transaction.atomic
def proposal_merge(*, actor, proposal: Proposal, master: Proposal, comment: str) -> Proposal:
    """并案 into an accepted proposal; each proposer is still answered when the master is (DOMAIN §2.3)."""
    proposal, task = _review_guard(actor, proposal)
    master = Proposal.objects.get(pk=master.pk)
    if (master.pk == proposal.pk or master.term_id != proposal.term_id or master.serial is None
            or master.status in (ProposalStatus.MERGED, ProposalStatus.WITHDRAWN, ProposalStatus.NOT_ACCEPTED)):
        raise ProposalError("master_invalid", field="master")
    _decide(actor, task, comment, "merge")
    proposal.master = master
    proposal.review_comment = comment.strip()
    _set_status(proposal, ProposalStatus.MERGED, actor=actor, action="proposal.merged", comment=comment.strip(),
                extra_fields=["master", "review_comment"], changes={"master": str(master)})
    audit.record(subject=master, actor=actor, action="proposal.merged_in", comment=str(proposal))
    _close_review(proposal)
    # The merged proposer follows the master's handling and is answered with it.
    access.grant_read(proposal.first_proposer or proposal.submitted_by, master, granted_by=actor)
    notify(recipients=_proposers(proposal), key=f"proposal-merged-{proposal.pk}",
           title=_("提案已并案：%(title)s") % {"title": proposal.title},
           body=_("您的提案已并入 %(master)s 一并办理，办理结果将分别答复您。") % {"master": str(master)},
           link=_link(proposal))
    return proposal


@transaction.atomic
def proposal_return(*, actor, proposal: Proposal, comment: str) -> Proposal:
    """退回修改 (案前协商): the proposer revises and resubmits; the review starts again.

    Any holder of an open review task may return it (the chain's 退回 to the applicant).
    """
    proposal = _locked(proposal)
    _expect_status(proposal, ProposalStatus.SUBMITTED)
    task = stages.open_task_for(actor, _review_chain(proposal)) if _review_chain(proposal) else None
    _require(task is not None)
    if not comment.strip():
        raise ProposalError("comment_required", field="comment")
    stages.return_to(actor=actor, task=task, to_order=None, comment=comment)
    return Proposal.objects.get(pk=proposal.pk)


def review_chain_finished(*, run, outcome: str, actor):
    """The review chain ended (called by the stage runner inside its transaction)."""
    proposal = _locked(run.subject)
    if proposal.status != ProposalStatus.SUBMITTED:
        return
    comment = run.tasks.exclude(comment="").order_by("-acted_at").values_list("comment", flat=True).first() or ""
    if outcome == "approved":
        if not _decision_in_progress.get():
            _accept(proposal, actor=actor, comment=comment)
    elif outcome == "rejected":
        # 审定 disagrees with 初审: the review walks again from the start.
        stages.start_chain(slot_code=chains.REVIEW, subject=proposal, actor=run.started_by)
    elif outcome == "returned":
        proposal.review_comment = comment
        _set_status(proposal, ProposalStatus.RETURNED, actor=actor, action="proposal.returned", comment=comment,
                    extra_fields=["review_comment"])
        _close_review(proposal)
        notify(recipients=[proposal.first_proposer or proposal.submitted_by],
               key=f"proposal-returned-{proposal.pk}-{run.pk}",
               title=_("提案退回修改：%(title)s") % {"title": proposal.title}, body=comment, link=_link(proposal))
    elif outcome == "withdrawn":
        # 撤回 before 立案: back to a draft; the next submission starts a new process.
        process = proposal.process
        proposal.process = None
        _set_status(proposal, ProposalStatus.DRAFT, actor=actor, action="proposal.recalled", extra_fields=["process"])
        engine.cancel_process(process=process)


# --- assignment (B6, B7) ----------------------------------------------------------------------------------------


def _validate_plan(mode: str, lead_ids, co_ids):
    all_ids = list(lead_ids) + list(co_ids)
    if not all_ids:
        raise ProposalError("units_required", field="units")
    if len(set(all_ids)) != len(all_ids):
        raise ProposalError("unit_twice", field="units")
    if mode == Assignment.Role.SOLE and (len(lead_ids) != 1 or co_ids):
        raise ProposalError("sole_one_unit", field="units")
    if mode == Assignment.Role.LEAD and (len(lead_ids) != 1 or not co_ids):
        raise ProposalError("lead_required", field="units")
    if mode == Assignment.Role.SEPARATE and (len(lead_ids) < 2 or co_ids):
        raise ProposalError("separate_required", field="units")


def _new_assignment(*, proposal: Proposal, unit_id: int, role: str, actor, now) -> Assignment:
    receipt = compute_due(**_rule_args("assignment-receipt"), anchor=now)
    reply = compute_due(**_rule_args("assignment-reply"), anchor=now)
    assignment = Assignment.objects.create(
        proposal=proposal, unit_id=unit_id, role=role, assigned_at=now, assigned_by=actor,
        receipt_due_at=receipt.due_at, reply_due_at=reply.due_at,
        receipt_due_provisional=receipt.provisional, reply_due_provisional=reply.provisional,
    )
    due.open_due_item(subject=assignment, purpose="receipt",
                      title=_("签收：%(title)s") % {"title": proposal.title}, rule_code="assignment-receipt",
                      anchor_at=now)
    notify(recipients=_unit_members(unit_id), key=f"assignment-new-{assignment.pk}",
           title=_("新交办提案：%(title)s") % {"title": proposal.title},
           body=_("承办方式：%(role)s；请在 %(due)s 前签收或申请调整。") % {
               "role": assignment.get_role_display(),
               "due": timezone.localtime(assignment.receipt_due_at).strftime("%Y-%m-%d")},
           link=reverse("proposals:assignment", args=[assignment.pk]))
    return assignment


def assignment_due_changed(item) -> None:
    """Keep an assignment's shown deadlines in step when the calendar moves its due item (a hook of workflows.due)."""
    fields = {"receipt": ("receipt_due_at", "receipt_due_provisional"),
              "reply": ("reply_due_at", "reply_due_provisional")}.get(item.purpose)
    if fields is None or item.subject_type.model_class() is not Assignment:
        return
    Assignment.objects.filter(pk=item.subject_id).update(**{fields[0]: item.due_at, fields[1]: item.provisional})


def _rule_args(code: str) -> dict:
    rule = due.rule(code)
    return {"kind": rule.kind, "amount": rule.amount}


@transaction.atomic
def proposal_assign(*, actor, proposal: Proposal, mode: str, lead_unit_ids, co_unit_ids=(), comment: str = "") -> Proposal:
    """交办 by 督查室: 独办, 主办 + 会办, or 分办; each unit gets its own assignment, state and deadline."""
    proposal = _locked(proposal)
    _expect_status(proposal, ProposalStatus.ACCEPTED)
    _require(access.can_assign(actor, proposal))
    lead_unit_ids, co_unit_ids = [int(u) for u in lead_unit_ids], [int(u) for u in co_unit_ids]
    _validate_plan(mode, lead_unit_ids, co_unit_ids)
    now = timezone.now()
    lead_role = mode if mode != Assignment.Role.CO else Assignment.Role.LEAD
    for unit_id in lead_unit_ids:
        _new_assignment(proposal=proposal, unit_id=unit_id, role=lead_role, actor=actor, now=now)
    for unit_id in co_unit_ids:
        _new_assignment(proposal=proposal, unit_id=unit_id, role=Assignment.Role.CO, actor=actor, now=now)
    proposal.assigned_at = now
    units = ", ".join(str(a.unit) for a in proposal.assignments.select_related("unit"))
    _set_status(proposal, ProposalStatus.ASSIGNED, actor=actor, action="proposal.assigned", comment=comment.strip(),
                extra_fields=["assigned_at"], changes={"mode": str(Assignment.Role(mode).label), "units": units})
    engine.complete_human_task(process=proposal.process, node=ProposalFlow.assign, actor=actor)
    due.close_due_items(subject=proposal, purpose="assign")
    notify(recipients=_proposers(proposal), key=f"proposal-assigned-{proposal.pk}",
           title=_("提案已交办：%(title)s") % {"title": proposal.title},
           body=_("承办单位：%(units)s") % {"units": units}, link=_link(proposal))
    return proposal


def _locked_assignment(assignment: Assignment) -> tuple[Assignment, Proposal]:
    # Lock order: proposal first, then its assignment, the same in every service.
    proposal = _locked(assignment.proposal)
    assignment = Assignment.objects.select_for_update(of=("self",)).select_related("unit").get(pk=assignment.pk)
    return assignment, proposal


@transaction.atomic
def assignment_receive(*, actor, assignment: Assignment) -> Assignment:
    """签收: the unit accepts its part; when every unit has signed, the proposal is in handling."""
    assignment, proposal = _locked_assignment(assignment)
    _require(access.can_act_for_unit(actor, assignment))
    if assignment.state != Assignment.State.PENDING_RECEIPT:
        raise StaleStateError("stale_state")
    assignment.state, assignment.received_at, assignment.received_by = Assignment.State.RECEIVED, timezone.now(), actor
    assignment.save(update_fields=["state", "received_at", "received_by"])
    audit.record(subject=assignment, actor=actor, action="assignment.received",
                 from_state=Assignment.State.PENDING_RECEIPT, to_state=Assignment.State.RECEIVED)
    audit.record(subject=proposal, actor=actor, action="assignment.received", comment=str(assignment.unit))
    due.close_due_items(subject=assignment, purpose="receipt")
    if assignment.role == Assignment.Role.CO:
        due.open_due_item(subject=assignment, purpose="co-opinion",
                          title=_("会办意见：%(title)s") % {"title": proposal.title}, rule_code="co-opinion")
    else:
        due.open_due_item(subject=assignment, purpose="reply",
                          title=_("办理答复：%(title)s") % {"title": proposal.title}, rule_code="assignment-reply",
                          anchor_at=assignment.assigned_at)
        due.open_due_item(subject=assignment, purpose="contact",
                          title=_("办前面商：%(title)s") % {"title": proposal.title}, rule_code="assignment-contact",
                          anchor_at=assignment.assigned_at)
    live = proposal.assignments.exclude(state=Assignment.State.REASSIGNED)
    if proposal.status == ProposalStatus.ASSIGNED and not live.exclude(state=Assignment.State.RECEIVED).exists():
        _set_status(proposal, ProposalStatus.IN_HANDLING, actor=actor, action="proposal.in_handling")
    return assignment


@transaction.atomic
def assignment_request_adjustment(*, actor, assignment: Assignment, reason: str) -> Assignment:
    """申请调整 within the window; the unit may not pass the proposal on itself (不得自行转办)."""
    assignment, proposal = _locked_assignment(assignment)
    _require(access.can_act_for_unit(actor, assignment))
    if assignment.state != Assignment.State.PENDING_RECEIPT:
        raise StaleStateError("stale_state")
    if timezone.now() > assignment.receipt_due_at:
        raise ProposalError("adjustment_window_closed", params={
            "due": timezone.localtime(assignment.receipt_due_at).strftime("%Y-%m-%d")})
    if not reason.strip():
        raise ProposalError("reason_required", field="reason")
    assignment.state, assignment.adjustment_reason = Assignment.State.DISPUTED, reason.strip()
    assignment.save(update_fields=["state", "adjustment_reason"])
    audit.record(subject=assignment, actor=actor, action="assignment.adjustment_requested", comment=reason.strip(),
                 from_state=Assignment.State.PENDING_RECEIPT, to_state=Assignment.State.DISPUTED)
    audit.record(subject=proposal, actor=actor, action="assignment.adjustment_requested",
                 comment=f"{assignment.unit}: {reason.strip()}")
    due.close_due_items(subject=assignment, purpose="receipt")
    due.open_due_item(subject=assignment, purpose="adjustment",
                      title=_("调整申请：%(title)s") % {"title": proposal.title}, rule_code="assignment-adjustment")
    notify(recipients=_users_with_perm("proposals.assign_proposal"), key=f"adjustment-{assignment.pk}",
           title=_("承办单位申请调整：%(title)s") % {"title": proposal.title},
           body=f"{assignment.unit}：{reason.strip()}", link=reverse("proposals:assignment", args=[assignment.pk]))
    return assignment


@transaction.atomic
def assignment_decide_adjustment(*, actor, assignment: Assignment, approve: bool, comment: str,
                                 new_unit_id: int | None = None) -> Assignment:
    """督查室 decides: move the part to another unit (REASSIGNED + a new assignment) or keep it with this unit."""
    assignment, proposal = _locked_assignment(assignment)
    if assignment.state != Assignment.State.DISPUTED:
        raise StaleStateError("stale_state")
    _require(access.can_decide_adjustment(actor, assignment))
    if not comment.strip():
        raise ProposalError("comment_required", field="comment")
    now = timezone.now()
    due.close_due_items(subject=assignment, purpose="adjustment")
    assignment.adjustment_decision = comment.strip()
    if approve:
        if not new_unit_id:
            raise ProposalError("new_unit_required", field="new_unit")
        if proposal.assignments.filter(unit_id=new_unit_id).exclude(state=Assignment.State.REASSIGNED).exists():
            raise ProposalError("unit_twice", field="new_unit")
        assignment.state = Assignment.State.REASSIGNED
        assignment.save(update_fields=["state", "adjustment_decision"])
        replacement = _new_assignment(proposal=proposal, unit_id=new_unit_id, role=assignment.role, actor=actor, now=now)
        assignment.replaced_by = replacement
        assignment.save(update_fields=["replaced_by"])
        action, to_state = "assignment.reassigned", Assignment.State.REASSIGNED
    else:
        assignment.state = Assignment.State.PENDING_RECEIPT
        # The unit gets a fresh window to sign for it.
        receipt = compute_due(**_rule_args("assignment-receipt"), anchor=now)
        assignment.receipt_due_at, assignment.receipt_due_provisional = receipt.due_at, receipt.provisional
        assignment.save(update_fields=["state", "adjustment_decision", "receipt_due_at", "receipt_due_provisional"])
        due.open_due_item(subject=assignment, purpose="receipt", title=_("签收：%(title)s") % {"title": proposal.title},
                          rule_code="assignment-receipt", anchor_at=now)
        action, to_state = "assignment.adjustment_refused", Assignment.State.PENDING_RECEIPT
    audit.record(subject=assignment, actor=actor, action=action, comment=comment.strip(),
                 from_state=Assignment.State.DISPUTED, to_state=to_state)
    audit.record(subject=proposal, actor=actor, action=action, comment=f"{assignment.unit}: {comment.strip()}")
    notify(recipients=_unit_members(assignment.unit_id), key=f"adjustment-decided-{assignment.pk}-{now.timestamp()}",
           title=_("调整申请已处理：%(title)s") % {"title": proposal.title}, body=comment.strip(),
           link=reverse("proposals:assignment", args=[assignment.pk]))
    return assignment


# --- handling (B8, B9, B14) -------------------------------------------------------------------------------------------

ANSWERING_ROLES = (Assignment.Role.SOLE, Assignment.Role.LEAD, Assignment.Role.SEPARATE)


def _unit_guard(actor, assignment: Assignment, *states) -> tuple[Assignment, Proposal]:
    assignment, proposal = _locked_assignment(assignment)
    _require(access.can_act_for_unit(actor, assignment))
    if states and assignment.state not in states:
        raise StaleStateError("stale_state")
    return assignment, proposal


@transaction.atomic
def contact_log_add(*, actor, assignment: Assignment, held_on, form: str, participants: str, summary: str):
    """沟通记录 (办前面商 and later contact); the first one closes the pre-handling contact window."""
    assignment, proposal = _unit_guard(actor, assignment, Assignment.State.RECEIVED, Assignment.State.REPLIED)
    if form not in ContactLog.Form.values:
        raise ProposalError("invalid", field="form")
    if not participants.strip() or not summary.strip():
        raise ProposalError("incomplete", params={"fields": "、".join([str(_("参加人员")), str(_("内容摘要"))])})
    if held_on > timezone.localdate():
        raise ProposalError("future_date", field="held_on")
    log = ContactLog.objects.create(assignment=assignment, held_on=held_on, form=form,
                                    participants=participants.strip(), summary=summary.strip(), recorded_by=actor)
    due.close_due_items(subject=assignment, purpose="contact")
    audit.record(subject=proposal, actor=actor, action="assignment.contact_logged",
                 comment=f"{assignment.unit} · {log.get_form_display()} · {summary.strip()[:200]}")
    return log


@transaction.atomic
def co_opinion_submit(*, actor, assignment: Assignment, body: str) -> CoOpinion:
    """会办意见 to the lead unit (co-handling units do not answer the proposer themselves)."""
    assignment, proposal = _unit_guard(actor, assignment, Assignment.State.RECEIVED)
    if assignment.role != Assignment.Role.CO:
        raise PermissionDeniedError("permission_denied")
    if not body.strip():
        raise ProposalError("comment_required", field="body")
    opinion = CoOpinion.objects.create(assignment=assignment, body=body.strip(), submitted_by=actor)
    assignment.state = Assignment.State.REPLIED
    assignment.save(update_fields=["state"])
    due.close_due_items(subject=assignment, purpose="co-opinion")
    audit.record(subject=proposal, actor=actor, action="assignment.co_opinion", comment=str(assignment.unit))
    lead = proposal.assignments.filter(role=Assignment.Role.LEAD).exclude(state=Assignment.State.REASSIGNED).first()
    if lead:
        notify(recipients=_unit_members(lead.unit_id), key=f"co-opinion-{opinion.pk}",
               title=_("收到会办意见：%(title)s") % {"title": proposal.title}, body=str(assignment.unit),
               link=reverse("proposals:assignment", args=[lead.pk]))
    return opinion


@transaction.atomic
def extension_request(*, actor, assignment: Assignment, until, reason: str) -> Extension:
    """申请延期 before the deadline, within the overall maximum (default 6 months from assignment)."""
    assignment, proposal = _unit_guard(actor, assignment, Assignment.State.RECEIVED)
    if assignment.role not in ANSWERING_ROLES:
        raise PermissionDeniedError("permission_denied")
    if not reason.strip():
        raise ProposalError("reason_required", field="reason")
    current = timezone.localdate(assignment.reply_due_at)
    limit = calendar_add_months(timezone.localdate(assignment.assigned_at),
                                ProposalSettings.current().max_extension_months)
    if until <= current:
        raise ProposalError("extension_not_later", params={"due": current}, field="until")
    if until > limit:
        raise ProposalError("extension_too_long", params={"limit": limit}, field="until")
    if assignment.extensions.filter(status=Extension.Status.PENDING).exists():
        raise ProposalError("extension_pending")
    extension = Extension.objects.create(assignment=assignment, requested_until=until, reason=reason.strip(),
                                         requested_by=actor)
    audit.record(subject=proposal, actor=actor, action="assignment.extension_requested",
                 comment=f"{assignment.unit} → {until}：{reason.strip()}")
    notify(recipients=_users_with_perm("proposals.assign_proposal"), key=f"extension-{extension.pk}",
           title=_("延期申请：%(title)s") % {"title": proposal.title},
           body=f"{assignment.unit} → {until}", link=reverse("proposals:assignment", args=[assignment.pk]))
    return extension


@transaction.atomic
def extension_decide(*, actor, extension: Extension, approve: bool, comment: str) -> Extension:
    """督查室 decides; the proposer is told either way."""
    assignment, proposal = _locked_assignment(extension.assignment)
    extension = Extension.objects.select_for_update().get(pk=extension.pk)
    _require(actor.has_perm("proposals.assign_proposal"))
    if extension.status != Extension.Status.PENDING:
        raise StaleStateError("stale_state")
    if not comment.strip():
        raise ProposalError("comment_required", field="comment")
    extension.status = Extension.Status.APPROVED if approve else Extension.Status.REFUSED
    extension.decided_by, extension.decided_at, extension.decision = actor, timezone.now(), comment.strip()
    extension.save(update_fields=["status", "decided_by", "decided_at", "decision"])
    if approve:
        item = due.move_due_item(subject=assignment, purpose="reply", due_at=end_of_day(extension.requested_until))
        assignment.reply_due_at = end_of_day(extension.requested_until)
        assignment.reply_due_provisional = item.provisional if item else False
        assignment.save(update_fields=["reply_due_at", "reply_due_provisional"])
    audit.record(subject=proposal, actor=actor,
                 action="assignment.extension_approved" if approve else "assignment.extension_refused",
                 comment=f"{assignment.unit}：{comment.strip()}")
    recipients = _proposers(proposal) + _unit_members(assignment.unit_id)
    notify(recipients=recipients, key=f"extension-decided-{extension.pk}",
           title=(_("延期已同意：%(title)s") if approve else _("延期未同意：%(title)s")) % {"title": proposal.title},
           body=f"{assignment.unit} → {extension.requested_until}：{comment.strip()}", link=_link(proposal))
    return extension


# --- reply (B10–B13) ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReplyContent:
    body: str
    category_id: int | None
    reference_number: str = ""
    publicity: str = "full"
    publicity_reason: str = ""
    summary: str = ""
    contact_person: str = ""
    contact_phone: str = ""


def _validate_reply(content: ReplyContent):
    missing = [str(label) for value, label in (
        (content.body.strip(), _("答复正文")), (content.category_id, _("答复分类")),
        (content.contact_person.strip(), _("联系人")), (content.contact_phone.strip(), _("联系电话")),
    ) if not value]
    if missing:
        raise ProposalError("incomplete", params={"fields": "、".join(missing)})
    if content.publicity not in Reply.Publicity.values:
        raise ProposalError("invalid", field="publicity")
    if content.publicity == Reply.Publicity.NONE and not content.publicity_reason.strip():
        raise ProposalError("publicity_reason_required", field="publicity_reason")
    if content.publicity == Reply.Publicity.SUMMARY and not content.summary.strip():
        raise ProposalError("summary_required", field="summary")
    if not OutcomeCategory.objects.filter(pk=content.category_id, is_active=True).exists():
        raise ProposalError("invalid", field="category")


@transaction.atomic
def reply_save_draft(*, actor, assignment: Assignment, content: ReplyContent) -> Reply:
    """拟稿: the answering unit's 经办人 writes (or rewrites, after a return) the reply of this round."""
    assignment, proposal = _unit_guard(actor, assignment, Assignment.State.RECEIVED)
    if assignment.role not in ANSWERING_ROLES:
        raise PermissionDeniedError("permission_denied")
    _validate_reply(content)
    reply = assignment.replies.filter(round=proposal.handling_round).first()
    if reply is not None and reply.status != Reply.Status.DRAFT:
        raise ProposalError("reply_in_review")
    fields = {
        "body": content.body.strip(), "category_id": content.category_id,
        "reference_number": content.reference_number.strip(), "publicity": content.publicity,
        "publicity_reason": content.publicity_reason.strip(), "summary": content.summary.strip(),
        "contact_person": content.contact_person.strip(), "contact_phone": content.contact_phone.strip(),
    }
    if reply is None:
        reply = Reply.objects.create(assignment=assignment, round=proposal.handling_round, drafted_by=actor, **fields)
        audit.record(subject=proposal, actor=actor, action="reply.drafted", comment=str(assignment.unit))
    else:
        for name, value in fields.items():
            setattr(reply, name, value)
        reply.drafted_by = actor
        reply.save()
        audit.record(subject=proposal, actor=actor, action="reply.edited", comment=str(assignment.unit))
    return reply


@transaction.atomic
def reply_submit(*, actor, reply: Reply) -> Reply:
    """Send the draft into the reply chain (会签 → 签发 → 审核, as the published definition says)."""
    assignment, proposal = _unit_guard(actor, reply.assignment, Assignment.State.RECEIVED)
    reply = Reply.objects.select_for_update().get(pk=reply.pk)
    if reply.status != Reply.Status.DRAFT:
        raise StaleStateError("stale_state")
    if assignment.role == Assignment.Role.LEAD:
        waiting = proposal.assignments.filter(role=Assignment.Role.CO, state__in=Assignment.OPEN_STATES)
        if waiting.exists():
            raise ProposalError("co_opinions_missing", params={"units": "、".join(str(a.unit) for a in waiting)})
    reply.status = Reply.Status.IN_REVIEW
    reply.save(update_fields=["status"])
    reply.chain = stages.start_chain(slot_code=chains.REPLY, subject=reply, actor=actor)
    reply.save(update_fields=["chain"])
    audit.record(subject=proposal, actor=actor, action="reply.submitted", comment=str(assignment.unit))
    return reply


def reply_review_task(user, reply: Reply):
    """The user's open 督查室审核 task on this reply (who may change its category), or None."""
    task = stages.open_task_for(user, reply.chain) if reply.chain_id else None
    return task if task is not None and task.stage.key == "supervisor-review" else None


@transaction.atomic
def reply_change_category(*, actor, reply: Reply, category: OutcomeCategory, comment: str) -> Reply:
    """督办部门审核 may change the category the unit marked (the unit's choice is kept)."""
    reply = Reply.objects.select_for_update().select_related("assignment__proposal", "category").get(pk=reply.pk)
    _require(reply_review_task(actor, reply) is not None)
    if not comment.strip():
        raise ProposalError("comment_required", field="comment")
    if category.pk == reply.category_id:
        return reply
    before = reply.category
    reply.original_category = reply.original_category or before
    reply.category = category
    reply.save(update_fields=["original_category", "category", "updated"])
    audit.record(subject=reply.assignment.proposal, actor=actor, action="reply.category_changed",
                 comment=comment.strip(), changes={"category": [str(before), str(category)]})
    return reply


def reply_chain_finished(*, run, outcome: str, actor):
    """The reply chain ended (inside the runner's transaction): issued when approved, else back to the drafter."""
    reply = Reply.objects.select_for_update().select_related("assignment__unit", "assignment__proposal").get(
        pk=run.subject_id)
    if outcome == "approved":
        _issue_reply(reply, actor=actor, run=run)
        return
    reply.status = Reply.Status.DRAFT
    reply.save(update_fields=["status"])
    comment = run.tasks.exclude(comment="").order_by("-acted_at").values_list("comment", flat=True).first() or ""
    notify(recipients=[reply.drafted_by], key=f"reply-back-{reply.pk}-{run.pk}",
           title=_("答复函需修改：%(title)s") % {"title": reply.assignment.proposal.title}, body=comment,
           link=reverse("proposals:assignment", args=[reply.assignment_id]))


def _issue_reply(reply: Reply, *, actor, run):
    proposal = _locked(reply.assignment.proposal)
    assignment = Assignment.objects.select_for_update().get(pk=reply.assignment_id)
    now = timezone.now()
    signer = run.tasks.filter(stage__key="signoff", status="approved").order_by("-acted_at").first()
    reply.status, reply.issued_at, reply.due_at = Reply.Status.ISSUED, now, assignment.reply_due_at
    reply.signed_by = (signer.acted_by or signer.assignee) if signer else None
    if reply.publicity != Reply.Publicity.NONE:
        delay = ProposalSettings.current().publication_delay_days
        reply.publish_on = timezone.localdate(compute_due(kind="working_days", amount=delay, anchor=now).due_at)
    reply.save(update_fields=["status", "issued_at", "due_at", "signed_by", "publish_on"])
    assignment.state = Assignment.State.REPLIED
    assignment.save(update_fields=["state"])
    due.close_due_items(subject=assignment, purpose="reply")
    audit.record(subject=proposal, actor=actor, action="reply.issued",
                 comment=f"{assignment.unit} · {reply.reference_number} · {reply.category}")
    # Every proposer is answered: the first proposer, each confirmed co-signer, and the proposers merged into it.
    merged = list(proposal.merged.select_related("first_proposer"))
    recipients = _proposers(proposal) + [m.first_proposer or m.submitted_by for m in merged]
    notify(recipients=recipients, key=f"reply-issued-{reply.pk}",
           title=_("提案已答复：%(title)s") % {"title": proposal.title},
           body=_("%(unit)s 已答复，分类 %(category)s。") % {"unit": assignment.unit, "category": reply.category},
           link=_link(proposal))
    answering = proposal.assignments.filter(role__in=ANSWERING_ROLES).exclude(state=Assignment.State.REASSIGNED)
    if not answering.exclude(state=Assignment.State.REPLIED).exists():
        proposal.replied_at = proposal.replied_at or now
        _set_status(proposal, ProposalStatus.REPLIED, actor=actor, action="proposal.replied",
                    extra_fields=["replied_at"])
        item = due.open_due_item(subject=proposal, purpose="evaluation",
                                 title=_("评价：%(title)s") % {"title": proposal.title},
                                 rule_code="proposal-evaluation", anchor_at=now)
        notify(recipients=evaluators(proposal), key=f"evaluate-{proposal.pk}-{proposal.handling_round}",
               title=_("请评价提案办理：%(title)s") % {"title": proposal.title},
               body=_("请在 %(due)s 前填写征询意见。") % {
                   "due": timezone.localtime(item.due_at).strftime("%Y-%m-%d")},
               link=_link(proposal))


# --- evaluation, re-handling, conclusion (B15–B18) -----------------------------------------------------------------


def evaluators(proposal: Proposal) -> list:
    """Who rates the handling: the first proposer, or every confirmed co-signer too (a setting)."""
    users = [proposal.first_proposer or proposal.submitted_by]
    if ProposalSettings.current().evaluators == ProposalSettings.Evaluators.ALL:
        users += [c.user for c in proposal.cosigners.filter(status=Cosigner.Status.CONFIRMED).select_related("user")]
    return users


def _evaluation_round_done(proposal: Proposal) -> bool:
    answered = set(proposal.evaluations.filter(round=proposal.handling_round).values_list("evaluator_id", flat=True))
    return all(user.pk in answered for user in evaluators(proposal))


@transaction.atomic
def evaluation_submit(*, actor, proposal: Proposal, work_rating: str, result_rating: str, comment: str = "",
                      evaluator=None) -> Evaluation:
    """满意 / 基本满意 / 不满意 for the work and the result; staff may record a paper form (代录) for a member."""
    proposal = _locked(proposal)
    _expect_status(proposal, ProposalStatus.REPLIED)
    recorded_by = None
    if evaluator is not None and evaluator != actor:
        _require(actor.has_perm("proposals.review_proposal"))
        recorded_by = actor
    evaluator = evaluator or actor
    _require(any(user.pk == evaluator.pk for user in evaluators(proposal)))
    ratings = (Evaluation.Rating.SATISFIED, Evaluation.Rating.BASIC, Evaluation.Rating.DISSATISFIED)
    if work_rating not in ratings or result_rating not in ratings:
        raise ProposalError("rating_required", field="result_rating")
    if result_rating == Evaluation.Rating.DISSATISFIED and not comment.strip():
        raise ProposalError("dissatisfied_needs_reason", field="comment")
    if proposal.evaluations.filter(round=proposal.handling_round, evaluator=evaluator).exists():
        raise StaleStateError("stale_state")
    evaluation = Evaluation.objects.create(
        proposal=proposal, round=proposal.handling_round, evaluator=evaluator, work_rating=work_rating,
        result_rating=result_rating, comment=comment.strip(), recorded_by=recorded_by,
    )
    audit.record(subject=proposal, actor=actor, on_behalf_of=evaluator if recorded_by else None,
                 action="proposal.evaluated",
                 comment=f"{evaluation.get_work_rating_display()} / {evaluation.get_result_rating_display()} "
                         f"{comment.strip()}".strip())
    if _evaluation_round_done(proposal):
        _close_evaluation(proposal, actor=actor)
    return evaluation


@transaction.atomic
def evaluation_window_expired(*, proposal: Proposal) -> bool:
    """The evaluation window closed without every answer: apply the setting, say so on the timeline (sweep)."""
    proposal = _locked(proposal)
    if proposal.status != ProposalStatus.REPLIED:
        return False
    item = proposal_due(proposal, "evaluation")
    if item is not None and item.due_at > timezone.now():
        return False
    policy = ProposalSettings.current().no_answer
    rating = Evaluation.Rating.SATISFIED if policy == ProposalSettings.NoAnswer.SATISFIED else Evaluation.Rating.NONE
    answered = set(proposal.evaluations.filter(round=proposal.handling_round).values_list("evaluator_id", flat=True))
    for user in evaluators(proposal):
        if user.pk not in answered:
            Evaluation.objects.create(proposal=proposal, round=proposal.handling_round, evaluator=user,
                                      work_rating=rating, result_rating=rating)
    audit.record(subject=proposal, actor=None, action="proposal.evaluation_expired",
                 comment=str(ProposalSettings.NoAnswer(policy).label))
    _close_evaluation(proposal, actor=None)
    return True


def proposal_due(proposal: Proposal, purpose: str):
    return DueItem.objects.filter(subject_type__model="proposal", subject_id=str(proposal.pk), purpose=purpose,
                                  state=DueItem.State.OPEN).first()


def _close_evaluation(proposal: Proposal, *, actor):
    due.close_due_items(subject=proposal, purpose="evaluation")
    dissatisfied = proposal.evaluations.filter(round=proposal.handling_round,
                                               result_rating=Evaluation.Rating.DISSATISFIED).exists()
    if dissatisfied and proposal.handling_round == 1:
        _start_rehandling(proposal, actor=actor)
        return
    _set_status(proposal, ProposalStatus.EVALUATED, actor=actor, action="proposal.evaluation_closed")
    if dissatisfied:
        due.open_due_item(subject=proposal, purpose="face-meeting",
                          title=_("面对面沟通：%(title)s") % {"title": proposal.title}, rule_code="face-meeting")
    notify(recipients=_users_with_perm("proposals.review_proposal"), key=f"to-conclude-{proposal.pk}-"
           f"{proposal.handling_round}", title=_("待办结：%(title)s") % {"title": proposal.title}, link=_link(proposal))


def _start_rehandling(proposal: Proposal, *, actor):
    """不满意 on the first round: the answering units handle it again and answer again (DOMAIN §2.6)."""
    now = timezone.now()
    proposal.handling_round = 2
    _set_status(proposal, ProposalStatus.REHANDLING, actor=actor, action="proposal.rehandling",
                extra_fields=["handling_round"])
    rule_args = _rule_args("rehandling")
    for assignment in proposal.assignments.filter(role__in=ANSWERING_ROLES).exclude(state=Assignment.State.REASSIGNED):
        assignment.state = Assignment.State.RECEIVED
        reply_due = compute_due(**rule_args, anchor=now)
        assignment.reply_due_at, assignment.reply_due_provisional = reply_due.due_at, reply_due.provisional
        assignment.save(update_fields=["state", "reply_due_at", "reply_due_provisional"])
        due.open_due_item(subject=assignment, purpose="reply", title=_("重新办理：%(title)s") % {"title": proposal.title},
                          rule_code="rehandling", anchor_at=now)
        notify(recipients=_unit_members(assignment.unit_id), key=f"rehandle-{assignment.pk}",
               title=_("提案需重新办理：%(title)s") % {"title": proposal.title},
               link=reverse("proposals:assignment", args=[assignment.pk]))


@transaction.atomic
def record_add(*, actor, proposal: Proposal, kind: str, held_on, participants: str, summary: str) -> CaseRecord:
    """A recorded meeting, supervision activity or follow-up on the case."""
    proposal = _locked(proposal)
    allowed = {
        CaseRecord.Kind.FACE_MEETING: actor.has_perm("proposals.review_proposal")
        or actor.has_perm("proposals.assign_proposal"),
        CaseRecord.Kind.FOLLOW_UP: actor.has_perm("proposals.review_proposal")
        or actor.has_perm("proposals.assign_proposal"),
        CaseRecord.Kind.VISIT: access.can_supervise(actor, proposal),
        CaseRecord.Kind.FORUM: access.can_supervise(actor, proposal),
        CaseRecord.Kind.REPORT: access.can_supervise(actor, proposal),
    }
    _require(allowed.get(kind, False))
    if kind == CaseRecord.Kind.FACE_MEETING and proposal.status != ProposalStatus.EVALUATED:
        raise StaleStateError("stale_state")
    if not summary.strip():
        raise ProposalError("incomplete", params={"fields": str(_("内容"))})
    if held_on > timezone.localdate():
        raise ProposalError("future_date", field="held_on")
    record = CaseRecord.objects.create(proposal=proposal, kind=kind, held_on=held_on,
                                       participants=participants.strip(), summary=summary.strip(), recorded_by=actor)
    if kind == CaseRecord.Kind.FACE_MEETING:
        due.close_due_items(subject=proposal, purpose="face-meeting")
    audit.record(subject=proposal, actor=actor, action=f"record.{kind}", comment=summary.strip()[:300])
    return record


@transaction.atomic
def proposal_conclude(*, actor, proposal: Proposal, comment: str = "") -> Proposal:
    """办结: after the evaluation (and, after a second 不满意, the recorded face-to-face meeting)."""
    proposal = _locked(proposal)
    _require(actor.has_perm("proposals.review_proposal"))
    _expect_status(proposal, ProposalStatus.EVALUATED)
    second_dissatisfied = proposal.handling_round > 1 and proposal.evaluations.filter(
        round=proposal.handling_round, result_rating=Evaluation.Rating.DISSATISFIED).exists()
    if second_dissatisfied and not proposal.records.filter(kind=CaseRecord.Kind.FACE_MEETING).exists():
        raise ProposalError("face_meeting_required")
    proposal.concluded_at = timezone.now()
    _set_status(proposal, ProposalStatus.CONCLUDED, actor=actor, action="proposal.concluded", comment=comment.strip(),
                extra_fields=["concluded_at"])
    due.close_due_items(subject=proposal)
    engine.complete_handle_task(process=proposal.process, node=ProposalFlow.handling)
    notify(recipients=_proposers(proposal), key=f"concluded-{proposal.pk}",
           title=_("提案已办结：%(title)s") % {"title": proposal.title}, link=_link(proposal))
    return proposal


# --- key proposals (B20) ---------------------------------------------------------------------------------------------


@transaction.atomic
def key_propose(*, actor, proposal: Proposal, comment: str) -> Proposal:
    """提案委 proposes a key proposal; the 主席会议 decides."""
    proposal = _locked(proposal)
    _require(actor.has_perm("proposals.review_proposal"))
    if proposal.serial is None or proposal.status in (ProposalStatus.MERGED, ProposalStatus.CONCLUDED):
        raise ProposalError("not_key_candidate")
    if proposal.key_status:
        raise StaleStateError("stale_state")
    proposal.key_status = "proposed"
    proposal.save(update_fields=["key_status", "updated"])
    audit.record(subject=proposal, actor=actor, action="proposal.key_proposed", comment=comment.strip())
    return proposal


@transaction.atomic
def key_decide(*, actor, proposal: Proposal, approved: bool, decided_on, decision: str, supervisor=None,
               lead_official=None) -> Proposal:
    """Record the 主席会议 decision; a chair leads the supervision and a government leader may take charge (领办)."""
    proposal = _locked(proposal)
    _require(actor.has_perm("proposals.review_proposal"))
    if proposal.key_status != "proposed":
        raise StaleStateError("stale_state")
    if not decision.strip():
        raise ProposalError("comment_required", field="decision")
    if approved and supervisor is None:
        raise ProposalError("supervisor_required", field="supervisor")
    proposal.key_status = "key" if approved else "declined"
    proposal.key_supervisor = supervisor if approved else None
    proposal.key_lead_official = lead_official if approved else None
    proposal.save(update_fields=["key_status", "key_supervisor", "key_lead_official", "updated"])
    CaseRecord.objects.create(proposal=proposal, kind=CaseRecord.Kind.CHAIR_DECISION, held_on=decided_on,
                              summary=decision.strip(), recorded_by=actor)
    audit.record(subject=proposal, actor=actor, action="proposal.key_decided", comment=decision.strip(),
                 changes={"key": approved})
    if approved:
        for user, kind in ((supervisor, AccessGrant.Kind.SUPERVISE), (lead_official, AccessGrant.Kind.LEAD)):
            if user is None:
                continue
            workflows_access.grant(user=user, subject=proposal, kind=kind, granted_by=actor, reason=str(_("重点提案")))
            notify(recipients=[user], key=f"key-{proposal.pk}-{kind}",
                   title=_("重点提案：%(title)s") % {"title": proposal.title}, link=_link(proposal))
    return proposal


def end_of_day(day):
    """The end of a day in Asia/Shanghai: deadlines run to 23:59:59 of their last day."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(23, 59, 59)))

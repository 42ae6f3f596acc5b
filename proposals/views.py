"""Proposal pages. Views parse input, call one service, and show its answer; they decide nothing themselves."""

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import transaction
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from workflows import access as engine_access
from workflows import audit
from workflows.errors import PermissionDeniedError, ServiceError, StaleStateError
from workflows.models import UnitMembership

from . import access, selectors, services
from .filters import ProposalFilter
from .forms import AdjustmentDecisionForm, AssignForm, OnBehalfForm, ProposalForm, ReasonForm, ReviewForm
from .models import Assignment, Attachment, Proposal, ProposalStatus

OBJECT, ROLE, AUTHENTICATED = engine_access.OBJECT, engine_access.ROLE, engine_access.AUTHENTICATED


def _proposal_or_404(request, pk) -> Proposal:
    proposal = Proposal.objects.select_related("term", "topic", "first_proposer", "submitted_by", "master").filter(
        pk=pk
    ).first()
    if proposal is None or not access.can_view(request.user, proposal):
        raise engine_access.deny(request, subject=proposal, reason="proposal")
    return proposal


def _assignment_or_404(request, pk) -> Assignment:
    assignment = Assignment.objects.select_related("proposal", "unit").filter(pk=pk).first()
    if assignment is None or not (
        access.can_act_for_unit(request.user, assignment) or access.is_staff_reader(request.user)
    ):
        raise engine_access.deny(request, subject=assignment, reason="assignment")
    return assignment


def _fail(request, error: ServiceError, form=None):
    """Show a refused action: on its field when the form has one, else as a page message."""
    if isinstance(error, PermissionDeniedError):
        raise engine_access.forbid(request, reason=error.message)
    if form is not None:
        field = error.field if error.field in form.fields else None
        form.add_error(field, error.message)
    else:
        messages.error(request, error.message)


# --- members -----------------------------------------------------------------------------------------------------


@engine_access.rule(AUTHENTICATED)
@login_required
def my_proposals(request):
    proposals = selectors.attach_due_items(selectors.my_proposals(request.user)[:200])
    rows = [(p, selectors.current_step(p)) for p in proposals]
    invitations = [p for p in proposals if access.pending_cosign(request.user, p)]
    return render(request, "proposals/mine.html", {"rows": rows, "invitations": invitations})


def _content(form: ProposalForm) -> services.ProposalContent:
    data = form.cleaned_data
    return services.ProposalContent(
        kind=data["kind"], title=data["title"], reasons=data["reasons"], suggestions=data["suggestions"],
        topic_id=data["topic"].pk if data["topic"] else None, organisation_name=data["organisation_name"],
        contact_person=data["contact_person"], contact_phone=data["contact_phone"],
        no_secret_confirmed=data["no_secret_confirmed"], cosigner_ids=form.cosigner_user_ids(),
    )


def _save_and_maybe_submit(request, form, *, proposal=None, on_behalf_of=None):
    """Save the draft and its attachments, then submit if asked; all or nothing."""
    submit = "submit" in request.POST
    with transaction.atomic():
        proposal = services.proposal_save_draft(
            actor=request.user, content=_content(form), proposal=proposal, on_behalf_of=on_behalf_of,
            submission_key=request.POST.get("submission_key", ""),
        )
        for upload in form.cleaned_data["attachments"]:
            services.attachment_add(actor=request.user, proposal=proposal, upload=upload)
        if submit:
            services.proposal_submit(actor=request.user, proposal=proposal)
    return proposal, submit


@engine_access.rule(AUTHENTICATED)
@login_required
def proposal_create(request):
    try:
        term = services.current_term()
    except ServiceError as error:
        messages.error(request, error.message)
        return redirect("proposals:mine")
    can_enter_for_member = request.user.has_perm("proposals.submit_for_member")
    behalf_form = OnBehalfForm(request.POST or None, term=term) if can_enter_for_member else None
    form = ProposalForm(request.POST or None, request.FILES or None, term=term, proposer=request.user)
    if request.method == "POST" and form.is_valid() and (behalf_form is None or behalf_form.is_valid()):
        member = behalf_form.cleaned_data["on_behalf_of"] if behalf_form else None
        try:
            proposal, submitted = _save_and_maybe_submit(request, form, on_behalf_of=member.user if member else None)
        except ServiceError as error:
            _fail(request, error, form)
        else:
            messages.success(request, _("提案已提交。") if submitted else _("草稿已保存。"))
            return redirect("proposals:detail", pk=proposal.pk)
    if request.method == "POST" and request.FILES:
        messages.warning(request, _("出于安全原因，附件需要重新选择。"))
    return render(request, "proposals/form.html", {
        "form": form, "behalf_form": behalf_form, "submission_key": request.POST.get("submission_key") or uuid.uuid4().hex,
        "is_new": True,
    })


@engine_access.rule(OBJECT)
@login_required
def proposal_edit(request, pk):
    proposal = _proposal_or_404(request, pk)
    if not access.can_edit(request.user, proposal):
        messages.error(request, _("提案已提交，不能修改；如需修改请等待退回。"))
        return redirect("proposals:detail", pk=pk)
    initial = {
        "kind": proposal.kind, "title": proposal.title, "topic": proposal.topic_id, "reasons": proposal.reasons,
        "suggestions": proposal.suggestions, "organisation_name": proposal.organisation_name,
        "contact_person": proposal.contact_person, "contact_phone": proposal.contact_phone,
        "no_secret_confirmed": proposal.no_secret_confirmed,
        "cosigners": list(proposal.term.members.filter(user__cosigned__proposal=proposal).values_list("pk", flat=True)),
    }
    form = ProposalForm(request.POST or None, request.FILES or None, initial=initial, term=proposal.term,
                        proposer=proposal.first_proposer)
    if request.method == "POST" and form.is_valid():
        try:
            proposal, submitted = _save_and_maybe_submit(request, form, proposal=proposal)
        except ServiceError as error:
            _fail(request, error, form)
        else:
            messages.success(request, _("提案已提交。") if submitted else _("修改已保存。"))
            return redirect("proposals:detail", pk=proposal.pk)
    if request.method == "POST" and request.FILES:
        messages.warning(request, _("出于安全原因，附件需要重新选择。"))
    return render(request, "proposals/form.html", {"form": form, "proposal": proposal, "is_new": False})


def _act(request, pk, action, success_message):
    """Run one POSTed service call on a proposal and return to its page."""
    proposal = _proposal_or_404(request, pk)
    try:
        action(proposal)
    except ServiceError as error:
        _fail(request, error)
    else:
        messages.success(request, success_message)
    return redirect("proposals:detail", pk=pk)


@engine_access.rule(OBJECT)
@require_POST
@login_required
def proposal_submit(request, pk):
    return _act(request, pk, lambda p: services.proposal_submit(actor=request.user, proposal=p), _("提案已提交。"))


@engine_access.rule(OBJECT)
@require_POST
@login_required
def proposal_withdraw(request, pk):
    return _act(
        request, pk,
        lambda p: services.proposal_withdraw(actor=request.user, proposal=p, reason=request.POST.get("reason", "")),
        _("提案已撤案。"),
    )


@engine_access.rule(OBJECT)
@require_POST
@login_required
def cosign_respond(request, pk):
    confirm = request.POST.get("confirm") == "1"
    return _act(
        request, pk, lambda p: services.cosign_respond(actor=request.user, proposal=p, confirm=confirm),
        _("已确认联名。") if confirm else _("已谢绝联名。"),
    )


@engine_access.rule(OBJECT)
@require_POST
@login_required
def attachment_remove(request, pk, attachment_pk):
    proposal = _proposal_or_404(request, pk)
    attachment = proposal.attachments.filter(pk=attachment_pk).first()
    if attachment is None:
        raise engine_access.deny(request, subject=proposal, reason="attachment")
    try:
        services.attachment_remove(actor=request.user, attachment=attachment)
    except ServiceError as error:
        _fail(request, error)
    return redirect("proposals:edit", pk=pk)


@engine_access.rule(OBJECT)
@login_required
def attachment_download(request, pk, attachment_pk):
    """Serve an upload only to those who may see the proposal, always as a download, never rendered inline."""
    proposal = _proposal_or_404(request, pk)
    attachment = Attachment.objects.filter(pk=attachment_pk, proposal=proposal).first()
    if attachment is None:
        raise engine_access.deny(request, subject=proposal, reason="attachment")
    response = FileResponse(attachment.file.open("rb"), as_attachment=True, filename=attachment.original_name,
                            content_type=attachment.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox"
    return response


# --- the case page -------------------------------------------------------------------------------------------------


@engine_access.rule(OBJECT)
@login_required
def proposal_detail(request, pk, review_form=None, assign_form=None):
    proposal = _proposal_or_404(request, pk)
    proposal = selectors.attach_due_items(selectors.with_relations(Proposal.objects.filter(pk=proposal.pk)))[0]
    user = request.user
    context = {
        "proposal": proposal,
        "step": selectors.current_step(proposal),
        "timeline": audit.timeline(proposal),
        "attachments": proposal.attachments.all(),
        "merged": proposal.merged.all(),
        "can_edit": access.can_edit(user, proposal),
        "can_submit": access.can_edit(user, proposal),
        "can_withdraw": access.can_withdraw(user, proposal),
        "cosign": access.pending_cosign(user, proposal),
        "can_review": access.can_review(user, proposal),
        "can_assign": access.can_assign(user, proposal),
        "my_unit_ids": set(UnitMembership.objects.filter(user=user).values_list("unit_id", flat=True)),
        "show_contacts": access.is_staff_reader(user) or access.is_proposer(user, proposal),
        "withdraw_form": ReasonForm(),
    }
    if context["can_review"]:
        context["review_form"] = review_form or ReviewForm(proposal=proposal, initial={
            "suggested_units": list(proposal.suggested_units.values_list("pk", flat=True))})
    if context["can_assign"]:
        context["assign_form"] = assign_form or AssignForm(initial={
            "lead_units": list(proposal.suggested_units.values_list("pk", flat=True))})
    return render(request, "proposals/detail.html", context)


@engine_access.rule(OBJECT)
@require_POST
@login_required
def proposal_review(request, pk):
    proposal = _proposal_or_404(request, pk)
    form = ReviewForm(request.POST, proposal=proposal)
    if form.is_valid():
        data = form.cleaned_data
        comment = data["comment"]
        try:
            match data["decision"]:
                case "accept":
                    services.proposal_accept(actor=request.user, proposal=proposal, comment=comment,
                                             suggested_unit_ids=[u.pk for u in data["suggested_units"]])
                    done = _("已立案。")
                case "reject":
                    services.proposal_reject(actor=request.user, proposal=proposal, ground=data["ground"],
                                             disposition=data["disposition"],
                                             proposer_consent=data["proposer_consent"], comment=comment)
                    done = _("已作不予立案处理，并已通知提案者。")
                case "merge":
                    if data["master"] is None:
                        raise ServiceError("master_invalid", field="master")
                    services.proposal_merge(actor=request.user, proposal=proposal, master=data["master"],
                                            comment=comment)
                    done = _("已并案。")
                case _:
                    services.proposal_return(actor=request.user, proposal=proposal, comment=comment)
                    done = _("已退回提案者修改。")
        except StaleStateError as error:
            messages.error(request, error.message)
            return redirect("proposals:detail", pk=pk)
        except ServiceError as error:
            _fail(request, error, form)
        else:
            messages.success(request, done)
            return redirect("proposals:detail", pk=pk)
    return proposal_detail(request, pk, review_form=form)


@engine_access.rule(OBJECT)
@require_POST
@login_required
def proposal_assign(request, pk):
    proposal = _proposal_or_404(request, pk)
    form = AssignForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.proposal_assign(
                actor=request.user, proposal=proposal, mode=data["mode"],
                lead_unit_ids=[u.pk for u in data["lead_units"]], co_unit_ids=[u.pk for u in data["co_units"]],
                comment=data["comment"],
            )
        except StaleStateError as error:
            messages.error(request, error.message)
            return redirect("proposals:detail", pk=pk)
        except ServiceError as error:
            _fail(request, error, form)
        else:
            messages.success(request, _("已交办，承办单位已收到通知。"))
            return redirect("proposals:detail", pk=pk)
    return proposal_detail(request, pk, assign_form=form)


@engine_access.rule(OBJECT)
@login_required
def proposal_print(request, pk):
    proposal = _proposal_or_404(request, pk)
    proposal = selectors.with_relations(Proposal.objects.filter(pk=proposal.pk))[0]
    member = access.current_member(proposal.first_proposer, proposal.term) if proposal.first_proposer else None
    return render(request, "proposals/print_proposal.html", {"proposal": proposal, "member": member})


# --- staff list ------------------------------------------------------------------------------------------------------


@engine_access.rule(ROLE)
@login_required
def proposal_list(request):
    if not access.is_staff_reader(request.user):
        raise engine_access.deny(request, reason="proposal_list")
    filterset = ProposalFilter(request.GET or None, queryset=selectors.staff_proposals(request.user))
    page = Paginator(filterset.qs, 50).get_page(request.GET.get("page"))
    proposals = selectors.attach_due_items(page.object_list)
    rows = [(p, selectors.current_step(p)) for p in proposals]
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "proposals/list.html", {
        "filter": filterset, "page": page, "rows": rows, "query": query.urlencode(),
    })


# --- units ---------------------------------------------------------------------------------------------------------


@engine_access.rule(AUTHENTICATED)
@login_required
def unit_inbox(request):
    assignments = list(selectors.unit_assignments(request.user)[:300])
    return render(request, "proposals/unit_inbox.html", {"assignments": assignments})


@engine_access.rule(OBJECT)
@login_required
def assignment_detail(request, pk, decision_form=None, reason_form=None):
    assignment = _assignment_or_404(request, pk)
    proposal = assignment.proposal
    can_act = access.can_act_for_unit(request.user, assignment)
    return render(request, "proposals/assignment.html", {
        "assignment": assignment,
        "proposal": proposal,
        "siblings": proposal.assignments.select_related("unit").exclude(pk=assignment.pk),
        "can_receive": can_act and assignment.state == Assignment.State.PENDING_RECEIPT,
        "reason_form": reason_form or ReasonForm(),
        "can_decide": access.can_decide_adjustment(request.user, assignment),
        "decision_form": decision_form or AdjustmentDecisionForm(),
        "timeline": audit.timeline(assignment),
        "due_items": selectors.open_due(assignment),
    })


def _assignment_act(request, pk, action, success_message):
    assignment = _assignment_or_404(request, pk)
    try:
        action(assignment)
    except ServiceError as error:
        _fail(request, error)
    else:
        messages.success(request, success_message)
    return redirect("proposals:assignment", pk=pk)


@engine_access.rule(OBJECT)
@require_POST
@login_required
def assignment_receive(request, pk):
    return _assignment_act(request, pk, lambda a: services.assignment_receive(actor=request.user, assignment=a),
                           _("已签收。"))


@engine_access.rule(OBJECT)
@require_POST
@login_required
def assignment_adjust(request, pk):
    form = ReasonForm(request.POST)
    if not form.is_valid():
        return assignment_detail(request, pk, reason_form=form)
    return _assignment_act(
        request, pk,
        lambda a: services.assignment_request_adjustment(actor=request.user, assignment=a,
                                                         reason=form.cleaned_data["reason"]),
        _("调整申请已提交督查室。"),
    )


@engine_access.rule(OBJECT)
@require_POST
@login_required
def assignment_decide(request, pk):
    assignment = _assignment_or_404(request, pk)
    form = AdjustmentDecisionForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.assignment_decide_adjustment(
                actor=request.user, assignment=assignment, approve=data["approve"], comment=data["comment"],
                new_unit_id=data["new_unit"].pk if data["new_unit"] else None,
            )
        except StaleStateError as error:
            messages.error(request, error.message)
            return redirect("proposals:assignment", pk=pk)
        except ServiceError as error:
            _fail(request, error, form)
        else:
            messages.success(request, _("调整申请已处理。"))
            return redirect("proposals:assignment", pk=pk)
    return assignment_detail(request, pk, decision_form=form)


@engine_access.rule(OBJECT)
@login_required
def assignment_notice(request, pk):
    """交办通知, printable A4."""
    assignment = _assignment_or_404(request, pk)
    return render(request, "proposals/print_notice.html", {"assignment": assignment, "proposal": assignment.proposal})



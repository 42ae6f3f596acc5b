"""Proposal pages. Views parse input, call one service, and show its answer; they decide nothing themselves."""

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import DatabaseError, transaction
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from workflows import access as engine_access
from workflows import audit, locks, masking, stages
from workflows import selectors as workflow_selectors
from workflows.errors import ServiceError, StaleStateError
from workflows.feedback import show_error
from workflows.models import UnitMembership

from . import access, chains, selectors, services
from .errors import ProposalError
from .filters import ProposalFilter
from .forms import (
    AdjustmentDecisionForm,
    AssignForm,
    CategoryChangeForm,
    ContactLogForm,
    CoOpinionForm,
    EvaluationForm,
    ExtensionDecisionForm,
    ExtensionForm,
    KeyDecisionForm,
    OnBehalfForm,
    ProposalForm,
    ReasonForm,
    RecordForm,
    ReplyForm,
    ReviewForm,
)
from .lifecycle import ProposalLifecycle
from .models import Assignment, Attachment, CaseRecord, Proposal, ProposalStatus, Reply

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


# --- members -----------------------------------------------------------------------------------------------------


@engine_access.rule(AUTHENTICATED)
@login_required
def my_proposals(request):
    proposals = selectors.attach_due_items(selectors.my_proposals(request.user)[:200])
    rows = [(p, selectors.current_step(p, request.user)) for p in proposals]
    # The user's own 联名确认 items, with the window's date (no query per row).
    invitations = [(p, step) for p, step in rows
                   if step.mine and any(h.item.step == services.STEP_COSIGN for h in p.holdings)]
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
            show_error(request, error, form)
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
            show_error(request, error, form)
        else:
            messages.success(request, _("提案已提交。") if submitted else _("修改已保存。"))
            return redirect("proposals:detail", pk=proposal.pk)
    if request.method == "POST" and request.FILES:
        messages.warning(request, _("出于安全原因，附件需要重新选择。"))
    return render(request, "proposals/form.html", {"form": form, "proposal": proposal, "is_new": False})


def _run(request, call, success, *, done, form=None, rerender=None):
    """Form → service → error → redirect: the one path of every POST on the proposal pages.

    The form (if any) is validated, the service called with its cleaned data. Done: the success message and back to
    ``done``. Someone acted first (a stale state, or a lock race the database settled against this request): that
    message and back to ``done``, to see the case as it now is. Any other refusal: its message on the form's field,
    the page rendered again with what was typed (``rerender``), or as a message when there is no form.
    """
    if form is not None and not form.is_valid():
        return rerender(form)
    try:
        call(form.cleaned_data if form is not None else None)
    except StaleStateError as error:
        messages.error(request, error.message)
    except ServiceError as error:
        show_error(request, error, form)
        if form is not None:
            return rerender(form)
    except DatabaseError as error:
        if not locks.lost_race(error):
            raise
        messages.error(request, StaleStateError("stale_state").message)
    else:
        messages.success(request, success)
    return done


def _act(request, pk, action, success_message):
    """Run one POSTed service call on a proposal and return to its page."""
    proposal = _proposal_or_404(request, pk)
    return _run(request, lambda _data: action(proposal), success_message, done=redirect("proposals:detail", pk=pk))


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
        show_error(request, error)
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
def proposal_detail(request, pk, review_form=None, assign_form=None, forms=None):
    proposal = _proposal_or_404(request, pk)
    proposal = selectors.attach_due_items(selectors.with_relations(Proposal.objects.filter(pk=proposal.pk)))[0]
    user = request.user
    forms = forms or {}
    decision = services.decision_task(user, proposal) if proposal.status == ProposalStatus.SUBMITTED else None
    review_run = stages.running_chain(proposal, chains.REVIEW)
    is_staff = user.has_perm("proposals.review_proposal")
    context = {
        "proposal": proposal,
        "step": selectors.current_step(proposal, user),
        "holdings": proposal.holdings,
        "cosign_due": services.proposal_due(proposal, "cosign") if proposal.status == ProposalStatus.COSIGNING else None,
        "timeline": audit.timeline(proposal),
        "attachments": proposal.attachments.all(),
        "merged": proposal.merged.all(),
        "can_edit": access.can_edit(user, proposal),
        "can_submit": access.can_edit(user, proposal),
        "can_withdraw": access.can_withdraw(user, proposal),
        "cosign": access.pending_cosign(user, proposal),
        "review_chain": workflow_selectors.chain_panel(user, review_run),
        "can_review": decision is not None,
        "can_assign": access.can_assign(user, proposal),
        "my_unit_ids": set(UnitMembership.objects.filter(user=user).values_list("unit_id", flat=True)),
        "show_contacts": access.can_see_contacts(user, proposal),
        "withdraw_form": ReasonForm(),
        "replies": [
            (reply, workflow_selectors.chain_panel(user, reply.chain) if reply.chain_id else None)
            for reply in selectors.replies(proposal).select_related("chain__version", "chain__slot")
        ],
        "evaluations": proposal.evaluations.select_related("evaluator", "recorded_by"),
        "records": proposal.records.select_related("recorded_by"),
        "can_conclude": is_staff and ProposalLifecycle.may(proposal, "conclude"),
        "can_key_propose": is_staff and proposal.serial is not None and not proposal.key_status
        and proposal.status not in (ProposalStatus.MERGED, ProposalStatus.CONCLUDED),
        "can_key_decide": is_staff and proposal.key_status == "proposed",
        **selectors.due_panel(user, proposal),
    }
    if context["can_review"]:
        context["review_form"] = review_form or ReviewForm(proposal=proposal, initial={
            "suggested_units": list(proposal.suggested_units.values_list("pk", flat=True))})
    if context["can_assign"]:
        context["assign_form"] = assign_form or AssignForm(initial={
            "lead_units": list(proposal.suggested_units.values_list("pk", flat=True))})
    evaluators = services.evaluators(proposal) if proposal.status == ProposalStatus.REPLIED else []
    answered = set(proposal.evaluations.filter(round=proposal.handling_round).values_list("evaluator_id", flat=True))
    if (any(u.pk == user.pk for u in evaluators) and user.pk not in answered) or (is_staff and evaluators):
        context["evaluation_form"] = forms.get("evaluation") or EvaluationForm(
            evaluators=[u for u in evaluators if u.pk not in answered] if is_staff else [])
    kinds = []
    if is_staff or user.has_perm("proposals.assign_proposal"):
        kinds += [CaseRecord.Kind.FOLLOW_UP]
        if proposal.status == ProposalStatus.EVALUATED:
            kinds.append(CaseRecord.Kind.FACE_MEETING)
    if proposal.key_status == "key" and access.can_supervise(user, proposal):
        kinds += [CaseRecord.Kind.VISIT, CaseRecord.Kind.FORUM, CaseRecord.Kind.REPORT]
    if kinds:
        context["record_form"] = forms.get("record") or RecordForm(kinds=kinds)
    if context["can_key_decide"]:
        context["key_form"] = forms.get("key") or KeyDecisionForm()
    return render(request, "proposals/detail.html", context)


def _post_form(request, pk, form, call, success, *, form_key):
    """Validate a case-page form, call its service, and show either the result or the form with its errors."""
    return _run(request, call, success, done=redirect("proposals:detail", pk=pk), form=form,
                rerender=lambda form: proposal_detail(request, pk, forms={form_key: form}))


@engine_access.rule(OBJECT)
@require_POST
@login_required
def proposal_evaluate(request, pk):
    proposal = _proposal_or_404(request, pk)
    form = EvaluationForm(request.POST, evaluators=services.evaluators(proposal))
    return _post_form(request, pk, form, lambda d: services.evaluation_submit(
        actor=request.user, proposal=proposal, work_rating=d["work_rating"], result_rating=d["result_rating"],
        comment=d["comment"], evaluator=d["evaluator"]), _("评价已提交。"), form_key="evaluation")


@engine_access.rule(OBJECT)
@require_POST
@login_required
def proposal_record(request, pk):
    proposal = _proposal_or_404(request, pk)
    form = RecordForm(request.POST, kinds=CaseRecord.Kind.values)
    return _post_form(request, pk, form, lambda d: services.record_add(
        actor=request.user, proposal=proposal, kind=d["kind"], held_on=d["held_on"],
        participants=d["participants"], summary=d["summary"]), _("记录已保存。"), form_key="record")


@engine_access.rule(OBJECT)
@require_POST
@login_required
def proposal_conclude(request, pk):
    return _act(request, pk, lambda p: services.proposal_conclude(actor=request.user, proposal=p,
                                                                  comment=request.POST.get("comment", "")),
                _("提案已办结。"))


@engine_access.rule(OBJECT)
@require_POST
@login_required
def proposal_key_propose(request, pk):
    return _act(request, pk, lambda p: services.key_propose(actor=request.user, proposal=p,
                                                            comment=request.POST.get("comment", "")),
                _("已提请主席会议确定重点提案。"))


@engine_access.rule(OBJECT)
@require_POST
@login_required
def proposal_key_decide(request, pk):
    proposal = _proposal_or_404(request, pk)
    form = KeyDecisionForm(request.POST)
    return _post_form(request, pk, form, lambda d: services.key_decide(
        actor=request.user, proposal=proposal, approved=d["approved"], decided_on=d["decided_on"],
        decision=d["decision"], supervisor=d["supervisor"], lead_official=d["lead_official"]),
        _("主席会议决定已记录。"), form_key="key")


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
                        raise ProposalError("master_invalid", field="master")
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
            show_error(request, error, form)
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
            show_error(request, error, form)
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
    # The same masking as the case page: a handling unit's print shows the proposer's phone and address masked.
    unmasked = access.can_see_contacts(request.user, proposal)
    phone = (member.phone if member else "") or proposal.contact_phone
    return render(request, "proposals/print_proposal.html", {
        "proposal": proposal, "member": member,
        "phone": masking.display(masking.PHONE, phone, unmasked=unmasked),
        "address": masking.display(masking.ADDRESS, member.address if member else "", unmasked=unmasked),
    })


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
    items = selectors.unit_work(request.user)
    return render(request, "proposals/unit_inbox.html", {"items": items})


@engine_access.rule(OBJECT)
@login_required
def assignment_detail(request, pk, decision_form=None, reason_form=None, forms=None):
    assignment = _assignment_or_404(request, pk)
    proposal = assignment.proposal
    user = request.user
    forms = forms or {}
    can_act = access.can_act_for_unit(user, assignment)
    received = assignment.state == Assignment.State.RECEIVED
    answering = assignment.role in services.ANSWERING_ROLES
    reply = assignment.replies.filter(round=proposal.handling_round).select_related("category", "chain").first()
    context = {
        "assignment": assignment,
        "proposal": proposal,
        "siblings": proposal.assignments.select_related("unit").exclude(pk=assignment.pk),
        "can_receive": can_act and assignment.state == Assignment.State.PENDING_RECEIPT,
        "reason_form": reason_form or ReasonForm(),
        "can_decide": access.can_decide_adjustment(user, assignment),
        "decision_form": decision_form or AdjustmentDecisionForm(),
        "timeline": audit.timeline(assignment),
        **selectors.assignment_due_panel(user, assignment),
        "deadlines": selectors.assignment_deadlines(assignment),
        "contacts": assignment.contacts.select_related("recorded_by"),
        "co_opinions": selectors.co_opinions(assignment),
        "extensions": assignment.extensions.select_related("requested_by", "decided_by"),
        "reply": reply,
        "past_replies": assignment.replies.exclude(round=proposal.handling_round).select_related("category"),
        "reply_chain": workflow_selectors.chain_panel(user, reply.chain) if reply and reply.chain_id else None,
        "can_decide_extension": user.has_perm("proposals.assign_proposal"),
        "extension_decision_form": forms.get("extension_decision") or ExtensionDecisionForm(),
    }
    if can_act and received:
        context["contact_form"] = forms.get("contact") or ContactLogForm(prefix="contact")
        if assignment.role == Assignment.Role.CO:
            context["co_opinion_form"] = forms.get("co_opinion") or CoOpinionForm()
        elif answering:
            if reply is None or reply.status == Reply.Status.DRAFT:
                context["reply_form"] = forms.get("reply") or ReplyForm(instance=reply)
            context["extension_form"] = forms.get("extension") or ExtensionForm()
    if reply and reply.chain_id and services.reply_review_task(user, reply):
        context["category_form"] = forms.get("category") or CategoryChangeForm(initial={"category": reply.category_id})
    return render(request, "proposals/assignment.html", context)


def _assignment_form(request, pk, form, call, success, *, form_key):
    return _run(request, call, success, done=redirect("proposals:assignment", pk=pk), form=form,
                rerender=lambda form: assignment_detail(request, pk, forms={form_key: form}))


@engine_access.rule(OBJECT)
@require_POST
@login_required
def assignment_contact(request, pk):
    assignment = _assignment_or_404(request, pk)
    form = ContactLogForm(request.POST, prefix="contact")
    return _assignment_form(request, pk, form, lambda d: services.contact_log_add(
        actor=request.user, assignment=assignment, held_on=d["held_on"], form=d["form"],
        participants=d["participants"], summary=d["summary"]), _("沟通记录已保存。"), form_key="contact")


@engine_access.rule(OBJECT)
@require_POST
@login_required
def assignment_co_opinion(request, pk):
    assignment = _assignment_or_404(request, pk)
    form = CoOpinionForm(request.POST)
    return _assignment_form(request, pk, form, lambda d: services.co_opinion_submit(
        actor=request.user, assignment=assignment, body=d["body"]), _("会办意见已送主办单位。"),
        form_key="co_opinion")


@engine_access.rule(OBJECT)
@require_POST
@login_required
def assignment_extension(request, pk):
    assignment = _assignment_or_404(request, pk)
    form = ExtensionForm(request.POST)
    return _assignment_form(request, pk, form, lambda d: services.extension_request(
        actor=request.user, assignment=assignment, until=d["until"], reason=d["reason"]),
        _("延期申请已提交督查室。"), form_key="extension")


@engine_access.rule(OBJECT)
@require_POST
@login_required
def extension_decide(request, pk, extension_pk):
    assignment = _assignment_or_404(request, pk)
    extension = assignment.extensions.filter(pk=extension_pk).first()
    if extension is None:
        raise engine_access.deny(request, subject=assignment, reason="extension")
    form = ExtensionDecisionForm(request.POST)
    return _assignment_form(request, pk, form, lambda d: services.extension_decide(
        actor=request.user, extension=extension, approve=d["approve"], comment=d["comment"]),
        _("延期申请已处理。"), form_key="extension_decision")


def _reply_content(data) -> services.ReplyContent:
    return services.ReplyContent(
        body=data["body"] or "", category_id=data["category"].pk if data["category"] else None,
        reference_number=data["reference_number"], publicity=data["publicity"],
        publicity_reason=data["publicity_reason"], summary=data["summary"], contact_person=data["contact_person"] or "",
        contact_phone=data["contact_phone"] or "",
    )


@engine_access.rule(OBJECT)
@require_POST
@login_required
def assignment_reply(request, pk):
    """拟稿: save the draft reply, or save and send it into the reply chain, in one transaction."""
    assignment = _assignment_or_404(request, pk)
    form = ReplyForm(request.POST)
    submit = "submit" in request.POST

    def call(data):
        with transaction.atomic():
            reply = services.reply_save_draft(actor=request.user, assignment=assignment, content=_reply_content(data))
            if submit:
                services.reply_submit(actor=request.user, reply=reply)

    return _assignment_form(request, pk, form, call, _("答复函已送会签审核。") if submit else _("答复函草稿已保存。"),
                            form_key="reply")


@engine_access.rule(OBJECT)
@require_POST
@login_required
def reply_category(request, pk):
    assignment = _assignment_or_404(request, pk)
    reply = assignment.replies.filter(round=assignment.proposal.handling_round).first()
    if reply is None:
        raise engine_access.deny(request, subject=assignment, reason="reply")
    form = CategoryChangeForm(request.POST)
    return _assignment_form(request, pk, form, lambda d: services.reply_change_category(
        actor=request.user, reply=reply, category=d["category"], comment=d["comment"]),
        _("答复分类已调整。"), form_key="category")


def _assignment_act(request, pk, action, success_message):
    assignment = _assignment_or_404(request, pk)
    return _run(request, lambda _data: action(assignment), success_message,
                done=redirect("proposals:assignment", pk=pk))


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
            show_error(request, error, form)
        else:
            messages.success(request, _("调整申请已处理。"))
            return redirect("proposals:assignment", pk=pk)
    return assignment_detail(request, pk, decision_form=form)


@engine_access.rule(OBJECT)
@login_required
def assignment_notice(request, pk):
    """交办通知, printable A4."""
    assignment = _assignment_or_404(request, pk)
    return render(request, "proposals/print_notice.html", {
        "assignment": assignment, "proposal": assignment.proposal,
        "deadlines": selectors.assignment_deadlines(assignment)})



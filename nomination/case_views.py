"""Pages of the nomination process: the case list and page, its step forms, the opinion requests of outside
organisations, and the printable A4 documents. Views parse input, call one service, and show its answer."""

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.contenttypes.models import ContentType
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from workflows import access as engine_access
from workflows import audit, stages, urging, work
from workflows import selectors as workflow_selectors
from workflows.errors import ServiceError, StaleStateError
from workflows.feedback import show_error
from workflows.models import StageRun, StageTask

from . import access, approval_views, case_forms, chains, process, roles
from .errors import NominationError
from .lifecycle import NOTICE_STATES, NominationLifecycle
from .models import CaseStatus, NominationCase, NoticeObjection, UfwdOpinion

OBJECT, ROLE, AUTHENTICATED = engine_access.OBJECT, engine_access.ROLE, engine_access.AUTHENTICATED
S = CaseStatus


def _case_or_404(request, pk) -> NominationCase:
    case = NominationCase.objects.select_related("nominee", "party_org_unit", "created_by").filter(
        pk=pk).first()
    if case is None or not access.can_view_case(request.user, case):
        raise engine_access.deny(request, subject=case, reason="nomination_case")
    return case


# --- the steps offered on the case page -------------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    title: str
    form: type
    applies: object  # (user, case) -> bool
    run: object  # (user, case, form) -> None: calls the step's service
    done: str  # the success message
    initial: object = None  # case -> dict


def _manager_in(*statuses):
    return lambda user, case: access.can_manage_cases(user) and case.status in statuses


def _manager_may(transition):
    """The "may I" flag of a step: the department's permission and the lifecycle's own answer."""
    return lambda user, case: access.can_manage_cases(user) and NominationLifecycle.may(case, transition)


def _may_recall(user, case):
    run = stages.running_chain(case, chains.UFWD_MOTION) if case.status == S.UFWD_OPINION_ON_MOTION else None
    return (run is not None and run.started_by_id == user.pk and access.can_manage_cases(user)
            and not run.tasks.exclude(status__in=(StageTask.Status.OPEN, StageTask.Status.WAITING,
                                                  StageTask.Status.CANCELED)).exists())


def _gate_holder(gate):
    status = S.UFWD_OPINION_ON_MOTION if gate == UfwdOpinion.Gate.MOTION else S.UFWD_OPINION_ON_DECISION
    return lambda user, case: case.status == status and process.gate_task(user, case, gate) is not None


def _opinion_initial(gate):
    def initial(case):
        opinion = case.ufwd_opinions.filter(gate=gate).first()
        values = {"gate": gate}
        if opinion:
            values.update(stance=opinion.stance, text=opinion.text, alternatives=opinion.alternatives)
        return values
    return initial


def _run_opinion(user, case, form):
    d = form.cleaned_data
    process.ufwd_opinion_submit(actor=user, case=case, gate=d["gate"], stance=d["stance"], text=d["text"],
                                alternatives=d["alternatives"], comment=d["comment"])


def _package_holder(user, case):
    if case.status != S.PACKAGE_SIGNOFF:
        return False
    run = stages.running_chain(case, chains.SIGNOFF)
    task = stages.open_task_for(user, run) if run else None
    return task is not None and task.stage.key == "org-cadre-package"


def _team_member(department=None):
    return lambda user, case: case.status == S.VETTING and access.is_team_member(user, case, department)


def _verify(user, case, form):
    d = form.cleaned_data
    objection = NoticeObjection.objects.filter(pk=d["objection"], case=case).first()
    if objection is None:
        raise NominationError("invalid")
    process.objection_verify(actor=user, objection=objection, finding=d["finding"],
                             affects_appointment=None if d["affects"] == "" else d["affects"] == "1")


STEPS = {
    "submit_motion": Step(gettext_lazy("提交动议，征求统战部意见"), case_forms.CommentForm, _manager_may("submit_motion"),
                          lambda u, c, f: process.motion_submit(actor=u, case=c), gettext_lazy("已征求统战部意见。")),
    "recall_motion": Step(gettext_lazy("撤回动议"), case_forms.CommentForm, _may_recall,
                          lambda u, c, f: process.motion_recall(actor=u, case=c, comment=f.cleaned_data["comment"]),
                          gettext_lazy("动议已撤回。")),
    "opinion_motion": Step(gettext_lazy("统战部对动议的书面意见"), case_forms.OpinionForm,
                           _gate_holder(UfwdOpinion.Gate.MOTION), _run_opinion, gettext_lazy("统战部意见已提交。"),
                           _opinion_initial(UfwdOpinion.Gate.MOTION)),
    "motion_approve": Step(gettext_lazy("确定动议"), case_forms.MotionApproveForm,
                           lambda u, c: _manager_in(S.UFWD_OPINION_ON_MOTION)(u, c) and c.ufwd_opinions.filter(
                               gate=UfwdOpinion.Gate.MOTION, signed_at__isnull=False).exists(),
                           lambda u, c, f: process.motion_approve(
                               actor=u, case=c, approved_on=f.cleaned_data["approved_on"],
                               meeting=f.cleaned_data["meeting"]), gettext_lazy("动议已确定。")),
    "recommendation": Step(gettext_lazy("记录民主推荐"), case_forms.RecommendationForm,
                           _manager_in(S.MOTION_APPROVED, S.RECOMMENDATION),
                           lambda u, c, f: process.recommendation_record(actor=u, case=c, data=f.to_data()), gettext_lazy("民主推荐结果已记录。")),
    "candidate": Step(gettext_lazy("确定考察对象"), case_forms.CandidateForm, _manager_in(S.RECOMMENDATION),
                      lambda u, c, f: process.candidate_fix(
                          actor=u, case=c, nominee=f.cleaned_data["nominee"],
                          party_org_unit=f.cleaned_data["party_org_unit"], comment=f.cleaned_data["comment"]), gettext_lazy("考察对象已确定。")),
    "team": Step(gettext_lazy("组成考察组，征求考察意见"), case_forms.TeamForm,
                 lambda u, c: access.can_manage_cases(u) and process.vetting_startable(c),
                 lambda u, c, f: process.vetting_start(actor=u, case=c, members=list(f.cleaned_data["members"]),
                                                       leader=f.cleaned_data["leader"]), gettext_lazy("考察已开始。")),
    "report": Step(gettext_lazy("考察材料"), case_forms.ReportForm, _team_member(),
                   lambda u, c, f: process.vetting_report_submit(actor=u, case=c, report=f.cleaned_data["report"]), gettext_lazy("考察材料已提交。"), lambda c: {"report": c.vetting_report}),
    "uf_opinion": Step(gettext_lazy("考察组统战部成员意见"), case_forms.UfOpinionForm, _team_member(roles.UF),
                       lambda u, c, f: process.vetting_uf_opinion_submit(
                           actor=u, case=c, opinion=f.cleaned_data["opinion"]), gettext_lazy("统战部成员意见已提交。"),
                       lambda c: {"opinion": c.uf_member_opinion}),
    "opinion_decision": Step(gettext_lazy("统战部讨论决定前的书面意见"), case_forms.OpinionForm,
                             _gate_holder(UfwdOpinion.Gate.DECISION), _run_opinion, gettext_lazy("统战部意见已提交。"),
                             _opinion_initial(UfwdOpinion.Gate.DECISION)),
    "package": Step(gettext_lazy("报送上会材料"), case_forms.PackageForm, _package_holder,
                    lambda u, c, f: process.package_submit(actor=u, case=c, summary=f.cleaned_data["summary"],
                                                           comment=f.cleaned_data["comment"]), gettext_lazy("上会材料已报送。")),
    "decision": Step(gettext_lazy("记录常委会决定"), case_forms.DecisionForm, _manager_in(S.SUBMITTED_TO_COMMITTEE),
                     lambda u, c, f: process.decision_record(
                         actor=u, case=c, decision=f.cleaned_data["decision"],
                         meeting_date=f.cleaned_data["meeting_date"], minutes_ref=f.cleaned_data["minutes_ref"],
                         note=f.cleaned_data["note"]), gettext_lazy("常委会决定已记录。")),
    "resubmit": Step(gettext_lazy("重新提交常委会"), case_forms.CommentForm, _manager_in(S.DEFERRED),
                     lambda u, c, f: process.case_resubmit(actor=u, case=c, comment=f.cleaned_data["comment"]), gettext_lazy("已重新提交常委会。")),
    "upward": Step(gettext_lazy("上报州委"), case_forms.UpwardForm,
                   lambda u, c: _manager_in(S.DECIDED)(u, c) and c.managed_by == NominationCase.ManagedBy.PREFECTURE,
                   lambda u, c, f: process.upward_recommend(actor=u, case=c, sent_on=f.cleaned_data["sent_on"],
                                                            reference=f.cleaned_data["reference"]), gettext_lazy("已上报。")),
    "upward_outcome": Step(gettext_lazy("记录州委决定"), case_forms.UpwardOutcomeForm,
                           _manager_in(S.RECOMMENDED_UPWARD),
                           lambda u, c, f: process.upward_outcome(actor=u, case=c, outcome=f.cleaned_data["outcome"]), gettext_lazy("州委决定已记录。")),
    "notice": Step(gettext_lazy("发布任前公示"), case_forms.NoticeForm,
                   lambda u, c: _manager_in(S.DECIDED)(u, c) and c.managed_by == NominationCase.ManagedBy.COUNTY,
                   lambda u, c, f: process.notice_publish(
                       actor=u, case=c, starts_on=f.cleaned_data["starts_on"], ends_on=f.cleaned_data["ends_on"],
                       channel=f.cleaned_data["channel"], contact=f.cleaned_data["contact"]), gettext_lazy("公示已发布。"),
                   lambda c: case_forms.NoticeForm.initial_dates()),
    "objection": Step(gettext_lazy("记录公示期间反映的问题"), case_forms.ObjectionForm, _manager_in(*NOTICE_STATES),
                      lambda u, c, f: process.objection_record(
                          actor=u, case=c, received_on=f.cleaned_data["received_on"], source=f.cleaned_data["source"],
                          summary=f.cleaned_data["summary"]), gettext_lazy("反映问题已记录，请核查。")),
    "conclude": Step(gettext_lazy("公示结果"), case_forms.ConcludeForm,
                     _manager_in(S.NOTICE_ENDED),
                     lambda u, c, f: process.notice_conclude(actor=u, case=c, proceed=f.cleaned_data["proceed"] == "1",
                                                             comment=f.cleaned_data["comment"]), gettext_lazy("公示结果已记录。")),
    "legal": Step(gettext_lazy("记录依法选举/任命结果"), case_forms.LegalForm, _manager_in(S.LEGAL_PROCEDURE),
                  lambda u, c, f: process.legal_record(actor=u, case=c, passed=f.cleaned_data["passed"] == "1",
                                                       held_on=f.cleaned_data["held_on"], note=f.cleaned_data["note"]), gettext_lazy("结果已记录。")),
    "appoint": Step(gettext_lazy("任职"), case_forms.AppointForm, _manager_in(S.TO_APPOINT),
                    lambda u, c, f: process.appointment_record(
                        actor=u, case=c, reference=f.cleaned_data["reference"], notice_on=f.cleaned_data["notice_on"],
                        talk_on=f.cleaned_data["talk_on"], starts_on=f.cleaned_data["starts_on"]), gettext_lazy("任职已记录。")),
    "probation": Step(gettext_lazy("试用期满考核"), case_forms.ProbationForm,
                      lambda u, c: _manager_in(S.PROBATION_ENDED)(u, c)
                      and not stages.running_chain(c, chains.PROBATION),
                      lambda u, c, f: process.probation_assess(actor=u, case=c, result=f.cleaned_data["result"],
                                                               summary=f.cleaned_data["summary"]), gettext_lazy("考核结论已提交两部领导审核。")),
    "withdraw": Step(gettext_lazy("终止"), case_forms.WithdrawForm, _manager_may("withdraw"),
                     lambda u, c, f: process.case_withdraw(actor=u, case=c, reason=f.cleaned_data["reason"]), gettext_lazy("案件已终止。")),
}


def _form(step: str, case: NominationCase, data=None):
    spec = STEPS[step]
    kwargs = {"case": case} if spec.form in (case_forms.RecommendationForm, case_forms.CandidateForm) else {}
    initial = spec.initial(case) if spec.initial else {}
    return spec.form(data, initial=initial, prefix=step, **kwargs)


# --- the pages ----------------------------------------------------------------------------------------------------


@engine_access.rule(ROLE)
@login_required
def case_list(request):
    user = request.user
    if not access.can_view_cases(user):
        if access.request_tasks(user).exists():
            return redirect("nomination:requests")
        raise engine_access.deny(request, reason="case_list")
    status = request.GET.get("status", "")
    cases = access.visible_cases(user).select_related("nominee")
    if status in CaseStatus.values:
        cases = cases.filter(status=status)
    page = Paginator(cases, 50).get_page(request.GET.get("page"))
    # Who holds each case's open steps and by when: one query for the page (``work.open_by_case``).
    holdings = work.open_by_case(NominationCase, [case.pk for case in page])
    rows = [(case, holdings.get(str(case.pk), [])) for case in page]
    return render(request, "nomination/case_list.html", {
        "page": page, "rows": rows, "statuses": CaseStatus.choices, "status": status,
        "can_create": access.can_manage_cases(user),
    })


@engine_access.rule(ROLE)
@login_required
def case_create(request):
    if not access.can_manage_cases(request.user):
        raise engine_access.deny(request, reason="case_create")
    form = case_forms.CaseForm(request.POST or None,
                               search="" if request.method == "POST" else request.GET.get("q", ""))
    if request.method == "POST" and form.is_valid():
        try:
            case = process.case_create(actor=request.user, data=form.to_data())
        except ServiceError as error:
            show_error(request, error, form)
        else:
            messages.success(request, _("动议已保存。"))
            return redirect("nomination:case", pk=case.pk)
    return render(request, "nomination/case_form.html", {"form": form, "title": _("新建动议"),
                                                         "search": request.GET.get("q", "")})


@engine_access.rule(OBJECT)
@login_required
def case_edit(request, pk):
    case = _case_or_404(request, pk)
    if not (access.can_manage_cases(request.user) and process.motion_editable(case)):
        raise engine_access.forbid(request, reason="case_edit")
    selected = list(case.candidates.values_list("pk", flat=True))
    form = case_forms.CaseForm(request.POST or None, initial=case_forms.CaseForm.initial_for(case), selected=selected,
                               search="" if request.method == "POST" else request.GET.get("q", ""))
    if request.method == "POST" and form.is_valid():
        try:
            process.case_update(actor=request.user, case=case, data=form.to_data())
        except StaleStateError as error:
            messages.error(request, error.message)
        except ServiceError as error:
            show_error(request, error, form)
        else:
            messages.success(request, _("动议已修改。"))
            return redirect("nomination:case", pk=pk)
    return render(request, "nomination/case_form.html", {"form": form, "title": _("修改动议"), "case": case,
                                                         "search": request.GET.get("q", "")})


def _panel(user, case, slot):
    run = process.latest_run(case, slot)
    return workflow_selectors.chain_panel(user, run) if run else None


def _due_panel(user, case) -> dict:
    """The open deadlines of the case's chain tasks (two queries) and whether the user may 催办 them."""
    runs = StageRun.objects.filter(subject_type=ContentType.objects.get_for_model(NominationCase),
                                   subject_id=str(case.pk))
    return {"due_items": workflow_selectors.case_due_items(runs=runs), "can_urge": urging.may_urge_case(user, case)}


@engine_access.rule(OBJECT)
@login_required
def case_detail(request, pk, bound=None):
    case = _case_or_404(request, pk)
    user = request.user
    bound = bound or {}
    steps = [(name, spec.title, bound.get(name) or _form(name, case)) for name, spec in STEPS.items()
             if spec.applies(user, case)]
    panels = [(title, slot, _panel(user, case, slot)) for slot, title in (
        (chains.UFWD_MOTION, _("动议征求统战部意见")), (chains.VETTING, _("考察征求意见")),
        (chains.UFWD_DECISION, _("讨论决定前征求统战部意见")), (chains.SIGNOFF, _("上会材料两部会签")),
        (chains.PROBATION, _("试用期满考核")))]
    # Where the case page's own form writes the opinion or the package, the bare 同意 would skip the text.
    form_backed = {name for name, _t, _f in steps} & {"opinion_motion", "opinion_decision", "package"}
    return render(request, "nomination/case_detail.html", {
        "case": case,
        "opinions": {o.gate: o for o in case.ufwd_opinions.select_related("drafted_by", "signed_by")},
        "recommendation": getattr(case, "recommendation", None),
        "votes": case.votes.select_related("person"),
        "team": case.vetting_team.select_related("user"),
        "objections": case.objections.select_related("verified_by"),
        "panels": [(t, s, p) for t, s, p in panels if p],
        "hide_approve": bool(form_backed),
        "steps": steps,
        "open_step": next(iter(bound), None),
        "timeline": audit.timeline(case),
        "attachment_sections": approval_views.attachment_sections(user, case),
        "holdings": work.case_holdings(case),
        "waits": [item for item in (process.notice_due(case), process.probation_due(case)) if item],
        "can_edit": access.can_manage_cases(user) and process.motion_editable(case),
        "candidates": [(p, case_forms.candidate_label(p)) for p in case.candidates.all()],
        "unverified": [o for o in case.objections.all() if o.verified_at is None],
        "verify_forms": [(o, _verify_form(case, o)) for o in case.objections.all() if o.verified_at is None]
        if access.can_manage_cases(user) else [],
        **_due_panel(user, case),
    })


def _verify_form(case, objection, data=None):
    return case_forms.VerifyForm(data, initial={"objection": objection.pk},
                                 prefix=f"verify-{objection.pk}")


@engine_access.rule(OBJECT)
@require_POST
@login_required
def case_step(request, pk):
    """One step of the case, named by the form's ``step``; the service re-checks who may take it."""
    case = _case_or_404(request, pk)
    step = request.POST.get("step", "")
    if step == "verify":
        objection = case.objections.filter(pk=request.POST.get("objection") or 0).first()
        if objection is None or not access.can_manage_cases(request.user):
            raise engine_access.forbid(request, reason="verify")
        form = _verify_form(case, objection, request.POST)
        spec_run, done = _verify, _("核查结果已记录。")
    else:
        if step not in STEPS or not STEPS[step].applies(request.user, case):
            raise engine_access.forbid(request, reason="case_step")
        form = _form(step, case, request.POST)
        spec_run, done = STEPS[step].run, STEPS[step].done
    if form.is_valid():
        try:
            spec_run(request.user, case, form)
        except StaleStateError as error:
            messages.error(request, error.message)
            return redirect("nomination:case", pk=pk)
        except ServiceError as error:
            show_error(request, error, form)
        else:
            messages.success(request, done)
            return redirect("nomination:case", pk=pk)
    if step == "verify":
        messages.error(request, "；".join(str(e) for errors in form.errors.values() for e in errors))
        return redirect("nomination:case", pk=pk)
    return case_detail(request, pk, bound={step: form})


# --- outside organisations: the opinion requests -------------------------------------------------------------


def _request_or_404(request, pk) -> NominationCase:
    case = NominationCase.objects.select_related("nominee").filter(pk=pk).first()
    if case is None or case.nominee_id is None or not access.can_view_request(request.user, case):
        raise engine_access.deny(request, subject=case, reason="nomination_request")
    return case


@engine_access.rule(AUTHENTICATED)
@login_required
def request_list(request):
    """征求意见: the opinion requests addressed to the user (or to whoever delegated to them), nothing else."""
    page = Paginator(access.request_tasks(request.user), 50).get_page(request.GET.get("page"))
    return render(request, "nomination/requests.html", {"page": page})


@engine_access.rule(OBJECT)
@login_required
def case_request(request, pk):
    """The request letter, the candidate's name, unit and post, and the user's own task on it."""
    case = _request_or_404(request, pk)
    if access.can_view_cases(request.user):
        return redirect("nomination:case", pk=pk)
    mine = list(access.case_requests(request.user, case))
    return render(request, "nomination/case_request.html", {
        "case": case, "nominee": case.nominee, "tasks": mine,
        "open_tasks": [t for t in mine if t.status == StageTask.Status.OPEN],
    })


# --- printable A4 -------------------------------------------------------------------------------------------------


@engine_access.rule(OBJECT)
@login_required
def print_notice(request, pk):
    case = _case_or_404(request, pk)
    if case.notice_starts_on is None:
        raise engine_access.deny(request, subject=case, reason="no_notice")
    return render(request, "nomination/print_notice.html", {"case": case, "person": case.nominee})


@engine_access.rule(OBJECT)
@login_required
def print_request_letter(request, pk):
    """征求意见函 to the discipline organ or the party organisation: the minimum identity data only."""
    case = _request_or_404(request, pk)
    if access.can_view_cases(request.user):
        to_party = request.GET.get("to") == "party"
    else:  # an outside organisation prints the letter addressed to it
        to_party = access.case_requests(request.user, case).filter(stage__key=chains.PARTY_OPINION).exists()
    return render(request, "nomination/print_request_letter.html", {
        "case": case, "person": case.nominee, "to_party": to_party,
    })

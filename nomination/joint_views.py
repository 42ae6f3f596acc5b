"""The 六个共同 page (one year of the two departments' joint work, DOMAIN §4.2), the 培养计划 page and the other
department's answer to a negative decision. Views parse input, call one service and show its answer."""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from workflows import access as engine_access
from workflows.errors import ServiceError
from workflows.feedback import show_error

from . import access, chains, joint_selectors, roles
from .joint_forms import CompleteForm, DecisionForm, FollowUpForm, PlanForm, PlanItemForm
from .models import FollowUpAssessment, JointDecision, StaffingTarget, TrainingParticipation
from .services import joint

ROLE = engine_access.ROLE


def _refuse_unless_joint(request):
    """The two departments' roles only; anyone else is refused like a missing page (404 and an audit row)."""
    if not access.can_view_joint_work(request.user):
        raise engine_access.deny(request, reason="joint_work")


def _year(request) -> int:
    raw = request.GET.get("year") or request.POST.get("year") or ""
    return int(raw) if raw.isascii() and raw.isdigit() and 2000 <= int(raw) <= 2100 else timezone.localdate().year


def _confirmations(obj) -> list[tuple[str, object, object]]:
    return [(roles.DEPARTMENT_LABELS[roles.ORG], obj.org_confirmed_by, obj.org_confirmed_at),
            (roles.DEPARTMENT_LABELS[roles.UF], obj.uf_confirmed_by, obj.uf_confirmed_at)]


def _waiting_for(obj) -> str:
    if obj.org_confirmed_at is None and obj.uf_confirmed_at is None:
        return _("待两部确认")
    if obj.org_confirmed_at is None:
        return _("待组织部确认")
    return _("待统战部确认")


def joint_year(year: int, user) -> dict:
    """Everything the page shows for one year, at a fixed number of queries."""
    department = access.joint_department(user)
    targets = joint_selectors.staffing_targets(year)
    plan = joint_selectors.training_plan(year)
    signoffs = joint_selectors.signoff_runs(year)
    signoff_cases = joint_selectors.cases_by_id(signoffs)
    probation = joint_selectors.probation_cases(year)
    approvals = joint_selectors.probation_approvals([c.pk for c in probation])
    follow_ups = joint_selectors.follow_ups(year)
    decisions = joint_selectors.joint_decisions(year)
    for decision in decisions:
        decision.department_label = joint_selectors.department_label(decision.proposed_department)
        decision.waiting_label = joint_selectors.department_label(joint.other_department(decision.proposed_department))
        decision.may_decide = joint.can_decide(user, decision)
    for row in [*targets, *follow_ups]:
        row.confirmations = _confirmations(row)
        row.waiting = "" if row.is_confirmed else _waiting_for(row)
        row.may_confirm = department is not None and not access.confirmed_by(row, department)
    if plan is not None:
        plan.confirmations = _confirmations(plan)
        plan.waiting = "" if plan.is_confirmed else _waiting_for(plan)
    signoff_rows = []
    for case_id, stages in sorted(signoffs.items(), reverse=True):
        org = [t for t in stages[chains.ORG_COSIGN] if t.status == "approved"]
        uf = [t for t in stages[chains.UF_COSIGN] if t.status == "approved"]
        signoff_rows.append({"case": signoff_cases.get(case_id), "org": org, "uf": uf, "joint": bool(org and uf),
                             "waiting": "" if org and uf else (_("待组织部部长会签") if not org else _("待统战部部长会签"))})
    probation_rows = []
    for case in probation:
        tasks = approvals.get(case.pk, [])
        probation_rows.append({"case": case, "tasks": tasks, "joint": len({t.stage_id for t in tasks}) >= 2})
    vetting = joint_selectors.vetting_cases(year)
    for case in vetting:
        team = list(case.vetting_team.all())
        case.org_members = [m for m in team if m.department == roles.ORG]
        case.uf_members = [m for m in team if m.department == roles.UF]
        case.signed_opinions = [o for o in case.ufwd_opinions.all() if o.signed_at]
    pool = joint_selectors.pool_people(year)
    for person in pool:
        person.confirmations = _confirmations(person)
    return {
        "year": year, "targets": targets, "plan": plan, "signoffs": signoff_rows, "probation": probation_rows,
        "follow_ups": follow_ups, "decisions": decisions, "pool": pool, "reviews": joint_selectors.pool_reviews(year),
        "vetting": vetting,
    }


@engine_access.rule(ROLE)
@login_required
def joint_work(request):
    """六个共同: per mechanism, what both departments did in the year and what waits for one of them."""
    _refuse_unless_joint(request)
    user, year = request.user, _year(request)
    plan_form = PlanForm(initial={"year": year, "title": _("%(year)s 年度党外干部培养计划") % {"year": year}})
    follow_up_form = FollowUpForm(initial={"year": year})
    if request.method == "POST":
        step = request.POST.get("step", "")
        try:
            if step == "plan":
                plan_form = PlanForm(request.POST)
                if plan_form.is_valid():
                    plan = joint.training_plan_propose(actor=user, **plan_form.cleaned_data)
                    messages.success(request, _("培养计划已提出，待另一部门确认。"))
                    return redirect("nomination:joint_plan", pk=plan.pk)
            elif step == "follow_up":
                follow_up_form = FollowUpForm(request.POST)
                if follow_up_form.is_valid():
                    joint.follow_up_propose(actor=user, **follow_up_form.cleaned_data)
                    messages.success(request, _("年度跟踪考核已提出，待另一部门确认。"))
                    return redirect(f"{reverse('nomination:joint')}?year={follow_up_form.cleaned_data['year']}")
            elif step == "follow_up_confirm":
                follow_up = FollowUpAssessment.objects.filter(pk=request.POST.get("pk") or 0).first()
                if follow_up is None:
                    raise engine_access.deny(request, reason="follow_up")
                joint.follow_up_confirm(actor=user, follow_up=follow_up)
                messages.success(request, _("已确认。"))
                return redirect(f"{reverse('nomination:joint')}?year={follow_up.year}")
            elif step == "staffing_confirm":
                from . import services

                target = StaffingTarget.objects.filter(pk=request.POST.get("pk") or 0).first()
                if target is None:
                    raise engine_access.deny(request, reason="staffing_target")
                services.staffing_target_confirm(actor=user, target=target)
                messages.success(request, _("已确认。"))
                return redirect(f"{reverse('nomination:joint')}?year={target.year}")
            else:
                raise engine_access.forbid(request, reason="joint_step")
        except ServiceError as error:
            show_error(request, error, {"plan": plan_form, "follow_up": follow_up_form}.get(step))
    context = joint_year(year, user)
    context.update({
        "plan_form": plan_form if access.can_manage_pool(user) and context["plan"] is None else None,
        "follow_up_form": follow_up_form, "department": access.joint_department(user),
        "department_label": joint_selectors.department_label(access.joint_department(user) or ""),
    })
    return render(request, "nomination/joint.html", context)


@engine_access.rule(ROLE)
@login_required
def joint_plan(request, pk):
    """One 培养计划: its items and participants, the two confirmations, completion per person."""
    _refuse_unless_joint(request)
    plan = joint_selectors.training_plan_by_pk(pk)
    if plan is None:
        raise engine_access.deny(request, reason="training_plan")
    user = request.user
    item_form, complete_form = PlanItemForm(), None
    if request.method == "POST":
        step = request.POST.get("step", "")
        try:
            if step == "item":
                item_form = PlanItemForm(request.POST)
                if item_form.is_valid():
                    joint.training_plan_add_item(actor=user, plan=plan, **item_form.cleaned_data)
                    messages.success(request, _("已添加；计划有变化，须另一部门重新确认。"))
                    return redirect("nomination:joint_plan", pk=plan.pk)
            elif step == "confirm":
                plan = joint.training_plan_confirm(actor=user, plan=plan)
                messages.success(request, _("两部已商定培养计划。") if plan.is_confirmed else _("本部门已同意，等待另一部门确认。"))
                return redirect("nomination:joint_plan", pk=plan.pk)
            elif step == "complete":
                complete_form = CompleteForm(request.POST)
                if complete_form.is_valid():
                    participation = TrainingParticipation.objects.filter(
                        pk=complete_form.cleaned_data["participation"], item__plan=plan).first()
                    if participation is None:
                        raise engine_access.deny(request, reason="training_participation")
                    joint.training_complete(actor=user, participation=participation,
                                            completed_on=complete_form.cleaned_data["completed_on"],
                                            note=complete_form.cleaned_data["note"])
                    messages.success(request, _("已记录完成，并写入本人培训和挂职记录。"))
                    return redirect("nomination:joint_plan", pk=plan.pk)
                messages.error(request, _("请填写完成日期。"))
            else:
                raise engine_access.forbid(request, reason="joint_plan_step")
        except ServiceError as error:
            show_error(request, error, item_form if step == "item" else None)
        plan = joint_selectors.training_plan_by_pk(pk)
    department = access.joint_department(user)
    return render(request, "nomination/joint_plan.html", {
        "plan": plan, "confirmations": _confirmations(plan), "waiting": "" if plan.is_confirmed else _waiting_for(plan),
        "may_confirm": department is not None and not access.confirmed_by(plan, department),
        "may_edit": access.can_manage_pool(user), "item_form": item_form,
        "today": timezone.localdate(), "min_date": datetime.date(plan.year, 1, 1),
    })


@engine_access.rule(ROLE)
@require_POST
@login_required
def joint_decision(request, pk):
    """The other department's answer to a proposed 不予推荐 / 不予入库 / 出库."""
    _refuse_unless_joint(request)
    decision = JointDecision.objects.select_related("person").filter(pk=pk).first()
    if decision is None:
        raise engine_access.deny(request, reason="joint_decision")
    form = DecisionForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, errors[0])
        return redirect("nomination:person", pk=decision.person_id)
    try:
        if form.cleaned_data["step"] == "confirm":
            joint.decision_confirm(actor=request.user, decision=decision, comment=form.cleaned_data["comment"])
            messages.success(request, _("两部已共同决定：%(kind)s。") % {"kind": decision.get_kind_display()})
        else:
            joint.decision_decline(actor=request.user, decision=decision, comment=form.cleaned_data["comment"])
            messages.success(request, _("已记录不同意，人员状态不变。"))
    except ServiceError as error:
        show_error(request, error)
    return redirect("nomination:person", pk=decision.person_id)


"""Pages of the representative recommendation (DOMAIN §5.3): list, round page with its steps, the recommending
organisations' nominations, and the opinion requests of the discipline organ and the 政协党组."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from workflows import access as engine_access
from workflows import audit, work
from workflows import selectors as workflow_selectors
from workflows.errors import ServiceError, StaleStateError
from workflows.feedback import show_error
from workflows.models import StageTask, Unit

from . import access, case_forms, chains
from . import representatives as reps
from .models import RepresentativeBatch, RepStatus

OBJECT, ROLE = engine_access.OBJECT, engine_access.ROLE
R = RepStatus


def _batch_or_404(request, pk, *modes) -> tuple[RepresentativeBatch, str]:
    batch = RepresentativeBatch.objects.filter(pk=pk).first()
    mode = access.can_view_batch(request.user, batch) if batch else None
    if mode is None or mode not in modes:
        raise engine_access.deny(request, subject=batch, reason="representative_batch")
    return batch, mode


def _nominee_form(request, batch, data=None):
    department = access.can_manage_representatives(request.user)
    people = access.visible_people(request.user)
    units = (Unit.objects.filter(is_active=True) if department
             else Unit.objects.filter(pk__in=access.own_unit_ids(request.user)))
    return case_forms.NomineeForm(data, people=people, units=units, department=department, prefix="nominee")


# step -> (title, form class, statuses, who: "uf" | "org", call)
def _steps(batch):
    return {
        "consult": (_("记录与民主党派、工商联的协商"), case_forms.ConsultationForm, (R.NOMINATION, R.CONSULTATION), "uf",
                    lambda u, d: reps.consultation_record(actor=u, batch=batch, held_on=d["held_on"],
                                                          consulted=d["consulted"], summary=d["summary"])),
        "vet": (_("开始审核把关（征求廉政意见等）"), case_forms.StepForm, (R.CONSULTATION,), "uf",
                lambda u, d: reps.vetting_start(actor=u, batch=batch)),
        "opinions": (_("征求有关方面意见并报送"), case_forms.SummaryForm, (R.LIST_COMPILED,), "uf",
                     lambda u, d: reps.opinions_record(actor=u, batch=batch, summary=d["summary"])),
        "committee": (_("记录县委审定"), case_forms.CommitteeForm, (R.SUBMITTED,), "org",
                      lambda u, d: reps.committee_record(actor=u, batch=batch, approved=d["approved"] == "1",
                                                         held_on=d["held_on"], minutes_ref=d["minutes_ref"],
                                                         note=d["note"])),
        "adopt": (_("政协常委会协商通过"), case_forms.AdoptForm,
                  (R.APPROVED,) if batch.is_cppcc and not batch.is_prefecture else (), "uf",
                  lambda u, d: reps.cppcc_adopt(actor=u, batch=batch, held_on=d["held_on"],
                                                standing_members=d["standing_members"], votes_for=d["votes_for"])),
        "announce": (_("公布"), case_forms.DateStepForm, (R.STANDING_COMMITTEE_ADOPTED,), "uf",
                     lambda u, d: reps.cppcc_announce(actor=u, batch=batch, announced_on=d["on"])),
        "npc_nominate": (_("作为代表候选人推荐（选举日）"), case_forms.DateStepForm,
                         (R.APPROVED,) if not batch.is_cppcc and not batch.is_prefecture else (), "uf",
                         lambda u, d: reps.npc_nominate(actor=u, batch=batch, election_date=d["on"])),
        "npc_list": (_("公布候选人名单"), case_forms.DateStepForm, (R.CANDIDATE_NOMINATED,), "uf",
                     lambda u, d: reps.npc_publish_list(actor=u, batch=batch, published_on=d["on"])),
        "npc_formal": (_("公布正式候选人名单"), case_forms.DateStepForm, (R.LIST_PUBLISHED,), "uf",
                       lambda u, d: reps.npc_publish_formal_list(actor=u, batch=batch, published_on=d["on"])),
        "npc_results": (_("记录选举结果"), case_forms.ResultsForm, (R.FORMAL_LIST,), "uf",
                        lambda u, d: reps.npc_results(actor=u, batch=batch,
                                                      elected_ids=[n.pk for n in d["elected"]])),
        "upward": (_("上报州"), case_forms.ReferenceForm, (R.APPROVED,) if batch.is_prefecture else (), "uf",
                   lambda u, d: reps.upward_send(actor=u, batch=batch, reference=d["reference"])),
        "upward_result": (_("记录州的结果"), case_forms.OutcomeForm, (R.UPWARD,), "uf",
                          lambda u, d: reps.upward_result(actor=u, batch=batch, outcome=d["outcome"])),
    }


def _allowed(user, who):
    return access.can_manage_representatives(user) if who == "uf" else access.can_manage_cases(user)


def _step_form(batch, name, form_class, data=None):
    kwargs = {"batch": batch} if form_class is case_forms.ResultsForm else {}
    return form_class(data, prefix=name, **kwargs)


@engine_access.rule(ROLE)
@login_required
def rep_list(request):
    user = request.user
    if not (access.can_view_representatives(user) or access.can_recommend_people(user)):
        raise engine_access.deny(request, reason="rep_list")
    if access.can_view_representatives(user):
        batches = RepresentativeBatch.objects.all()
    else:  # recommending organisations: rounds open for nomination, and those they nominated in
        batches = (RepresentativeBatch.objects.filter(status=R.NOMINATION)
                   | RepresentativeBatch.objects.filter(nominees__nominating_unit__in=access.own_unit_ids(user)))
    form = case_forms.BatchForm(request.POST or None) if access.can_manage_representatives(user) else None
    if request.method == "POST":
        if form is None:
            raise engine_access.forbid(request, reason="rep_create")
        if form.is_valid():
            d = form.cleaned_data
            try:
                batch = reps.batch_create(actor=user, body=d["body"], term_name=d["term_name"], seats=d["seats"],
                                          quota_plan=d["quota_plan"], election_date=d["election_date"])
            except ServiceError as error:
                form.add_error(error.field if error.field in form.fields else None, error.message)
            else:
                messages.success(request, _("已开始推荐提名。"))
                return redirect("nomination:rep", pk=batch.pk)
    batches = list(batches.distinct())
    holdings = work.open_by_case(RepresentativeBatch, [b.pk for b in batches]) if access.can_view_representatives(
        user) else {}
    return render(request, "nomination/rep_list.html", {
        "rows": [(b, holdings.get(str(b.pk), [])) for b in batches], "form": form,
        "show_holdings": access.can_view_representatives(user)})


@engine_access.rule(OBJECT)
@login_required
def rep_detail(request, pk, bound=None):
    batch, mode = _batch_or_404(request, pk, "full", "own")
    if mode == "request":
        return redirect("nomination:rep_request", pk=pk)
    user, bound = request.user, bound or {}
    nominees = batch.nominees.select_related("person", "nominating_unit")
    if mode == "own":
        nominees = nominees.filter(nominating_unit__in=access.own_unit_ids(user))
    context = {"batch": batch, "mode": mode, "nominees": nominees, "deadlines": reps.list_deadlines(batch)}
    if batch.status == R.NOMINATION and (mode == "own" or access.can_manage_representatives(user)):
        context["nominee_form"] = bound.get("nominee") or _nominee_form(request, batch)
    if mode == "full":
        steps = _steps(batch)
        context["steps"] = [(name, title, bound.get(name) or _step_form(batch, name, form_class))
                            for name, (title, form_class, statuses, who, _call) in steps.items()
                            if batch.status in statuses and _allowed(user, who)]
        context["check_forms"] = [
            (n, case_forms.CheckForm(initial={"nominee": n.pk}, prefix=f"check-{n.pk}")) for n in nominees
        ] if batch.status == R.VETTING and access.can_manage_representatives(user) else []
        context["panels"] = [(title, p) for title, p in (
            (_("审核把关征求意见"), reps.latest_run(batch, chains.REP_VETTING)),
            (_("建议名单审核报送"), reps.latest_run(batch, chains.REP_LIST))) if p]
        context["panels"] = [(t, workflow_selectors.chain_panel(user, run)) for t, run in context["panels"]]
        context["timeline"] = audit.timeline(batch)
        context["holdings"] = work.case_holdings(batch)
    return render(request, "nomination/rep_detail.html", context)


@engine_access.rule(OBJECT)
@require_POST
@login_required
def rep_step(request, pk):
    batch, mode = _batch_or_404(request, pk, "full", "own")
    step = request.POST.get("step", "")
    user = request.user
    if step == "nominee":
        if batch.status != R.NOMINATION:
            messages.error(request, StaleStateError("stale_state").message)
            return redirect("nomination:rep", pk=pk)
        form = _nominee_form(request, batch, request.POST)

        def call(d):
            reps.nominee_add(actor=user, batch=batch, person=d["person"], nominated_by=d.get("nominated_by", ""),
                             nominating_unit=d["nominating_unit"], sector=d["sector"], reason=d["reason"],
                             is_renomination=d["is_renomination"])
    elif step.startswith("check-") and mode == "full":
        key = step.removeprefix("check-")
        nominee = batch.nominees.filter(pk=key).first() if key.isdigit() else None
        if nominee is None:
            raise engine_access.forbid(request, reason="rep_check")
        form = case_forms.CheckForm(request.POST, prefix=step)

        def call(d):
            reps.nominee_check(actor=user, nominee=nominee, political=d["political"], integrity=d["integrity"],
                               image=d["image"], note=d["note"])
    else:
        steps = _steps(batch) if mode == "full" else {}
        if step not in steps or not _allowed(user, steps[step][3]):
            raise engine_access.forbid(request, reason="rep_step")
        _title, form_class, _statuses, _who, run = steps[step]
        form = _step_form(batch, step, form_class, request.POST)

        def call(d):
            run(user, d)
    if form.is_valid():
        try:
            call(form.cleaned_data)
        except StaleStateError as error:
            messages.error(request, error.message)
            return redirect("nomination:rep", pk=pk)
        except ServiceError as error:
            show_error(request, error, form)
        else:
            messages.success(request, _("已保存。"))
            return redirect("nomination:rep", pk=pk)
    if step.startswith("check-"):
        messages.error(request, "；".join(str(e) for errors in form.errors.values() for e in errors))
        return redirect("nomination:rep", pk=pk)
    return rep_detail(request, pk, bound={step: form})


@engine_access.rule(OBJECT)
@login_required
def rep_request(request, pk):
    """廉政意见 / 政协党组意见: the names, units and sectors of the nominees concerned, and the user's own task."""
    batch, mode = _batch_or_404(request, pk, "full", "request")
    if mode == "full":
        return redirect("nomination:rep", pk=pk)
    mine = list(access.batch_requests(request.user, batch))
    party_group = any(t.stage.key == chains.REP_PARTY_GROUP for t in mine)
    nominees = batch.nominees.select_related("person")
    if party_group:
        nominees = nominees.filter(is_renomination=True)
    return render(request, "nomination/rep_request.html", {
        "batch": batch, "nominees": nominees,
        "open_tasks": [t for t in mine if t.status == StageTask.Status.OPEN],
        "answered": [t for t in mine if t.status != StageTask.Status.OPEN],
    })

"""Pages of the reserve pool, the rosters, the staffing sheet and the statistics.

Views parse input, call one service, and show its answer; who may see what is asked of ``nomination.access`` and
what is masked of ``nomination.masking``.
"""

import datetime
import re
from decimal import Decimal
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from workflows import access as engine_access
from workflows import audit
from workflows.errors import ServiceError, StaleStateError
from workflows.feedback import show_error
from workflows.models import Unit

from . import access, excel, identity, import_pages, joint_selectors, masking, selectors, services, stats
from .filters import PersonFilter, SubmissionFilter
from .forms import (
    AssessForm,
    AssessmentForm,
    CommentForm,
    FamilyForm,
    PersonForm,
    PoolRecommendForm,
    PostRecordForm,
    ReasonForm,
    RecommendForm,
    RemoveForm,
    RevealForm,
    ReviewForm,
    RosterUploadForm,
    StaffingForm,
    TermOpenForm,
    TrainingForm,
    UploadForm,
    UseForm,
)
from .models import Person, PoolState, RosterBody, RosterTerm, StaffingTarget

OBJECT, ROLE = engine_access.OBJECT, engine_access.ROLE
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PAGE_SIZE = 50


def _only(request, allowed: bool, reason: str):
    """Refuse a page outside the user's role like a missing object: 404 and an audit row."""
    if not allowed:
        raise engine_access.deny(request, reason=reason)


def _person_or_404(request, pk) -> Person:
    person = Person.objects.select_related("recommending_unit").filter(pk=pk).first()
    if person is None or not access.can_view_person(request.user, person):
        raise engine_access.deny(request, subject=person, reason="person")
    return person


def _xlsx(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename)
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _query_without_page(request) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


@engine_access.rule(ROLE)
@login_required
def index(request):
    if access.is_department_staff(request.user):
        return redirect("nomination:people")
    _only(request, access.can_recommend_people(request.user), "nomination")
    return redirect("nomination:mine")


# --- person lists, import and export -------------------------------------------------------------------------------


def _person_filter(request):
    return PersonFilter(request.GET or None, queryset=selectors.people(request.user), user=request.user)


@engine_access.rule(ROLE)
@login_required
def person_list(request):
    user = request.user
    _only(request, access.is_department_staff(user), "person_list")
    can_search_id = masking.ID_NUMBER in masking.unmaskable(user)
    if request.method == "POST":
        # Search by ID number: only its keyed hash goes into the address of the result list.
        if not can_search_id:
            raise engine_access.forbid(request, reason="id_search")
        number = request.POST.get("id_number", "").strip()
        return redirect(f"{request.path}?id_hash={identity.keyed_hash(number)}" if number else request.path)
    filterset = _person_filter(request)
    page = Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    # Lists always show the masked form: unmasking is a deliberate, logged act on one person's page or an export.
    rows = [selectors.PersonRow(p) for p in page.object_list]
    return render(request, "nomination/person_list.html", {
        "filter": filterset, "page": page, "rows": rows, "query": _query_without_page(request),
        "can_manage": access.can_manage_pool(user), "can_search_id": can_search_id,
        "id_search": bool(request.GET.get("id_hash")) and can_search_id,
        "can_export_sensitive": bool(masking.unmaskable(user)),
    })


@engine_access.rule(ROLE)
@require_GET
@login_required
def person_export(request):
    """The filtered list as .xlsx; sensitive columns unmasked only for a role the table allows, when asked, logged."""
    user = request.user
    _only(request, access.is_department_staff(user), "person_export")
    people = list(_person_filter(request).qs)
    unmasked = masking.unmaskable(user) if request.GET.get("sensitive") == "1" else frozenset()
    if unmasked:
        services.people_sensitive_exported(actor=user, people=people, fields_shown=unmasked,
                                           ip_address=engine_access.client_ip(request))
    audit.record(subject=None, actor=user, action="people.exported", comment=_query_without_page(request)[:500],
                 changes={"count": len(people), "unmasked": sorted(unmasked)},
                 ip_address=engine_access.client_ip(request))
    columns = excel.person_columns()
    extra = excel.simple_columns([_("性别"), _("出生日期"), _("入库状态")])
    rows = []
    for person in people:
        row = selectors.PersonRow(person, unmasked=unmasked)
        values = []
        for column in columns:
            if column.key in (masking.ID_NUMBER, masking.PHONE, masking.ADDRESS):
                values.append(getattr(row, column.key))
            elif column.key == "recommending_unit":
                values.append(person.recommending_unit.name if person.recommending_unit else "")
            elif column.key == "reason":
                values.append(person.recommendation_reason)
            elif column.kind == "choice":
                values.append(getattr(person, f"get_{column.key}_display")() if getattr(person, column.key) else "")
            elif column.kind == "bool":
                values.append(_("是") if getattr(person, column.key) else _("否"))
            else:
                values.append(getattr(person, column.key))
        rows.append([*values, person.get_gender_display(), person.birth_date, person.get_pool_state_display()])
    content = excel.workbook([(_("党外人士信息"), [*columns, *extra], rows)])
    return _xlsx(content, _("党外人士名单-%(date)s.xlsx") % {"date": timezone.localdate().strftime("%Y%m%d")})


@engine_access.rule(ROLE)
@require_GET
@login_required
def person_template(request):
    _only(request, access.can_manage_pool(request.user), "person_template")
    return _xlsx(excel.people_template(), _("党外人士信息导入模板.xlsx"))


@engine_access.rule(ROLE)
@login_required
def person_import(request):
    """Upload → preview → confirm (``nomination.import_pages``); nothing is written before the confirm."""
    _only(request, access.can_manage_pool(request.user), "person_import")
    url = reverse("nomination:person_import")
    context = {"title": _("导入党外人士信息"), "template_url": "nomination:person_template", "upload_url": url,
               "confirm_url": url}
    if request.method == "POST" and "token" in request.POST:
        return import_pages.confirm(
            request, request.POST["token"], context=context, done=lambda options: reverse("nomination:people"),
            apply=lambda rows, options, digest, source: services.people_import(
                actor=request.user, rows=rows, digest=digest, source=source))
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        preview = import_pages.upload(request, form, columns=excel.person_columns(), options={}, context=context,
                                      plan=lambda rows, options: services.people_import_plan(rows=rows)[0])
        if preview is not None:
            return preview
    return render(request, "nomination/import.html", {**context, "form": form})


# --- one person ---------------------------------------------------------------------------------------------------


@engine_access.rule(ROLE)
@login_required
def person_create(request):
    _only(request, access.can_manage_pool(request.user), "person_create")
    form = PersonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            person = services.person_create(actor=request.user, data=form.to_data())
        except ServiceError as error:
            show_error(request, error, form)
        else:
            messages.success(request, _("已录入。"))
            return redirect("nomination:person", pk=person.pk)
    return render(request, "nomination/person_form.html", {"form": form, "title": _("录入党外人士")})


def _recommending_units(user):
    if access.is_department_staff(user):
        return Unit.objects.filter(is_active=True)
    return Unit.objects.filter(pk__in=access.own_unit_ids(user), is_active=True)


@engine_access.rule(ROLE)
@login_required
def recommend(request):
    """推荐表: a recommending organisation (or a department) puts a new person forward for the pool."""
    _only(request, access.can_recommend_people(request.user), "recommend")
    units = list(_recommending_units(request.user))
    form = RecommendForm(request.POST or None, units=Unit.objects.filter(pk__in=[u.pk for u in units]))
    if request.method == "POST" and form.is_valid():
        try:
            person = services.person_recommend(actor=request.user, data=form.to_data(),
                                               reason=form.cleaned_data["reason"],
                                               recommending_unit=form.cleaned_data["recommending_unit"])
        except ServiceError as error:
            show_error(request, error, form)
        else:
            messages.success(request, _("推荐已提交，等待组织部、统战部综合评价和会商确认。"))
            return redirect("nomination:person", pk=person.pk)
    return render(request, "nomination/person_form.html", {"form": form, "title": _("推荐党外后备干部人选")})


@engine_access.rule(ROLE)
@login_required
def mine(request):
    """The people the user's organisation recommended, with their state (never the vetting behind it)."""
    _only(request, access.can_recommend_people(request.user), "mine")
    queryset = Person.objects.filter(recommending_unit__in=access.own_unit_ids(request.user)).select_related(
        "recommending_unit").order_by("-recommended_at", "pk")
    filterset = SubmissionFilter(request.GET or None, queryset=queryset)
    page = Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "nomination/mine.html", {
        "filter": filterset, "page": page, "rows": [selectors.PersonRow(p) for p in page.object_list],
        "query": _query_without_page(request),
    })


POOL_TITLES = {
    "recommend": gettext_lazy("推荐入库"), "start_assessment": gettext_lazy("开始综合评价"),
    "assess": gettext_lazy("综合评价结论"), "confirm": gettext_lazy("会商确认入库"),
    "decline": gettext_lazy("不予入库"), "use": gettext_lazy("使用（任职）"), "remove": gettext_lazy("出库"),
    "review": gettext_lazy("年度复核"),
}
RECORD_TITLES = {
    "post": gettext_lazy("添加任职经历"), "training": gettext_lazy("添加培训或挂职"),
    "assessment": gettext_lazy("添加考核评价"), "family": gettext_lazy("添加家庭成员"),
}
POOL_FORMS = {
    "recommend": PoolRecommendForm, "start_assessment": CommentForm, "assess": AssessForm, "confirm": CommentForm,
    "decline": ReasonForm, "use": UseForm, "remove": RemoveForm, "review": ReviewForm,
}
RECORD_FORMS = {"post": PostRecordForm, "training": TrainingForm, "assessment": AssessmentForm,
                "family": FamilyForm}


def _pool_form(step: str, data=None):
    return POOL_FORMS[step](data, initial={"step": step})


@engine_access.rule(OBJECT)
@login_required
def person_detail(request, pk, bound_forms=None, revealed=frozenset(), reveal_form=None):
    person = _person_or_404(request, pk)
    user = request.user
    person = selectors.person_with_records(person.pk)
    unmaskable = masking.unmaskable(user)
    # Unmasking is a POST with its 查阅目的 (:func:`person_reveal`); ``?reveal=1`` no longer shows anything.
    revealed = revealed & unmaskable
    bound_forms = bound_forms or {}
    vetting = access.can_view_vetting(user)
    actions = access.pool_actions(user, person)
    can_add = access.can_manage_pool(user)
    context = {
        "person": person,
        "row": selectors.PersonRow(person, unmasked=revealed),
        "can_reveal": bool(unmaskable) and not revealed,
        "reveal_form": reveal_form or RevealForm(),
        "vetting": vetting,
        "can_edit": can_add,
        "pool_forms": [(step, POOL_TITLES[step], bound_forms.get(step) or _pool_form(step))
                       for step in POOL_FORMS if step in actions],
        "record_forms": [(kind, RECORD_TITLES[kind], bound_forms.get(kind) or form_class())
                         for kind, form_class in RECORD_FORMS.items()] if can_add else [],
        "open_form": next(iter(bound_forms), None),
        "timeline": audit.timeline(person) if vetting else [],
        "roster_entries": person.roster_entries.all(),
    }
    return render(request, "nomination/person_detail.html", context)


@engine_access.rule(OBJECT)
@require_POST
@login_required
def person_reveal(request, pk):
    """显示完整敏感信息: the fields this role may see, once, with the 查阅目的 recorded on the audit row."""
    person = _person_or_404(request, pk)
    unmaskable = masking.unmaskable(request.user)
    if not unmaskable:
        raise engine_access.forbid(request, subject=person, reason="person_reveal")
    form = RevealForm(request.POST)
    if form.is_valid():
        try:
            services.person_sensitive_viewed(actor=request.user, person=person, fields_shown=unmaskable,
                                             purpose=form.cleaned_data["purpose"],
                                             ip_address=engine_access.client_ip(request))
        except ServiceError as error:
            show_error(request, error, form)
        else:
            return person_detail(request, pk, revealed=unmaskable)
    return person_detail(request, pk, reveal_form=form)


@engine_access.rule(OBJECT)
@login_required
def person_edit(request, pk):
    person = _person_or_404(request, pk)
    if not access.can_manage_pool(request.user):
        raise engine_access.forbid(request, subject=person, reason="person_edit")
    initial = {name: getattr(person, name) for name in services.PROFILE_FIELDS
               if name not in services.SENSITIVE_PROFILE_FIELDS}
    form = PersonForm(request.POST or None, initial=initial, editing=True)
    if request.method == "POST" and form.is_valid():
        try:
            services.person_update(actor=request.user, person=person, data=form.to_data())
        except StaleStateError as error:
            messages.error(request, error.message)
        except ServiceError as error:
            show_error(request, error, form)
        else:
            messages.success(request, _("修改已保存。"))
            return redirect("nomination:person", pk=pk)
    return render(request, "nomination/person_form.html", {
        "form": form, "title": _("修改人员信息：%(name)s") % {"name": person.name}, "person": person,
    })


def _run_pool_step(user, person, step, data):
    match step:
        case "recommend":
            return services.pool_recommend(actor=user, person=person, recommending_unit=data["recommending_unit"],
                                           reason=data["reason"]), _("已推荐入库。")
        case "start_assessment":
            return services.pool_start_assessment(actor=user, person=person, comment=data["comment"]), _(
                "已开始综合评价。")
        case "assess":
            return services.pool_assess(actor=user, person=person, suitable=data["suitable"],
                                        comment=data["comment"], issued_by=data["issued_by"]), _("综合评价已记录。")
        case "confirm":
            person = services.pool_confirm(actor=user, person=person, comment=data["comment"])
            done = _("两部均已确认，已入库。") if person.pool_state == PoolState.IN_POOL else _(
                "本部门已确认，等待另一部门确认。")
            return person, done
        case "decline":
            # a negative decision needs both departments (issue #13): proposed here, confirmed by the other
            return services.pool_decline(actor=user, person=person, reason=data["reason"]), _(
                "已提出，待另一部门确认后生效。")
        case "use":
            return services.pool_use(actor=user, person=person, unit=data["unit"], post=data["post"],
                                     used_on=data["used_on"], appointment_ref=data["appointment_ref"]), _(
                "已记录使用情况。")
        case "remove":
            return services.pool_remove(actor=user, person=person, reason=data["reason"], note=data["note"]), _(
                "已提出出库，待另一部门确认后生效。")
        case _:
            services.pool_review(actor=user, person=person, year=data["year"], result=data["result"],
                                 comment=data["comment"], removal_reason=data["removal_reason"],
                                 removal_note=data["removal_note"])
            return person, _("年度复核已记录。")


@engine_access.rule(OBJECT)
@require_POST
@login_required
def person_pool(request, pk):
    """One step of the pool lifecycle, named by the form's ``step``."""
    person = _person_or_404(request, pk)
    step = request.POST.get("step", "")
    if step not in POOL_FORMS:
        raise engine_access.forbid(request, subject=person, reason="pool_step")
    form = _pool_form(step, request.POST)
    if form.is_valid():
        try:
            _person, done = _run_pool_step(request.user, person, step, form.cleaned_data)
        except StaleStateError as error:
            messages.error(request, error.message)
            return redirect("nomination:person", pk=pk)
        except ServiceError as error:
            show_error(request, error, form)
        else:
            messages.success(request, done)
            return redirect("nomination:person", pk=pk)
    return person_detail(request, pk, bound_forms={step: form})


@engine_access.rule(OBJECT)
@require_POST
@login_required
def person_record(request, pk):
    """Add one line of 简历, training or 挂职, assessment, or family member."""
    person = _person_or_404(request, pk)
    kind = request.POST.get("kind", "")
    if kind not in RECORD_FORMS or not access.can_manage_pool(request.user):
        raise engine_access.forbid(request, subject=person, reason="person_record")
    form = RECORD_FORMS[kind](request.POST)
    if form.is_valid():
        data = dict(form.cleaned_data)
        data.pop("kind")
        try:
            if kind == "post":
                services.person_add_post(actor=request.user, person=person, **data)
            elif kind == "training":
                data["kind"] = data.pop("training_kind")
                services.person_add_training(actor=request.user, person=person, **data)
            elif kind == "assessment":
                data["kind"] = data.pop("assessment_kind")
                services.person_add_assessment(actor=request.user, person=person, **data)
            else:
                services.person_add_family_member(actor=request.user, person=person, **data)
        except ServiceError as error:
            show_error(request, error, form)
        else:
            messages.success(request, _("已添加。"))
            return redirect("nomination:person", pk=pk)
    return person_detail(request, pk, bound_forms={kind: form})


# --- rosters ------------------------------------------------------------------------------------------------------


@engine_access.rule(ROLE)
@login_required
def roster_index(request, open_form=None, upload_form=None):
    _only(request, access.can_view_rosters(request.user), "rosters")
    terms = list(RosterTerm.objects.order_by("body", "-number"))
    counts = selectors.roster_counts()
    bodies = []
    for body, label in RosterBody.choices:
        body_terms = [t for t in terms if t.body == body]
        for term in body_terms:
            term.total, term.non_cpc = counts.get(term.pk, (0, 0))
        current = next((t for t in body_terms if t.is_current), None)
        bodies.append({"label": label, "current": current, "history": [t for t in body_terms if not t.is_current]})
    manage = access.can_manage_rosters(request.user)
    return render(request, "nomination/rosters.html", {
        "bodies": bodies, "can_manage": manage,
        "open_form": open_form or (TermOpenForm() if manage else None),
        "upload_form": upload_form or (RosterUploadForm() if manage else None),
    })


@engine_access.rule(ROLE)
@login_required
def roster_term(request, pk):
    _only(request, access.can_view_rosters(request.user), "roster_term")
    term = RosterTerm.objects.filter(pk=pk).first()
    if term is None:
        raise engine_access.deny(request, reason="roster_term")
    only_non_cpc = request.GET.get("non_cpc") == "1"
    entries = list(selectors.roster_entries(term, only_non_cpc=only_non_cpc))
    return render(request, "nomination/roster_term.html", {
        "term": term, "entries": entries, "only_non_cpc": only_non_cpc,
        "can_view_people": access.is_department_staff(request.user),
    })


@engine_access.rule(ROLE)
@require_GET
@login_required
def roster_export(request, pk):
    _only(request, access.can_view_rosters(request.user), "roster_export")
    term = RosterTerm.objects.filter(pk=pk).first()
    if term is None:
        raise engine_access.deny(request, reason="roster_export")
    columns = excel.roster_columns()
    rows = []
    for entry in selectors.roster_entries(term):
        rows.append([entry.name, entry.get_gender_display(), entry.ethnicity, entry.birth_month.strftime("%Y-%m"),
                     entry.get_affiliation_display(), entry.sector, entry.constituency, entry.work_post,
                     _("是") if entry.is_standing else _("否"), _("是") if entry.is_vice_chair else _("否")])
    return _xlsx(excel.workbook([(term.name, columns, rows)]), f"{term.name}.xlsx")


@engine_access.rule(ROLE)
@require_GET
@login_required
def roster_template(request):
    _only(request, access.can_manage_rosters(request.user), "roster_template")
    return _xlsx(excel.roster_template(), _("代表委员名册导入模板.xlsx"))


@engine_access.rule(ROLE)
@require_POST
@login_required
def roster_import(request):
    """Upload → preview → confirm into the chosen term (``nomination.import_pages``)."""
    _only(request, access.can_manage_rosters(request.user), "roster_import")
    context = {"title": _("导入代表委员名册"), "template_url": "nomination:roster_template",
               "upload_url": reverse("nomination:rosters"), "confirm_url": reverse("nomination:roster_import")}
    if "token" in request.POST:
        def apply(rows, options, digest, source):
            term = RosterTerm.objects.get(pk=options["term"])
            return services.roster_import(actor=request.user, term=term, rows=rows, digest=digest, source=source)

        return import_pages.confirm(
            request, request.POST["token"], apply=apply, context=context,
            done=lambda options: reverse("nomination:roster_term", args=[options["term"]]))
    form = RosterUploadForm(request.POST, request.FILES)
    if form.is_valid():
        term = form.cleaned_data["term"]
        preview = import_pages.upload(
            request, form, columns=excel.roster_columns(), options={"term": term.pk},
            context={**context, "title": _("导入代表委员名册：%(term)s") % {"term": term}},
            plan=lambda rows, options: services.roster_import_plan(term=term, rows=rows)[0])
        if preview is not None:
            return preview
    return roster_index(request, upload_form=form)


@engine_access.rule(ROLE)
@require_POST
@login_required
def roster_term_open(request):
    _only(request, access.can_manage_rosters(request.user), "roster_term_open")
    form = TermOpenForm(request.POST)
    if form.is_valid():
        try:
            term = services.roster_term_open(actor=request.user, **form.cleaned_data)
        except ServiceError as error:
            show_error(request, error, form)
        else:
            messages.success(request, _("已换届：%(term)s为本届，上一届名册转为历史。") % {"term": term})
            return redirect("nomination:rosters")
    return roster_index(request, open_form=form)


# --- staffing targets (共同制定规划) -----------------------------------------------------------------------------------


def _year(request) -> int:
    try:
        return int(request.GET.get("year", ""))
    except ValueError:
        return timezone.localdate().year


@engine_access.rule(ROLE)
@login_required
def staffing(request):
    user = request.user
    _only(request, access.is_department_staff(user), "staffing")
    year = _year(request)
    form = None
    if access.can_manage_staffing(user):
        form = StaffingForm(request.POST or None, initial={"year": year})
        if request.method == "POST" and form.is_valid():
            try:
                services.staffing_target_save(actor=user, **form.cleaned_data)
            except ServiceError as error:
                show_error(request, error, form)
            else:
                messages.success(request, _("已保存，待组织部、统战部分别确认。"))
                return redirect(f"{request.path}?year={form.cleaned_data['year']}")
    elif request.method == "POST":
        raise engine_access.forbid(request, reason="staffing")
    targets = joint_selectors.staffing_targets(year)
    department = access.joint_department(user)
    for target in targets:
        target.can_confirm = department is not None and not access.confirmed_by(target, department)
    return render(request, "nomination/staffing.html", {
        "year": year, "targets": targets, "form": form, "can_manage": form is not None,
        "totals": {"required": sum(t.required for t in targets), "filled": sum(t.filled for t in targets),
                   "gap": sum(t.gap for t in targets)},
    })


def _target_or_404(request, pk) -> StaffingTarget:
    target = StaffingTarget.objects.filter(pk=pk).first()
    if target is None:
        raise engine_access.deny(request, reason="staffing_target")
    return target


@engine_access.rule(ROLE)
@login_required
def staffing_edit(request, pk):
    _only(request, access.can_manage_staffing(request.user), "staffing_edit")
    target = _target_or_404(request, pk)
    form = StaffingForm(request.POST or None, initial={
        "year": target.year, "team": target.team, "post_level": target.post_level, "required": target.required,
        "note": target.note})
    if request.method == "POST" and form.is_valid():
        try:
            services.staffing_target_save(actor=request.user, target=target, **form.cleaned_data)
        except ServiceError as error:
            show_error(request, error, form)
        else:
            messages.success(request, _("已保存；职数有变化的，两部需重新确认。"))
            return redirect(f"{reverse('nomination:staffing')}?year={form.cleaned_data['year']}")
    return render(request, "nomination/staffing_form.html", {"form": form, "target": target})


@engine_access.rule(ROLE)
@require_POST
@login_required
def staffing_confirm(request, pk):
    _only(request, access.is_department_staff(request.user), "staffing_confirm")
    target = _target_or_404(request, pk)
    try:
        target = services.staffing_target_confirm(actor=request.user, target=target)
    except StaleStateError as error:
        messages.error(request, error.message)
    except ServiceError as error:
        show_error(request, error)
    else:
        messages.success(request, _("两部均已确认。") if target.is_confirmed else _("本部门已确认，等待另一部门确认。"))
    return redirect(f"{reverse('nomination:staffing')}?year={target.year}")


# --- statistics ---------------------------------------------------------------------------------------------------


class StatsParamError(ValueError):
    """An unusable statistics address (its message is shown to the user, in Chinese)."""


def _stats_params(request) -> tuple[datetime.date, int, int]:
    """``as_of`` (today when absent), the staffing year and the number of trend years; StatsParamError if unusable."""
    text = request.GET.get("as_of", "")
    try:
        as_of = stats.parse_day(text) if text else timezone.localdate()
    except ValueError as error:
        raise StatsParamError(str(error)) from None
    year = _year(request)
    if not 2000 <= year <= 2100:
        raise StatsParamError(_("配备表年度须在 2000 至 2100 之间。"))
    try:
        trend_years = int(request.GET.get("years") or stats.TREND_YEARS)
    except ValueError:
        trend_years = 0
    if not 1 <= trend_years <= 10:
        raise StatsParamError(_("趋势年数须在 1 至 10 之间。"))
    return as_of, year, trend_years


def _stats_error(request, error: StatsParamError):
    return render(request, "nomination/statistics.html", {
        "tables": [], "as_of": None, "year": timezone.localdate().year, "years": stats.TREND_YEARS,
        "query": "", "charts": [], "error": str(error),
    }, status=400)


@engine_access.rule(ROLE)
@require_GET
@login_required
def statistics(request):
    _only(request, access.can_view_statistics(request.user), "statistics")
    try:
        as_of, year, trend_years = _stats_params(request)
    except StatsParamError as error:
        return _stats_error(request, error)
    tables = stats.all_tables(as_of=as_of, year=year, trend_years=trend_years)
    return render(request, "nomination/statistics.html", {
        "tables": tables, "as_of": as_of, "year": year, "years": trend_years, "query": request.GET.urlencode(),
        "charts": [t.chart() for t in tables],
    })


def _cell(value):
    if value is None or isinstance(value, (int, float)):
        return value
    return float(value) if isinstance(value, Decimal) else str(value)


def statistics_sheets(tables: list[stats.Table]) -> list[tuple]:
    """The export's sheets: each table's headers, rows and note exactly as the page shows them."""
    sheets = []
    for index, table in enumerate(tables, start=1):
        rows = [[_cell(c) for c in row] for row in table.rows]
        if table.note:
            rows.append([str(table.note)])
        # Excel refuses []:*?/\ in a sheet's name.
        title = re.sub(r"[\[\]:*?/\\]", "、", f"{index}.{table.title}")
        sheets.append((title, excel.simple_columns(table.headers), rows))
    return sheets


@engine_access.rule(ROLE)
@require_GET
@login_required
def statistics_export(request):
    _only(request, access.can_view_statistics(request.user), "statistics_export")
    try:
        as_of, year, trend_years = _stats_params(request)
    except StatsParamError as error:
        return _stats_error(request, error)
    sheets = statistics_sheets(stats.all_tables(as_of=as_of, year=year, trend_years=trend_years))
    return _xlsx(excel.workbook(sheets), _("党外干部统计-%(date)s.xlsx") % {"date": as_of.strftime("%Y%m%d")})


@engine_access.rule(ROLE)
@require_GET
@login_required
def statistics_people(request):
    """The people one figure of the statistics page counts: the same filter, masked like every list."""
    user = request.user
    _only(request, access.can_view_statistics(user) and access.is_department_staff(user), "statistics_people")
    dim, value = request.GET.get("dim", ""), request.GET.get("value", "")
    try:
        as_of, _year_param, _trend_years = _stats_params(request)
        people = stats.people_counted(dim, value, as_of)
    except StatsParamError as error:
        return _stats_error(request, error)
    except stats.InvalidDrillDown:
        return _stats_error(request, StatsParamError(_("统计项不存在，请从统计页面的数字进入。")))
    people = people.select_related("recommending_unit").order_by("name", "pk")
    page = Paginator(people, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "nomination/statistics_people.html", {
        "page": page, "rows": [selectors.PersonRow(p) for p in page.object_list], "as_of": as_of,
        "query": _query_without_page(request), "back": urlencode({"as_of": as_of.isoformat()}),
    })

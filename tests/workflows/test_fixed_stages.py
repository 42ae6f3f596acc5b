"""Regulation stays fixed in the chain editor (issue #10 item 7).

For every stage fixed by regulation, in every slot, its role and assignee scope, minimum deadline (kind and amount),
mode, place among the fixed stages, automatic action and skip rule cannot change, nor can it be removed: the admin
refuses to save such a draft (error shown, nothing saved), ``validate`` reports it (校验) and the publish service
refuses it (发布). Stages not fixed by regulation stay freely editable.
"""

import pytest
from django.contrib.auth.models import Group
from django.db.models import F
from django.urls import reverse

from nomination import chains as nomination_chains
from proposals import chains as proposal_chains
from workflows import chains, definitions
from workflows.errors import ServiceError
from workflows.models import DefinitionVersion, FlowSlot, StageDefinition

pytestmark = pytest.mark.django_db

# Every slot the domain apps declare; a new slot must be added here so that its fixed stages are checked too.
DOMAIN_SLOTS = (proposal_chains.REVIEW, proposal_chains.REPLY, *nomination_chains.SLOTS, *nomination_chains.REP_SLOTS)
FORM_FIELDS = ("order", "key", "name", "role", "scope", "mode", "ratio", "deadline_kind", "deadline_amount",
               "reminder_offsets", "yellow_after_days", "red_after_days", "auto_action", "skip_field",
               "skip_operator", "skip_value", "phrases")
AutoAction, Mode, Scope = StageDefinition.AutoAction, StageDefinition.Mode, StageDefinition.Scope


@pytest.fixture
def admin(django_user_model):
    return django_user_model.objects.create_superuser("admin", "admin@example.org", "Tongxin@2026")


@pytest.fixture
def admin_client(client, admin):
    client.force_login(admin)
    return client


def draft_of(admin, slot_code: str) -> DefinitionVersion:
    return definitions.draft_create(actor=admin, slot=FlowSlot.objects.get(code=slot_code))


def change_url(version) -> str:
    return reverse("admin:workflows_definitionversion_change", args=[version.pk])


def form_data(version, changes=None, delete=()) -> dict:
    """The admin change form's POST data for ``version`` with ``changes`` ({key: {field: value}}) applied."""
    changes = changes or {}
    stages = list(version.stages.order_by("order", "pk"))
    data = {"note": "修订", "stages-TOTAL_FORMS": len(stages), "stages-INITIAL_FORMS": len(stages),
            "stages-MIN_NUM_FORMS": 0, "stages-MAX_NUM_FORMS": 1000, "_continue": "1"}
    for i, stage in enumerate(stages):
        values = {field: getattr(stage, field) for field in FORM_FIELDS}
        values["role"] = stage.role_id
        values.update(changes.get(stage.key, {}))
        for field, value in values.items():
            data[f"stages-{i}-{field}"] = value.pk if hasattr(value, "pk") else value
        data[f"stages-{i}-id"], data[f"stages-{i}-version"] = stage.pk, version.pk
        if stage.allow_batch_approve:
            data[f"stages-{i}-allow_batch_approve"] = "on"
        if stage.key in delete:
            data[f"stages-{i}-DELETE"] = "on"
    return data


def snapshot(version) -> list[tuple]:
    return [(s.key, *(getattr(s, f) for f in FORM_FIELDS if f != "role"), s.role_id)
            for s in version.stages.order_by("pk")]


def save_refused(admin_client, draft, message, changes=None, delete=()):
    """Saving the draft with ``changes`` shows ``message`` on the form and saves nothing, not even the note."""
    before = snapshot(draft)
    response = admin_client.post(change_url(draft), form_data(draft, changes, delete))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert snapshot(draft) == before
    assert DefinitionVersion.objects.get(pk=draft.pk).note == ""


def publish_refused(admin, draft, message):
    """校验 lists ``message`` and 发布 refuses the draft with it."""
    assert message in chains.validate(draft)
    with pytest.raises(ServiceError) as error:
        definitions.draft_publish(actor=admin, version=draft)
    assert error.value.code == "invalid_definition"
    assert message in error.value.message
    assert DefinitionVersion.objects.get(pk=draft.pk).status == DefinitionVersion.Status.DRAFT


def refused_everywhere(admin, admin_client, slot_code, key, changes, message):
    """The change to stage ``key`` is refused on saving, at 校验 and at 发布, each time with ``message``."""
    draft = draft_of(admin, slot_code)
    save_refused(admin_client, draft, message, changes={key: changes})
    draft.stages.filter(key=key).update(**changes)
    publish_refused(admin, draft, message)


def group(name) -> Group:
    return Group.objects.get(name=name)


# --- the issue's examples and one test per kind of weakening on representative slots -------------------------------


def test_shortening_the_decision_deadline_is_refused(admin, admin_client):
    refused_everywhere(admin, admin_client, proposal_chains.REVIEW, "decision", {"deadline_amount": 1},
                       "“审定”的期限不得少于法定的 5 个工作日，不能改为 1 个工作日。")


def test_giving_the_decision_to_the_committee_staff_is_refused(admin, admin_client):
    refused_everywhere(admin, admin_client, proposal_chains.REVIEW, "decision", {"role": group("proposal_staff")},
                       "“审定”是法定环节，办理角色须为“提案委负责人”，不能改为“提案委工作人员”。")


def test_automatic_return_on_the_decision_is_refused(admin, admin_client):
    refused_everywhere(admin, admin_client, proposal_chains.REVIEW, "decision", {"auto_action": AutoAction.RETURN},
                       "“审定”是法定环节，逾期自动处理须为“逾期升级督办”，不能改为“逾期自动退回”。")


def test_reminding_only_instead_of_escalating_is_refused(admin, admin_client):
    refused_everywhere(admin, admin_client, proposal_chains.REPLY, "supervisor-review", {"auto_action": AutoAction.NONE},
                       "“督查室审核”是法定环节，逾期自动处理须为“逾期升级督办”，不能改为“仅提醒”。")


def test_counting_the_deadline_another_way_is_refused(admin, admin_client):
    refused_everywhere(admin, admin_client, proposal_chains.REPLY, "signoff", {"deadline_kind": "calendar_days",
                                                                             "deadline_amount": 30},
                       "“分管领导签发”是法定环节，期限须按“工作日”计算，不能改为“自然日（遇休息日顺延）”。")


def test_widening_the_signoff_beyond_the_case_unit_is_refused(admin, admin_client):
    refused_everywhere(admin, admin_client, proposal_chains.REPLY, "signoff", {"scope": Scope.ANY},
                       "“分管领导签发”是法定环节，办理范围须为“本案承办单位”，不能改为“具有该角色的所有人”。")


def test_changing_the_mode_of_a_fixed_stage_is_refused(admin, admin_client):
    refused_everywhere(admin, admin_client, nomination_chains.VETTING, nomination_chains.INTEGRITY,
                       {"mode": Mode.SEQUENTIAL},
                       "“廉政意见”是法定环节，审批方式须为“或签（一人同意）”，不能改为“依次审批”。")


def test_a_skip_rule_on_a_fixed_stage_is_refused(admin, admin_client):
    refused_everywhere(admin, admin_client, proposal_chains.REPLY, "signoff",
                       {"skip_field": "category", "skip_operator": "not_empty"},
                       "“分管领导签发”是法定环节，不能设置跳过条件。")


def test_both_ufwd_opinion_stages_given_to_the_organization_department_are_refused(admin, admin_client):
    draft = draft_of(admin, nomination_chains.UFWD_MOTION)
    changes = {"uf-draft": {"role": group("org_cadre").pk}, "uf-sign": {"role": group("org_leader").pk}}
    messages = ["“统战部干部科拟稿”须由统战部办理，不能交给“组织部干部科”。",
                "“统战部分管副部长/部长签发”须由统战部办理，不能交给“组织部领导”。"]
    for message in messages:
        save_refused(admin_client, draft, message, changes=changes)
    draft.stages.filter(key="uf-draft").update(role=group("org_cadre"))
    draft.stages.filter(key="uf-sign").update(role=group("org_leader"))
    errors = chains.validate(draft)
    assert all(message in errors for message in messages)
    with pytest.raises(ServiceError) as error:
        definitions.draft_publish(actor=admin, version=draft)
    assert error.value.code == "invalid_definition"


def test_a_joint_decision_cannot_be_handed_to_one_department(admin, admin_client):
    refused_everywhere(admin, admin_client, nomination_chains.SIGNOFF, nomination_chains.UF_COSIGN,
                       {"role": group("org_leader")}, "“统战部部长会签”须由统战部办理，不能交给“组织部领导”。")
    refused_everywhere(admin, admin_client, nomination_chains.PROBATION, "org-probation",
                       {"role": group("uf_leader")}, "“组织部领导审核”须由组织部办理，不能交给“统战部领导”。")


def test_within_its_department_a_fixed_stage_keeps_its_role(admin, admin_client):
    refused_everywhere(admin, admin_client, nomination_chains.REP_LIST, "rep-uf-head", {"role": group("uf_cadre")},
                       "“统战部部长签发”是法定环节，办理角色须为“统战部领导”，不能改为“统战部干部科”。")


def test_signing_the_ufwd_opinion_before_drafting_it_is_refused(admin, admin_client):
    refused_everywhere(admin, admin_client, nomination_chains.UFWD_DECISION, "uf-sign", {"order": 0},
                       "法定环节“统战部干部科拟稿”须在“统战部分管副部长/部长签发”之前办理，顺序不能改变。")


def test_taking_a_joint_signature_out_of_parallel_is_refused(admin, admin_client):
    refused_everywhere(admin, admin_client, nomination_chains.SIGNOFF, nomination_chains.UF_COSIGN, {"order": 4},
                       "法定环节“组织部部长会签”和“统战部部长会签”须并行办理（顺序相同），不能改变。")


def test_removing_a_fixed_stage_is_refused_when_saving(admin, admin_client):
    draft = draft_of(admin, nomination_chains.REP_VETTING)
    save_refused(admin_client, draft, "“纪委监委廉政意见”是法定环节，不能删除。",
                 delete=(nomination_chains.REP_INTEGRITY,))
    assert draft.stages.filter(key=nomination_chains.REP_INTEGRITY).exists()


def test_stages_not_fixed_by_regulation_stay_freely_editable(admin, admin_client):
    draft = draft_of(admin, proposal_chains.REVIEW)
    free = {"role": group("proposal_head").pk, "scope": Scope.ANY, "mode": Mode.ALL, "deadline_amount": 1,
            "auto_action": AutoAction.RETURN, "skip_field": "timing", "skip_operator": "equals",
            "skip_value": "session", "order": 3}
    # 初审 moves after 审定, with another role, mode, deadline, automatic action and skip rule; 审定 gets longer
    response = admin_client.post(change_url(draft), form_data(draft, {"first-review": free,
                                                                      "decision": {"deadline_amount": 8}}))
    assert response.status_code == 302, response.content.decode()[-3000:]
    first = draft.stages.get(key="first-review")
    assert (first.role.name, first.mode, first.deadline_amount, first.auto_action, first.order) == (
        "proposal_head", Mode.ALL, 1, AutoAction.RETURN, 3)
    assert draft.stages.get(key="decision").deadline_amount == 8
    assert chains.validate(draft) == []
    assert definitions.draft_publish(actor=admin, version=draft).status == DefinitionVersion.Status.PUBLISHED


def test_a_non_fixed_stage_may_come_between_fixed_ones(admin, admin_client):
    draft = draft_of(admin, nomination_chains.UFWD_MOTION)
    draft.stages.update(order=F("order") * 10)
    StageDefinition.objects.create(version=draft, order=15, key="uf-check", name="统战部办公室核稿",
                                   role=group("uf_cadre"), scope=Scope.ANY, mode=Mode.ANY)
    assert chains.validate(draft) == []


def test_a_published_version_that_breaks_the_rules_is_reported_not_migrated(admin, admin_client):
    published = DefinitionVersion.objects.get(slot__code=nomination_chains.SIGNOFF, status="published")
    StageDefinition.objects.filter(version=published, key=nomination_chains.UF_COSIGN).update(
        role=group("org_leader"), deadline_amount=1)
    errors = chains.validate(published)
    assert errors == ["“统战部部长会签”须由统战部办理，不能交给“组织部领导”。",
                      "“统战部部长会签”的期限不得少于法定的 2 个工作日，不能改为 1 个工作日。"]
    page = admin_client.get(reverse("admin:workflows_definitionversion_preview", args=[published.pk])).content.decode()
    assert all(error in page for error in errors)
    assert StageDefinition.objects.get(version=published, key=nomination_chains.UF_COSIGN).role.name == "org_leader"


def test_the_default_chains_obey_their_fixed_rules():
    assert set(DOMAIN_SLOTS) == {code for code in chains.SLOTS if not code.startswith("test-")}
    for code in DOMAIN_SLOTS:
        assert chains.validate(DefinitionVersion.objects.get(slot__code=code, status="published")) == [], code


# --- every fixed stage of every slot refuses every kind of weakening ------------------------------------------------


def _other_role(fixed: chains.StageSpec) -> str:
    """A role the stage may not have: another department's where the stage belongs to one, else any other."""
    roles = [s.role for code in DOMAIN_SLOTS for s in chains.spec_for(code).stages]
    return next(r for r in roles if r != fixed.role and r not in fixed.department_roles)


def _weakenings(spec: chains.SlotSpec, fixed: chains.StageSpec):
    """(kind, changes as field → value (a role by name), words the refusal contains)."""
    name = fixed.name
    other_scope = next(s for s in Scope if s != fixed.scope)
    other_mode = next(m for m in (Mode.ALL, Mode.ANY) if m != fixed.mode)
    role_words = f"“{name}”须由" if fixed.department_roles else f"“{name}”是法定环节，办理角色须为"
    yield "role", {"role": _other_role(fixed)}, role_words
    yield "scope", {"scope": other_scope}, f"“{name}”是法定环节，办理范围须为"
    yield "mode", {"mode": other_mode}, f"“{name}”是法定环节，审批方式须为"
    yield "deadline", {"deadline_amount": fixed.shortest_deadline - 1}, f"“{name}”的期限不得少于法定的"
    yield "deadline-kind", {"deadline_kind": "months"}, f"“{name}”是法定环节，期限须按"
    for action in AutoAction:
        if action not in fixed.allowed_auto_actions:
            yield f"auto-{action}", {"auto_action": action}, (
                f"“{name}”是法定环节，不能逾期自动同意。" if action == AutoAction.APPROVE
                else f"“{name}”是法定环节，逾期自动处理须为")
    field = next(iter(spec.skip_fields))
    yield "skip", {"skip_field": field, "skip_operator": "not_empty"}, f"“{name}”是法定环节，不能设置跳过条件。"
    others = [key for key in spec.required_keys() if key != fixed.key]
    if others:
        orders = spec.default_orders()
        first = min(spec.required_keys(), key=lambda key: (orders[key], key != fixed.key))
        # the first fixed stage goes after all the others, any other one before them all (orders scaled by 10)
        order = max(orders.values()) * 10 + 5 if first == fixed.key else 5
        parallel = any(orders[key] == orders[fixed.key] for key in others)
        yield "order", {"order": order}, "须并行办理（顺序相同），不能改变。" if parallel else "之前办理，顺序不能改变。"
    yield "delete", None, f"“{name}”是法定环节，不能删除。"


CASES = [
    pytest.param(code, fixed.key, kind, changes, words, id=f"{code}/{fixed.key}/{kind}")
    for code in DOMAIN_SLOTS
    for fixed in chains.spec_for(code).required_keys().values()
    for kind, changes, words in _weakenings(chains.spec_for(code), fixed)
]


@pytest.mark.parametrize(("slot_code", "key", "kind", "changes", "words"), CASES)
def test_every_fixed_stage_refuses_every_weakening(admin, admin_client, slot_code, key, kind, changes, words):
    draft = draft_of(admin, slot_code)
    if kind == "order":
        draft.stages.update(order=F("order") * 10)
    if key == next(iter(chains.spec_for(slot_code).required_keys())):
        # through the editor for one fixed stage per slot (rendering the admin form is slow; the editor and 校验 share
        # ``chains.fixed_stage_errors``); where the slot allows no automatic approval the form does not offer it
        form_changes = {f: group(v).pk if f == "role" else v for f, v in (changes or {}).items()}
        offered = kind != "auto-approve" or chains.spec_for(slot_code).allow_auto_approve
        save_refused(admin_client, draft, words if offered else "approve 不在可用的选项中",
                     changes={key: form_changes} if changes else None, delete=() if changes else (key,))
    if changes:
        draft.stages.filter(key=key).update(**{f: group(v) if f == "role" else v for f, v in changes.items()})
    else:
        draft.stages.filter(key=key).delete()
    errors = chains.validate(draft)
    assert any(words in error for error in errors), errors
    with pytest.raises(ServiceError) as error:
        definitions.draft_publish(actor=admin, version=draft)
    assert error.value.code == "invalid_definition"
    assert words in error.value.message

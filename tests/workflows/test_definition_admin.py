"""Admins edit the proposal reply chain in Django admin: draft, add a stage, validate, preview, publish, migrate."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from proposals import chains
from workflows.models import DefinitionVersion, FlowSlot, StageDefinition

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, django_user_model):
    admin = django_user_model.objects.create_superuser("admin", "admin@example.org", "Tongxin@2026")
    client.force_login(admin)
    return client


def inline_data(version, stages, extra=()):
    """The admin change form's POST data for a version's stages (plus new ones)."""
    rows = [*stages, *extra]
    data = {"note": "加核稿环节", "stages-TOTAL_FORMS": len(rows), "stages-INITIAL_FORMS": len(stages),
            "stages-MIN_NUM_FORMS": 0, "stages-MAX_NUM_FORMS": 1000}
    for i, stage in enumerate(rows):
        for field in ("order", "key", "name", "role", "scope", "mode", "ratio", "deadline_kind", "deadline_amount",
                      "reminder_offsets", "yellow_after_days", "red_after_days", "auto_action", "skip_field",
                      "skip_operator", "skip_value", "phrases"):
            value = stage[field] if isinstance(stage, dict) else getattr(stage, field)
            data[f"stages-{i}-{field}"] = value.pk if hasattr(value, "pk") else value
        if not isinstance(stage, dict):
            data[f"stages-{i}-id"] = stage.pk
            data[f"stages-{i}-version"] = version.pk
            if stage.allow_batch_approve:
                data[f"stages-{i}-allow_batch_approve"] = "on"
    return data


def test_admin_adds_a_stage_validates_previews_and_publishes(admin_client):
    slot = FlowSlot.objects.get(code=chains.REPLY)
    page = admin_client.get(reverse("admin:workflows_flowslot_changelist")).content.decode()
    assert "答复函会签签发" in page and "编辑流程" in page
    # a draft starts as a copy of the published version
    response = admin_client.get(reverse("admin:workflows_flowslot_new_draft", args=[slot.pk]))
    draft = DefinitionVersion.objects.get(slot=slot, status="draft")
    assert response["Location"] == reverse("admin:workflows_definitionversion_change", args=[draft.pk])
    stages = list(draft.stages.order_by("order"))
    new_stage = {"order": 2, "key": "office-check", "name": "办公室核稿", "role": Group.objects.get(name="unit_leader"),
                 "scope": "case_unit", "mode": "any", "ratio": 100, "deadline_kind": "working_days",
                 "deadline_amount": 3, "reminder_offsets": "1,0", "yellow_after_days": 1, "red_after_days": 3,
                 "auto_action": "escalate", "skip_field": "", "skip_operator": "", "skip_value": "",
                 "phrases": "核稿无误"}
    for stage in stages:
        stage.order = stage.order * 10
    response = admin_client.post(reverse("admin:workflows_definitionversion_change", args=[draft.pk]),
                                 inline_data(draft, stages, [new_stage]))
    assert response.status_code == 302, response.content.decode()[:3000]
    assert draft.stages.filter(key="office-check").exists()
    preview = admin_client.get(reverse("admin:workflows_definitionversion_preview", args=[draft.pk])).content.decode()
    assert "校验通过" in preview and "办公室核稿" in preview and "新增" in preview
    admin_client.post(reverse("admin:workflows_definitionversion_publish", args=[draft.pk]))
    draft.refresh_from_db()
    assert draft.status == "published"
    assert DefinitionVersion.objects.get(slot=slot, number=1).status == "retired"


def test_removing_a_fixed_stage_is_refused_in_chinese(admin_client):
    slot = FlowSlot.objects.get(code=chains.REPLY)
    admin_client.get(reverse("admin:workflows_flowslot_new_draft", args=[slot.pk]))
    draft = DefinitionVersion.objects.get(slot=slot, status="draft")
    draft.stages.filter(key="signoff").delete()
    preview = admin_client.get(reverse("admin:workflows_definitionversion_preview", args=[draft.pk])).content.decode()
    assert "“分管领导签发”是法定环节，不能删除。" in preview
    response = admin_client.post(reverse("admin:workflows_definitionversion_publish", args=[draft.pk]), follow=True)
    assert "不能删除" in response.content.decode()
    assert DefinitionVersion.objects.get(pk=draft.pk).status == "draft"


def test_published_versions_cannot_be_edited(admin_client):
    version = DefinitionVersion.objects.get(slot__code=chains.REPLY, status="published")
    page = admin_client.get(reverse("admin:workflows_definitionversion_change", args=[version.pk])).content.decode()
    assert "不能修改" in page
    assert StageDefinition.objects.filter(version=version).count() == 3

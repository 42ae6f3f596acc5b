"""The proposal pages over HTTP, per role: what each sees, what bad input does, what a double click does."""

import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from proposals import chains
from proposals.models import Assignment, Attachment, Proposal, ProposalStatus
from tests.personas import accepted, assigned, reviewed, submitted
from workflows import stages
from workflows.models import AuditEvent

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def form_data(world, **overrides):
    data = {
        "kind": "member", "title": "关于推进义务教育优质均衡发展的建议", "topic": world.topic.pk,
        "reasons": "城乡教育资源不均衡。", "suggestions": "统筹教师编制。", "no_secret_confirmed": "on",
        "submission_key": "form-1",
    }
    data.update(overrides)
    return data


def test_member_submits_a_proposal_through_the_form(client, world):
    client.force_login(world.member1)
    response = client.post(reverse("proposals:create"), {**form_data(world), "submit": "1"})
    proposal = Proposal.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("proposals:detail", args=[proposal.pk])
    assert proposal.status == ProposalStatus.SUBMITTED
    page = client.get(reverse("proposals:mine")).content.decode()
    assert "关于推进义务教育优质均衡发展的建议" in page and "初审" in page and "陈晓静" in page


def test_bad_input_shows_chinese_errors_and_keeps_what_was_typed(client, world):
    client.force_login(world.member1)
    response = client.post(reverse("proposals:create"), {
        **form_data(world, reasons="", no_secret_confirmed=""), "submit": "1",
        "title": "关于<script>alert(1)</script>的建议",
    })
    page = response.content.decode()
    assert response.status_code == 200
    assert "请按提示修改" in page
    assert "请填写完整" in page and "理由" in page
    assert "统筹教师编制。" in page  # what was typed is still there
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page
    assert not Proposal.objects.filter(status=ProposalStatus.SUBMITTED).exists()
    assert not Proposal.objects.exists()  # the draft save rolled back with the refused submission


def test_double_post_of_the_same_form_creates_one_proposal(client, world):
    client.force_login(world.member1)
    for _ in range(2):
        client.post(reverse("proposals:create"), {**form_data(world), "submit": "1"})
    assert Proposal.objects.count() == 1
    assert Proposal.objects.get().status == ProposalStatus.SUBMITTED


def test_review_form_accepts_and_the_second_click_gets_a_clear_message(client, world):
    proposal = reviewed(world)
    client.force_login(world.head)
    url = reverse("proposals:review", args=[proposal.pk])
    first = client.post(url, {"decision": "accept", "comment": "同意立案"})
    assert first.status_code == 302
    second = client.post(url, {"decision": "accept", "comment": "同意立案"}, follow=True)
    assert "已被他人处理或状态已变化" in second.content.decode()
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.ACCEPTED and proposal.serial == 1


def test_first_review_is_agreed_on_the_case_page_and_the_decision_form_appears_for_the_head(client, world):
    proposal = submitted(world)
    client.force_login(world.staff)
    page = client.get(reverse("proposals:detail", args=[proposal.pk])).content.decode()
    assert 'data-testid="chain-actions"' in page and "初审" in page and 'data-testid="review-box"' not in page
    task = stages.open_task_for(world.staff, stages.running_chain(proposal, chains.REVIEW))
    client.post(reverse("chains:task_action", args=[task.pk]), {"action": "approve", "comment": "建议立案"})
    client.force_login(world.head)
    page = client.get(reverse("proposals:detail", args=[proposal.pk])).content.decode()
    assert 'data-testid="review-box"' in page and "建议立案" in page


def test_rejection_without_ground_is_refused_with_the_reason_on_the_form(client, world):
    proposal = reviewed(world)
    client.force_login(world.head)
    response = client.post(reverse("proposals:review", args=[proposal.pk]),
                           {"decision": "reject", "comment": "内容空泛"})
    assert response.status_code == 200
    assert "不予立案须选择理由" in response.content.decode()
    assert Proposal.objects.get(pk=proposal.pk).status == ProposalStatus.SUBMITTED


def test_office_assigns_and_units_see_only_their_own_assignments(client, world):
    proposal = accepted(world)
    client.force_login(world.office)
    response = client.post(reverse("proposals:assign", args=[proposal.pk]), {
        "mode": "lead", "lead_units": [world.education.pk], "co_units": [world.transport.pk], "comment": "请办理",
    })
    assert response.status_code == 302
    client.force_login(world.unit1)
    inbox = client.get(reverse("proposals:unit_inbox")).content.decode()
    assert proposal.title in inbox and "主办" in inbox
    client.force_login(world.unit3)
    assert proposal.title not in client.get(reverse("proposals:unit_inbox")).content.decode()
    lead = proposal.assignments.get(unit=world.education)
    assert client.get(reverse("proposals:assignment", args=[lead.pk])).status_code == 404


def test_unit_signs_for_its_assignment(client, world):
    proposal = assigned(world, mode="sole")
    part = proposal.assignments.get()
    client.force_login(world.unit1)
    client.post(reverse("proposals:assignment_receive", args=[part.pk]))
    part.refresh_from_db()
    assert part.state == Assignment.State.RECEIVED
    assert Proposal.objects.get(pk=proposal.pk).status == ProposalStatus.IN_HANDLING


def test_unit_cannot_open_a_proposal_not_assigned_to_it_and_the_attempt_is_audited(client, world):
    proposal = assigned(world, mode="sole")
    client.force_login(world.unit3)
    before = AuditEvent.objects.filter(action="access_denied").count()
    assert client.get(reverse("proposals:detail", args=[proposal.pk])).status_code == 404
    assert AuditEvent.objects.filter(action="access_denied").count() == before + 1


def test_contact_details_are_hidden_from_units(client, world):
    proposal = assigned(world, mode="sole")
    Proposal.objects.filter(pk=proposal.pk).update(contact_person="联系人甲", contact_phone="13912345678")
    client.force_login(world.unit1)
    assert "13912345678" not in client.get(reverse("proposals:detail", args=[proposal.pk])).content.decode()
    client.force_login(world.member1)
    assert "13912345678" in client.get(reverse("proposals:detail", args=[proposal.pk])).content.decode()


def upload(name, content):
    handle = io.BytesIO(content)
    handle.name = name
    return handle


def test_attachment_type_is_checked_by_content_and_served_only_as_download(client, world):
    client.force_login(world.member1)
    client.post(reverse("proposals:create"), {**form_data(world), "save": "1", "attachments": [upload("说明.pdf", PDF)]})
    proposal = Proposal.objects.get()
    attachment = Attachment.objects.get()
    assert attachment.original_name == "说明.pdf" and attachment.content_type == "application/pdf"
    assert "说明" not in attachment.file.name  # the stored name is ours
    response = client.get(reverse("proposals:attachment", args=[proposal.pk, attachment.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"
    # an executable renamed .pdf is refused, and nothing typed is lost
    response = client.post(reverse("proposals:edit", args=[proposal.pk]), {
        **form_data(world, title="关于新标题的建议"), "save": "1",
        "attachments": [upload("病毒.pdf", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + b"\x00" * 200)],
    })
    page = response.content.decode()
    assert "类型不允许" in page and "关于新标题的建议" in page
    assert Attachment.objects.count() == 1
    # another member cannot fetch it
    client.force_login(world.member2)
    assert client.get(reverse("proposals:attachment", args=[proposal.pk, attachment.pk])).status_code == 404


def test_my_proposals_costs_the_same_number_of_queries_whatever_its_size(client, world):
    client.force_login(world.member1)

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("proposals:mine")).status_code == 200
        return len(ctx.captured_queries)

    # the small page already has every kind of row (a due item, an assignment), so only the size changes
    assigned(world, title="关于一的建议")
    small = count()
    for i in range(6):
        assigned(world, title=f"关于第{i}件的建议")
    assert count() == small


def test_staff_list_costs_the_same_number_of_queries_whatever_its_size(client, world):
    client.force_login(world.staff)

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("proposals:list")).status_code == 200
        return len(ctx.captured_queries)

    # the small page already has every kind of row (a due item, an assignment), so only the size changes
    assigned(world, title="关于一的建议")
    small = count()
    for i in range(6):
        assigned(world, title=f"关于第{i}件的建议")
    assert count() == small


def test_printable_proposal_form_and_assignment_notice(client, world):
    proposal = assigned(world, mode="sole")
    client.force_login(world.member1)
    page = client.get(reverse("proposals:print", args=[proposal.pk])).content.decode()
    assert "提　案" in page and proposal.number in page and "css/print-proposals.css" in page
    client.force_login(world.unit1)
    notice = client.get(reverse("proposals:assignment_notice", args=[proposal.assignments.get().pk])).content.decode()
    assert "提案交办通知" in notice and "不得自行转办" in notice


def test_office_sees_proposals_waiting_for_assignment_in_its_queue_at_a_fixed_cost(client, world):
    client.force_login(world.office)

    def count():
        with CaptureQueriesContext(connection) as ctx:
            page = client.get(reverse("workflows:queue")).content.decode()
        return len(ctx.captured_queries), page

    first = accepted(world, title="关于第一件的建议")
    small, page = count()
    assert first.title in page and "交办" in page
    for i in range(5):
        accepted(world, title=f"关于第{i}件的建议")
    large, page = count()
    assert large == small and "关于第4件的建议" in page
    client.force_login(world.unit1)
    assert first.title not in client.get(reverse("workflows:queue")).content.decode()

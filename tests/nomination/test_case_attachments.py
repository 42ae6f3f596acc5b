"""Documents of a case's steps (考察材料, 任前公示, 常委会决定; issue #13 item 3): checked by content, listed under
the step, served only to the departments (404 + audit for everyone else)."""

import pytest

from nomination.lrmx import FileError
from nomination.models import CaseAttachment
from nomination.services import exchange
from workflows import uploads
from workflows.models import AuditEvent

from . import cases
from .files import PDF, PNG, docx, upload


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def post(client, case, step, file):
    return client.post(f"/nomination/cases/{case.pk}/attachments/", {"step": step, "file": file})


def test_a_vetting_document_is_stored_listed_under_its_step_and_served(client, cadres):
    # given a case in vetting
    w = cadres
    case = cases.vetting(w)
    client.force_login(w.org1)

    # when the 考察材料 is uploaded
    response = post(client, case, "vetting", upload("考察材料.pdf", PDF))

    # then it is stored under a token, audited, listed in the vetting section and served as a download
    assert response.status_code == 302
    attachment = CaseAttachment.objects.get(case=case)
    assert attachment.step == "vetting" and attachment.content_type == "application/pdf"
    assert attachment.file.name.endswith(attachment.token)
    assert AuditEvent.objects.filter(action="case.attachment_added", subject_id=str(case.pk),
                                     comment="考察材料.pdf").exists()
    page = client.get(f"/nomination/cases/{case.pk}/").content.decode()
    section = page[page.index('data-testid="attachments-vetting"'):]
    assert "考察材料.pdf" in section[:section.index("</div>")]
    served = client.get(f"/nomination/cases/{case.pk}/attachments/{attachment.token}/")
    assert served.status_code == 200 and b"".join(served.streaming_content) == PDF
    assert "attachment" in served["Content-Disposition"]


def test_a_uf_member_of_the_vetting_team_may_add_vetting_material(cadres):
    w = cadres
    case = cases.vetting(w)

    attachment = exchange.case_attachment_add(actor=w.uf1, case=case, step="vetting", upload=upload("a.png", PNG))

    assert attachment.uploaded_by == w.uf1


@pytest.mark.parametrize("name, content", [
    ("材料.pdf", b"just text, not a PDF"),
    ("材料.pdf", PNG),  # a real image under a document's name
    ("材料.exe", PDF),
])
def test_a_file_is_checked_by_its_content(cadres, name, content):
    case = cases.vetting(cadres)

    with pytest.raises(FileError) as refused:
        exchange.case_attachment_add(actor=cadres.org1, case=case, step="vetting", upload=upload(name, content))

    assert refused.value.code == "attachment_type"
    assert not CaseAttachment.objects.exists()


def test_an_office_file_that_unpacks_too_far_is_refused(cadres):
    case = cases.vetting(cadres)
    bomb = docx(filler=20 * 1024 * 1024)
    assert len(bomb) < 100 * 1024

    with pytest.raises(FileError) as refused:
        exchange.case_attachment_add(actor=cadres.org1, case=case, step="vetting", upload=upload("a.docx", bomb))
    assert refused.value.code == "attachment_size"

    honest = exchange.case_attachment_add(actor=cadres.org1, case=case, step="vetting",
                                          upload=upload("a.docx", docx()))
    assert honest.content_type == uploads.DOCX


def test_an_oversized_file_is_refused(cadres, settings):
    settings.ATTACHMENT_MAX_BYTES = 10
    case = cases.vetting(cadres)

    with pytest.raises(FileError) as refused:
        exchange.case_attachment_add(actor=cadres.org1, case=case, step="vetting", upload=upload("a.pdf", PDF))
    assert refused.value.code == "attachment_size"


def test_a_step_not_reached_takes_no_document(client, cadres):
    case = cases.vetting(cadres)

    with pytest.raises(FileError) as refused:
        exchange.case_attachment_add(actor=cadres.org1, case=case, step="notice", upload=upload("a.pdf", PDF))
    assert refused.value.code == "attachment_step"
    client.force_login(cadres.org1)
    assert post(client, case, "decision", upload("a.pdf", PDF)).status_code == 403


@pytest.mark.parametrize("username", ["party1", "jiwei1", "outsider", "cppcc_staff"])
def test_outside_roles_get_404_and_an_audit_row(client, cadres, username):
    w = cadres
    case = cases.vetting(w)
    attachment = exchange.case_attachment_add(actor=w.org1, case=case, step="vetting", upload=upload("a.pdf", PDF))
    client.force_login(getattr(w, username))

    for method, address, data in (
        ("get", f"/nomination/cases/{case.pk}/attachments/{attachment.token}/", None),
        ("post", f"/nomination/cases/{case.pk}/attachments/", {"step": "vetting", "file": upload("b.pdf", PDF)}),
    ):
        before = AuditEvent.objects.filter(action="access_denied").count()
        response = getattr(client, method)(address, data) if data else getattr(client, method)(address)
        assert response.status_code == 404, (method, address)
        assert AuditEvent.objects.filter(action="access_denied").count() == before + 1
    assert CaseAttachment.objects.count() == 1


def test_a_leader_sees_the_documents_but_may_not_upload(client, cadres):
    w = cadres
    case = cases.vetting(w)
    attachment = exchange.case_attachment_add(actor=w.org1, case=case, step="vetting", upload=upload("a.pdf", PDF))
    client.force_login(w.orglead1)

    assert client.get(f"/nomination/cases/{case.pk}/attachments/{attachment.token}/").status_code == 200
    page = client.get(f"/nomination/cases/{case.pk}/").content.decode()
    assert 'action="/nomination/cases/%s/attachments/"' % case.pk not in page
    assert post(client, case, "vetting", upload("b.pdf", PDF)).status_code == 403

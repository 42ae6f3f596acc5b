"""Earlier years' proposals from Excel: concluded, marked imported on their timeline, counted by the statistics."""

import pytest
from django.urls import reverse

from proposals import history_import
from proposals.models import Assignment, Cosigner, Evaluation, NumberCounter, Proposal, Reply
from proposals.reports import stats
from tests.factories import MemberFactory, TermFactory, TopicFactory, UnitFactory, UserFactory
from tests.proposals.test_roster_import import xlsx
from workflows import audit
from workflows.imports import ImportInvalid

pytestmark = pytest.mark.django_db

URL = reverse("admin:proposals_proposal_import")
HEADERS = ["年度", "编号", "案由", "提案人", "类别", "主办单位", "会办单位", "答复分类", "满意度", "提交日期", "立案日期",
           "交办日期", "答复日期", "办结日期"]


@pytest.fixture
def admin_user(django_user_model):
    return django_user_model.objects.create_superuser("admin", "admin@example.org", "Tongxin@2026")


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


@pytest.fixture
def county(db):
    term = TermFactory()
    for username, name in (("m1", "李明华"), ("m2", "王秀英")):
        MemberFactory(term=term, user=UserFactory(username=username, first_name=name), name=name)
    TopicFactory(name="教科文卫")
    UnitFactory(name="县教育局")
    UnitFactory(name="县交通运输局", short_name="交通局")
    return term


ROW_JOINT = [2024, "2024年第012号", "关于推进义务教育优质均衡发展的建议", "李明华、王秀英", "教科文卫", "县教育局",
             "交通局", "A", "满意", "2024-01-12", "2024-01-20", "2024-02-01", "2024-04-30", "2024-06-15"]
ROW_MEMBER = [2024, 13, "关于改善农村公路养护的建议", "王秀英", "教科文卫", "县交通运输局", "", "B", "基本满意",
              "2024-01-13", "", "", "", ""]


def test_imported_proposals_are_concluded_marked_and_counted(admin_client, admin_user, county):
    # when: upload, preview, confirm
    response = admin_client.post(URL, {"file": xlsx(HEADERS, [ROW_JOINT, ROW_MEMBER]), "term": county.pk})
    page = response.content.decode()
    assert "新增 2 条" in page and "2024年第012号 关于推进义务教育优质均衡发展的建议" in page
    assert Proposal.objects.count() == 0
    assert admin_client.post(URL, {"token": response.context["token"]}).status_code == 302
    # then: the proposals and their parts
    joint = Proposal.objects.get(year=2024, serial=12)
    assert (joint.status, joint.kind, joint.first_proposer.username) == ("concluded", "joint", "m1")
    assert list(Cosigner.objects.filter(proposal=joint).values_list("user__username", "status")) == [
        ("m2", "confirmed")]
    assert set(joint.assignments.values_list("unit__name", "role", "state")) == {
        ("县教育局", "lead", "replied"), ("县交通运输局", "co", "replied")}
    reply = Reply.objects.get(assignment__proposal=joint)
    assert (reply.category.code, reply.status, reply.publicity) == ("A", "issued", "none")
    assert Evaluation.objects.get(proposal=joint).result_rating == "satisfied"
    single = Proposal.objects.get(year=2024, serial=13)
    assert single.assignments.get().role == Assignment.Role.SOLE
    # marked imported on the timeline
    events = list(audit.timeline(joint))
    assert [e.action for e in events] == ["proposal.imported"]
    assert events[0].actor == admin_user and "第 2 行" in events[0].comment
    assert audit.label("proposal.imported") == "导入往年提案"
    # later numbers continue after the imported ones
    assert NumberCounter.objects.get(term=county, year=2024).last == 13
    # covered by the statistics
    overview = stats.report(term=county, year=2024).table("overview")
    assert overview.value("收到提案数", "数值") == 2
    assert overview.value("办结数", "数值") == 2
    assert overview.value("已办复数", "数值") == 2
    assert overview.value("回收征询意见表（份）", "数值") == 2
    categories = stats.report(term=county, year=2024).table("categories")
    assert (categories.value("A", "件数"), categories.value("B", "件数")) == (1, 1)


def test_unmatched_proposers_and_unknown_codes_are_named_by_row_and_column(admin_client, county):
    bad = [2023, 1, "关于加强食品安全监管的建议", "赵无名", "火星事务", "县月球局", "", "Z", "", "2023-01-10", "", "", "", ""]
    page = admin_client.post(URL, {"file": xlsx(HEADERS, [bad]), "term": county.pk}).content.decode()
    assert "第 2 行“提案人”：“赵无名”不在该届委员名册中。" in page
    assert "第 2 行“类别”：没有提案类别“火星事务”。" in page
    assert "第 2 行“主办单位”：没有名为“县月球局”的单位。" in page
    assert "第 2 行“答复分类”：没有答复分类“Z”。" in page
    assert Proposal.objects.count() == 0


def test_a_number_on_file_is_refused_never_overwritten(county, admin_user):
    rows = [[2, dict(zip(["year", "serial", "title", "proposers", "submitted_on"],
                         [2024, "12", "关于推进义务教育优质均衡发展的建议", ["李明华"], "2024-01-12"], strict=True))]]
    history_import.apply(rows, {"term": county.pk}, actor=admin_user)
    with pytest.raises(ImportInvalid) as error:
        history_import.apply(rows, {"term": county.pk}, actor=admin_user)
    assert error.value.code == "has_errors"
    assert [str(e) for e in error.value.errors] == ["第 2 行“编号”：2024 年第 12 号已在系统中，不会覆盖。"]
    assert Proposal.objects.count() == 1


def test_an_over_long_title_is_named_not_a_server_error(admin_client, county):
    row = [2024, 1, "案" * 61, "李明华", "", "", "", "", "", "2024-01-12", "", "", "", ""]
    response = admin_client.post(URL, {"file": xlsx(HEADERS, [row]), "term": county.pk})
    assert response.status_code == 200
    assert "第 2 行“案由”：超过 60 个字（现为 61 个字）。" in response.content.decode()


def test_full_width_digits_in_numbers_and_dates_are_read(county, admin_user):
    rows_in = [2024, "２０２４年第００７号", "关于规范校外培训的建议", "李明华", "", "", "", "", "", "２０２４-０１-１５",
               "", "", "", ""]
    from proposals.history_import import columns
    from workflows.imports import read_sheet

    sheet = read_sheet(xlsx(HEADERS, [rows_in]), columns())
    assert sheet.errors == []
    history_import.apply(sheet.rows, {"term": county.pk}, actor=admin_user)
    proposal = Proposal.objects.get()
    assert (proposal.serial, proposal.submitted_at.date().isoformat()) == (7, "2024-01-15")


def test_the_history_import_is_refused_to_others(client, django_user_model):
    client.force_login(django_user_model.objects.create_user("clerk", password="Tongxin@2026", is_staff=True))
    assert client.get(URL).status_code == 403

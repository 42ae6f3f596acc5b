"""The anonymous page of published replies (DOMAIN §2.8 B19): published replies only, and no contact detail at all."""

import datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from proposals.models import Cosigner, Member, Proposal, ProposalStatus, Reply
from proposals.reports import publication
from tests.factories import UnitFactory
from tests.proposals.test_reports import SHANGHAI, assign, at, categories, make_proposal, reply

# Every contact detail seeded around the published replies; none may reach the public pages.
CONTACTS = {
    "member phone": "13912345678",
    "member address": "同心县幸福路88号",
    "member postcode": "751399",
    "co-signer phone": "13787654321",
    "co-signer address": "同心县团结巷6号",
    "proposal contact person": "赵联络",
    "proposal contact phone": "0953-7654321",
    "reply contact person": "钱经办",
    "reply contact phone": "0953-1112223",
    "unit phone": "0953-5556667",
    "unit address": "同心县政府大院3号楼",
    "typed mobile": "13600001111",
    "typed e-mail": "qian@tongxin.example.org",
}
BODY = ("经研究，答复如下：一、已将城乡公交线路纳入年度计划。二、内部测算细节不宜公开。"
        "如有疑问请联系钱经办，电话0953-1112223，手机13600001111，邮箱qian@tongxin.example.org。")
SUMMARY = "已将城乡公交线路纳入年度计划，分两年实施。联系人：钱经办。"
TODAY = datetime.date(2025, 7, 1)


@pytest.fixture
def published(world):
    """Two public replies (全文 yesterday, 摘要 today) and four that must not show (不公开, future, draft, summary
    of an unpublished reply), on a joint proposal whose people and units carry every contact of CONTACTS."""
    cat = categories()
    Member.objects.filter(user=world.member1).update(phone=CONTACTS["member phone"],
                                                     address=CONTACTS["member address"],
                                                     postcode=CONTACTS["member postcode"])
    Member.objects.filter(user=world.member2).update(phone=CONTACTS["co-signer phone"],
                                                     address=CONTACTS["co-signer address"])
    unit = UnitFactory(name="县住房和城乡建设局", phone=CONTACTS["unit phone"], address=CONTACTS["unit address"])

    def proposal(title):
        p = make_proposal(world, kind="joint", title=title, status=ProposalStatus.REPLIED,
                          contact_person=CONTACTS["proposal contact person"],
                          contact_phone=CONTACTS["proposal contact phone"])
        Cosigner.objects.create(proposal=p, user=world.member2, status=Cosigner.Status.CONFIRMED)
        return p

    def public_reply(title, **fields):
        return reply(world, assign(world, proposal(title), unit), cat["B"], issued_at=at(2025, 6, 1), body=BODY,
                     summary=SUMMARY, contact_person=CONTACTS["reply contact person"],
                     contact_phone=CONTACTS["reply contact phone"], **fields)

    return {
        "full": public_reply("关于开通城乡公交的建议", publicity="full", publish_on=TODAY - datetime.timedelta(days=1)),
        "summary": public_reply("关于完善农村道路的建议", publicity="summary", publish_on=TODAY),
        "none": public_reply("关于人事安排的建议", publicity="none", publicity_reason="涉及个人信息"),
        "future": public_reply("关于新建体育馆的建议", publicity="full", publish_on=TODAY + datetime.timedelta(days=1)),
        "draft": public_reply("关于增设路灯的建议", publicity="full", publish_on=TODAY, status=Reply.Status.DRAFT),
    }


@pytest.fixture
def today():
    with time_machine.travel(datetime.datetime(2025, 7, 1, 9, 0, tzinfo=SHANGHAI)):
        yield


def title_of(r):
    return r.assignment.proposal.title


@pytest.mark.django_db
def test_list_shows_published_replies_newest_first_to_anonymous_visitors(client, published, today):
    response = client.get("/public/replies/")

    assert response.status_code == 200
    assert [r.pk for r in response.context["page"].object_list] == [published["summary"].pk, published["full"].pk]
    page = response.content.decode()
    for hidden in ("none", "future", "draft"):
        assert title_of(published[hidden]) not in page


@pytest.mark.django_db
def test_no_contact_detail_appears_on_the_list_or_the_detail_pages(client, published, today):
    pages = [client.get("/public/replies/"), client.get("/public/replies/", {"q": "公交"})]
    pages += [client.get(f"/public/replies/{published[kind].pk}/") for kind in ("full", "summary")]

    for response in pages:
        assert response.status_code == 200
        text = response.content.decode()
        leaked = {name: value for name, value in CONTACTS.items() if value in text}
        assert leaked == {}, response.request["PATH_INFO"]
        assert "联系电话" not in text and "通讯地址" not in text


@pytest.mark.django_db
def test_detail_shows_number_unit_category_and_the_full_text_or_the_summary_only(client, published, today):
    full = client.get(f"/public/replies/{published['full'].pk}/").content.decode()
    summary = client.get(f"/public/replies/{published['summary'].pk}/").content.decode()

    for page, kind in ((full, "full"), (summary, "summary")):
        proposal = published[kind].assignment.proposal
        assert proposal.number in page and proposal.title in page
        assert "县住房和城乡建设局" in page and "B 正在解决或列入规划" in page
    assert "已将城乡公交线路纳入年度计划。二、内部测算细节不宜公开。" in full and "＊＊＊" in full
    assert "分两年实施" in summary
    assert "内部测算细节" not in summary


@pytest.mark.django_db
@pytest.mark.parametrize("kind", ["none", "future", "draft"])
def test_unpublished_replies_answer_404(client, published, today, kind):
    assert client.get(f"/public/replies/{published[kind].pk}/").status_code == 404


@pytest.mark.django_db
def test_publication_day_is_counted_in_beijing_time(client, published):
    url = f"/public/replies/{published['summary'].pk}/"  # publish_on 1 July

    with time_machine.travel(datetime.datetime(2025, 6, 30, 23, 30, tzinfo=SHANGHAI)):
        assert client.get(url).status_code == 404
    # 00:30 on 1 July in Beijing is still 30 June in UTC
    with time_machine.travel(datetime.datetime(2025, 6, 30, 16, 30, tzinfo=datetime.UTC)):
        assert timezone.localdate() == TODAY
        assert client.get(url).status_code == 200


@pytest.mark.django_db
def test_search_finds_published_text_only(client, published, today):
    def found(q):
        return [r.pk for r in client.get("/public/replies/", {"q": q}).context["page"].object_list]

    assert found("开通城乡公交") == [published["full"].pk]  # title
    assert found("分两年实施") == [published["summary"].pk]  # the summary of a 摘要 reply
    assert found("内部测算细节") == [published["full"].pk]  # in both bodies, but public only in the 全文 one
    assert found("住房和城乡建设") == [published["summary"].pk, published["full"].pk]  # unit
    assert found("体育馆") == []  # not yet published
    Proposal.objects.filter(pk=published["full"].assignment.proposal_id).update(serial=97531)
    assert found("97531") == [published["full"].pk]  # the proposal's number


@pytest.mark.django_db
def test_list_is_paginated_and_costs_the_same_queries_for_more_replies(client, world, published, today):
    client.get("/public/replies/")
    with CaptureQueriesContext(connection) as small:
        client.get("/public/replies/")

    # given 25 more published replies
    cat = categories()
    for n in range(25):
        proposal = make_proposal(world, title=f"关于第{n}项民生实事的建议", status=ProposalStatus.REPLIED)
        reply(world, assign(world, proposal, UnitFactory()), cat["A"], issued_at=at(2025, 6, 2), publicity="full",
              publish_on=datetime.date(2025, 6, 20))

    with CaptureQueriesContext(connection) as large:
        response = client.get("/public/replies/")
    assert len(large) == len(small)
    assert response.context["page"].paginator.num_pages == 2
    second = client.get("/public/replies/", {"page": 2})
    assert len(second.context["page"].object_list) == 7


def test_masking_covers_typed_phone_numbers_and_e_mail_addresses():
    text = "电话 0953-1234567 或 13512345678，邮箱 a.b@c.cn；2025年投入 12000000 元，编号 20250601。"

    masked = publication.PHONE.sub(publication.MASK, publication.EMAIL.sub(publication.MASK, text))

    assert masked == "电话 ＊＊＊ 或 ＊＊＊，邮箱 ＊＊＊；2025年投入 12000000 元，编号 20250601。"


@pytest.mark.django_db
def test_a_collective_proposals_contact_is_masked_in_its_published_text(world, published, today):
    r = published["full"]
    Proposal.objects.filter(pk=r.assignment.proposal_id).update(contact_person="孙秘书")
    Reply.objects.filter(pk=r.pk).update(body="请与孙秘书对接。")
    r = publication.published_replies().get(pk=r.pk)

    assert publication.public_text(r) == "请与＊＊＊对接。"

"""Two colleagues claim one step at once, on PostgreSQL: one wins, the other is told someone acted first."""


import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test import Client

from proposals.models import Topic
from tests.concurrency import race
from tests.factories import UserFactory
from workflows import work
from workflows.errors import StaleStateError
from workflows.models import AuditEvent, WorkItem

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL"),
]
ROUNDS = 100
HTTP_ROUNDS = 20
STALE = "该事项已被他人处理或状态已变化，请刷新后查看最新情况。"




@pytest.fixture
def office(db):
    group = Group.objects.create(name="t_claim_office")
    first, second = UserFactory(username="claimer1"), UserFactory(username="claimer2")
    for user in (first, second):
        user.groups.add(group)
    return group, first, second


def step_for(group) -> WorkItem:
    case = Topic.objects.create(name=f"案件 {Topic.objects.count()}")
    return work.open_item(case=case, step="proposals.assign", title="交办", link="/", role=group)


def test_two_claims_at_once_make_one_holder(office):
    group, first, second = office
    for _ in range(ROUNDS):
        item = step_for(group)

        results = race(lambda item=item: work.claim(actor=first, item=item),
                       lambda item=item: work.claim(actor=second, item=item))

        assert sum(isinstance(r, WorkItem) for r in results) == 1
        assert sum(isinstance(r, StaleStateError) for r in results) == 1
        winner = next(r for r in results if isinstance(r, WorkItem)).assignee
        assert WorkItem.objects.get(pk=item.pk).assignee == winner
        assert AuditEvent.objects.filter(action="work.claimed", subject_id=item.case_id).count() == 1


def test_the_pages_answer_a_lost_claim_with_the_message_never_an_error(office):
    group, first, second = office
    clients = []
    for user in (first, second):
        client = Client()
        client.force_login(user)
        clients.append(client)
    for _ in range(HTTP_ROUNDS):
        item = step_for(group)

        url = f"/work/{item.pk}/claim/"
        responses = race(*(lambda c=c, url=url: c.post(url) for c in clients))

        assert sorted(r.status_code for r in responses) == [303, 303]
        assert sorted(r["Location"] for r in responses) == ["/inbox/", "/queue/"]
        loser = clients[[r["Location"] for r in responses].index("/queue/")]
        assert STALE in loser.get("/queue/").content.decode()

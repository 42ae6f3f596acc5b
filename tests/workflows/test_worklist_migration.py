"""The upgrade that made ``assignee`` the one holder column keeps every claimed step in its claimer's 待办."""

import pytest
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse

from proposals.models import Topic
from tests.factories import UserFactory
from workflows.models import WorkItem

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = ("workflows", "0010_audit_chain")


def test_a_step_claimed_before_the_upgrade_stays_in_the_claimers_inbox(client):
    office = Group.objects.create(name="t_office")
    claimer, colleague = UserFactory(username="claimer"), UserFactory(username="colleague")
    for user in (claimer, colleague):
        user.groups.add(office)
    case = Topic.objects.create(name="关于推进义务教育优质均衡发展的建议")
    topic_type = ContentType.objects.get_for_model(Topic)
    executor = MigrationExecutor(connection)
    executor.migrate([BEFORE])
    old = executor.loader.project_state([BEFORE]).apps.get_model("workflows", "WorkItem")
    common = {"case_type_id": topic_type.pk, "case_id": str(case.pk), "target_type_id": topic_type.pk,
              "target_id": str(case.pk), "link": "/", "case_label": "案件", "state": "open"}
    claimed = old.objects.create(step="proposals.assign", title="交办", role_id=office.pk, claimed_by_id=claimer.pk,
                                 **common).pk
    offered = old.objects.create(step="proposals.assign", title="交办", role_id=office.pk, **common).pk
    assigned = old.objects.create(step="proposals.revise", title="修改", assignee_id=colleague.pk, **common).pk

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    holders = dict(WorkItem.objects.values_list("pk", "assignee_id"))
    assert holders == {claimed: claimer.pk, offered: None, assigned: colleague.pk}
    client.force_login(claimer)
    inbox = client.get(reverse("workflows:inbox"))
    assert [row[0].pk for row in inbox.context["rows"]] == [claimed]
    assert 'data-testid="release"' in inbox.content.decode()  # still the claimer's to give back
    client.force_login(colleague)
    assert [row[0].pk for row in client.get(reverse("workflows:queue")).context["rows"]] == [offered]

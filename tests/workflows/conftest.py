import pytest
from django.contrib.auth.models import Group

from tests.factories import UserFactory
from tests.workflows.chain_slot import OUTCOMES
from workflows import chains


@pytest.fixture
def people(db):
    chains.ensure_slots()
    OUTCOMES.clear()
    reviewers, heads = Group.objects.get(name="t_reviewers"), Group.objects.get(name="t_heads")
    users = {}
    for name, group in [("r1", reviewers), ("r2", reviewers), ("h1", heads), ("h2", heads), ("h3", heads)]:
        users[name] = UserFactory(username=name)
        users[name].groups.add(group)
    users["applicant"] = UserFactory(username="applicant")
    users["admin"] = UserFactory(username="boss", is_superuser=True)
    return users

"""Every cadre page refuses users outside its scope with 404/403 and one audit row (DOMAIN §7)."""

import re

import pytest

from tests.test_access_matrix import own_patterns, rule_of
from workflows import access
from workflows.models import AuditEvent

from .conftest import in_pool

pytestmark = pytest.mark.django_db


def nomination_routes(kinds):
    for route, pattern in own_patterns():
        if route.startswith("nomination/") and rule_of(pattern) in kinds:
            yield route


def refused_everywhere(client, urls):
    checked = 0
    for url in urls:
        for method in ("get", "post"):
            before = AuditEvent.objects.filter(action="access_denied").count()
            response = getattr(client, method)(url)
            if response.status_code == 405:
                continue
            assert response.status_code in (403, 404), (method, url, response.status_code)
            assert AuditEvent.objects.filter(action="access_denied").count() == before + 1, (method, url)
            checked += 1
    return checked


def fill(route, pk):
    return "/" + re.sub(r"<(?:\w+:)?(\w+)>", str(pk), route)


@pytest.mark.parametrize("username", ["jiwei1", "cppcc_staff", "outsider"])
def test_roles_without_a_share_of_the_pool_are_refused_every_cadre_page(client, cadres, username):
    person = in_pool(cadres)
    client.force_login(getattr(cadres, username))
    urls = [fill(route, person.pk) for route in nomination_routes((access.OBJECT, access.ROLE))]
    assert refused_everywhere(client, urls) >= 20


def test_a_party_organisation_is_refused_every_page_of_another_organisations_submission(client, cadres):
    person = in_pool(cadres, actor=cadres.party1)
    client.force_login(cadres.party2)
    urls = [fill(route, person.pk) for route in nomination_routes((access.OBJECT,))]
    assert refused_everywhere(client, urls) >= 5

"""A lost race escaping a view is answered "someone acted first" on the page the user came from, never a 500."""

import psycopg.errors
import pytest
from django.db import IntegrityError, OperationalError
from django.urls import include, path, reverse

from tests.factories import UserFactory
from workflows.errors import StaleStateError

pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]

STALE = "该事项已被他人处理或状态已变化，请刷新后查看最新情况。"


def _lost(sqlstate_error):
    def view(request):
        try:
            raise sqlstate_error()
        except psycopg.Error as cause:
            raise OperationalError(str(cause)) from cause

    return view


def _stale(request):
    raise StaleStateError("stale_state")


def _integrity(request):
    raise IntegrityError("duplicate key value violates unique constraint")


urlpatterns = [
    path("boom/stale/", _stale),
    path("boom/deadlock/", _lost(psycopg.errors.DeadlockDetected)),
    path("boom/serialization/", _lost(psycopg.errors.SerializationFailure)),
    path("boom/integrity/", _integrity),
    path("", include("config.urls")),
]


@pytest.fixture
def signed_in(client):
    client.force_login(UserFactory(username="racer"))
    return client


@pytest.mark.parametrize("url", ["/boom/stale/", "/boom/deadlock/", "/boom/serialization/"])
def test_a_lost_race_goes_back_to_the_referring_page_with_the_message(signed_in, url):
    # when
    response = signed_in.post(url, HTTP_REFERER="http://testserver/queue/")

    # then
    assert response.status_code == 303
    assert response["Location"] == "http://testserver/queue/"
    assert STALE in signed_in.get("/queue/").content.decode()


def test_a_referrer_of_another_site_goes_to_the_home_page(signed_in):
    response = signed_in.post("/boom/stale/", HTTP_REFERER="https://evil.example/queue/")

    assert response.status_code == 303 and response["Location"] == reverse("workflows:home")


def test_without_a_referrer_the_home_page_shows_the_message(signed_in):
    response = signed_in.post("/boom/deadlock/", follow=True)

    assert response.redirect_chain == [(reverse("workflows:home"), 303)]
    assert STALE in response.content.decode()


def test_a_get_never_returns_to_itself(signed_in):
    response = signed_in.get("/boom/stale/", HTTP_REFERER="http://testserver/boom/stale/")

    assert response.status_code == 303 and response["Location"] == reverse("workflows:home")


def test_other_database_errors_are_left_alone(signed_in):
    with pytest.raises(IntegrityError):
        signed_in.post("/boom/integrity/", HTTP_REFERER="http://testserver/queue/")

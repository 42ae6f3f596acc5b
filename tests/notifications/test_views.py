import pytest
from django.test import RequestFactory
from django.urls import URLResolver, reverse

from notifications import services, urls
from notifications.context_processors import unread_count
from notifications.models import Notification

pytestmark = pytest.mark.django_db


@pytest.fixture
def notify(django_capture_on_commit_callbacks):
    def send(user, key, *, link="/proposals/7/", title=None):
        with django_capture_on_commit_callbacks():
            [notification] = services.notify(recipients=[user], key=key, title=title or f"通知 {key}", link=link)
        return notification

    return send


def test_every_view_is_marked_authenticated():
    rules = {p.name: p.callback.access_rule for p in urls.urlpatterns if not isinstance(p, URLResolver)}

    assert rules == {"centre": "authenticated", "mark_read": "authenticated", "preferences": "authenticated",
                     "open": "authenticated"}


@pytest.mark.parametrize("name, args", [("centre", []), ("open", [1])])
def test_anonymous_user_is_sent_to_login(client, name, args):
    response = client.get(reverse(f"notifications:{name}", args=args))

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_centre_lists_own_notifications_newest_first_with_unread_in_bold(client, alice, bob, notify):
    # given
    notify(alice, "old", title="旧通知")
    notify(alice, "new", title="新通知")
    notify(bob, "bobs", title="别人的通知")
    services.mark_read(user=alice, notification_ids=Notification.objects.filter(key="old").values("pk"))
    client.force_login(alice)

    # when
    response = client.get(reverse("notifications:centre"))

    # then
    assert response.status_code == 200
    assert [n.title for n in response.context["notifications"]] == ["新通知", "旧通知"]
    html = response.content.decode()
    assert "别人的通知" not in html
    assert "<strong><a" in html and html.count("<strong><a") == 1
    assert response.context["unread_notifications"] == 1


def test_centre_is_paginated_by_30(client, alice, notify):
    for i in range(31):
        notify(alice, f"k{i}")
    client.force_login(alice)

    first = client.get(reverse("notifications:centre"))
    second = client.get(reverse("notifications:centre"), {"page": 2})

    assert len(first.context["notifications"]) == 30
    assert len(second.context["notifications"]) == 1


def test_open_marks_read_and_follows_the_link(client, alice, notify):
    notification = notify(alice, "k", link="/proposals/7/?tab=reply")
    client.force_login(alice)

    response = client.post(reverse("notifications:open", args=[notification.pk]))

    assert (response.status_code, response["Location"]) == (302, "/proposals/7/?tab=reply")
    notification.refresh_from_db()
    assert notification.read_at is not None


@pytest.mark.parametrize("link", ["https://evil.example/", "//evil.example/", "/\\evil.example/", "", "proposals/7/"])
def test_open_never_redirects_off_site(client, alice, notify, link):
    notification = notify(alice, "k", link=link)
    client.force_login(alice)

    response = client.get(reverse("notifications:open", args=[notification.pk]))

    assert response["Location"] == reverse("notifications:centre")


def test_open_someone_elses_notification_is_404_and_leaves_it_unread(client, alice, bob, notify):
    bobs = notify(bob, "k")
    client.force_login(alice)

    response = client.get(reverse("notifications:open", args=[bobs.pk]))

    assert response.status_code == 404
    bobs.refresh_from_db()
    assert bobs.read_at is None


def test_mark_read_selected_touches_only_own_selected_rows(client, alice, bob, notify):
    # given
    first, second = notify(alice, "a"), notify(alice, "b")
    bobs = notify(bob, "a")
    client.force_login(alice)

    # when
    response = client.post(reverse("notifications:mark_read"), {"ids": [first.pk, bobs.pk, "x", "9" * 30]})

    # then
    assert response.status_code == 302
    assert set(Notification.objects.filter(read_at__isnull=True).values_list("pk", flat=True)) == {second.pk, bobs.pk}


def test_mark_read_all(client, alice, bob, notify):
    notify(alice, "a"), notify(alice, "b"), notify(bob, "a")
    client.force_login(alice)

    client.post(reverse("notifications:mark_read"), {"all": "1"})

    assert services.unread_count(alice) == 0
    assert services.unread_count(bob) == 1


def test_mark_read_refuses_get(client, alice):
    client.force_login(alice)

    assert client.get(reverse("notifications:mark_read")).status_code == 405


def test_unread_badge_costs_one_query(alice, notify, django_assert_num_queries):
    notify(alice, "a")
    request = RequestFactory().get("/")
    request.user = alice

    with django_assert_num_queries(1):
        assert unread_count(request) == {"unread_notifications": 1}


def test_unread_badge_is_absent_for_anonymous_users():
    from django.contrib.auth.models import AnonymousUser

    request = RequestFactory().get("/")
    request.user = AnonymousUser()

    assert unread_count(request) == {}

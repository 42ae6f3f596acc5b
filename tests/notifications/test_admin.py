import pytest
from django.urls import reverse

from notifications import services, tasks
from notifications.models import Delivery

pytestmark = pytest.mark.django_db


@pytest.fixture
def failed(alice, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks():
        services.notify(recipients=[alice], key="k", title="提案已交办")
    Delivery.objects.update(status=Delivery.Status.FAILED, attempts=8, last_error="SMTPServerDisconnected")
    return Delivery.objects.get()


def test_delivery_list_shows_status_attempts_and_error(admin_client, failed):
    response = admin_client.get(reverse("admin:notifications_delivery_changelist"), {"status__exact": "failed"})

    assert response.status_code == 200
    assert "SMTPServerDisconnected" in response.content.decode()


def test_resend_action_requeues_failed_deliveries(
    admin_client, failed, monkeypatch, django_capture_on_commit_callbacks
):
    # given
    queued = []
    monkeypatch.setattr(tasks.deliver, "delay", queued.append)

    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("admin:notifications_delivery_changelist"), {"action": "resend", "_selected_action": [failed.pk]}
        )

    # then
    assert response.status_code == 302
    failed.refresh_from_db()
    assert (failed.status, failed.attempts) == (Delivery.Status.PENDING, 0)
    assert queued == [failed.pk]


def test_notification_list_filters_unread(admin_client, failed):
    response = admin_client.get(reverse("admin:notifications_notification_changelist"), {"read": "no"})

    assert response.status_code == 200
    assert "提案已交办" in response.content.decode()

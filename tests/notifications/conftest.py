import pytest

from config.celery import app as celery_app


@pytest.fixture(autouse=True)
def eager_celery():
    """Run queued tasks in-process whatever the environment says: these tests never touch a broker."""
    saved = {name: celery_app.conf[name] for name in ("task_always_eager", "task_eager_propagates")}
    celery_app.conf.update(task_always_eager=True, task_eager_propagates=True)
    yield
    celery_app.conf.update(saved)


@pytest.fixture
def make_user(django_user_model):
    def make(username, *, email=None, **extra):
        return django_user_model.objects.create_user(
            username=username, email=f"{username}@example.org" if email is None else email, password=None, **extra
        )

    return make


@pytest.fixture
def alice(make_user):
    return make_user("alice", first_name="丽")


@pytest.fixture
def bob(make_user):
    return make_user("bob")

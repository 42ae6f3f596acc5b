"""Every URL pattern has an access rule; every object page refuses each role an object outside its scope (404 + audit).

A new URL without a rule fails ``test_every_url_pattern_has_an_access_rule``.
"""

import datetime
import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from proposals.models import Attachment, Extension
from tests.personas import assigned
from workflows import access
from workflows.models import AuditEvent, StageRun

# Framework and engine views (Django admin, auth, i18n, viewflow's inbox/queue/process pages) check their own
# permissions; every view of ours must carry an explicit rule.
ENGINE_MODULES = ("django.", "viewflow.")


def walk(patterns, prefix=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from walk(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), pattern


def own_patterns():
    for route, pattern in walk(get_resolver().url_patterns):
        callback = getattr(pattern.callback, "view_class", pattern.callback)
        # Views added to Django admin (the chain editor) are wrapped by admin_view: staff and model permissions.
        if not callback.__module__.startswith(ENGINE_MODULES) and not route.startswith("admin/"):
            yield route, pattern


def rule_of(pattern):
    callback = pattern.callback
    return getattr(callback, "access_rule", None) or getattr(getattr(callback, "view_class", None), "access_rule", None)


def test_every_url_pattern_has_an_access_rule():
    missing = [route for route, pattern in own_patterns() if rule_of(pattern) is None]
    assert missing == []
    assert len(list(own_patterns())) > 15


def fill(route, *, proposal, assignment, attachment, extension=None, task=None, run=None):
    """Put the ids of out-of-scope objects into a route, by what the route is about."""
    route = route.replace("^", "").replace("$", "")
    values = {"attachment_pk": attachment.pk, "extension_pk": extension.pk if extension else 0}
    if route.startswith("chains/tasks/"):
        values["pk"] = task.pk if task else 0
    elif route.startswith("chains/runs/"):
        values["pk"] = run.pk if run else 0
    else:
        values["pk"] = assignment.pk if "assignments/" in route else proposal.pk
    return "/" + re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(values[m.group(1)]), route)


ROLES_WITHOUT_SCOPE = ("member2", "member3", "unit3", "outsider")


@pytest.mark.django_db
@pytest.mark.parametrize("username", ROLES_WITHOUT_SCOPE)
def test_each_role_is_refused_objects_outside_its_scope_with_an_audit_row(client, world, username, settings, tmp_path):
    # given a proposal of member1 assigned to the education bureau, with an attachment
    settings.MEDIA_ROOT = tmp_path
    proposal = assigned(world, mode="sole")
    assignment = proposal.assignments.get()
    attachment = Attachment.objects.create(proposal=proposal, token="t" * 32, file="x", original_name="a.pdf",
                                           content_type="application/pdf", size=1, sha256="0" * 64,
                                           uploaded_by=world.member1)
    extension = Extension.objects.create(assignment=assignment, requested_until=datetime.date(2030, 1, 1),
                                         reason="x", requested_by=world.unit1)
    run = StageRun.objects.filter(subject_id=str(proposal.pk)).first()
    task = run.tasks.first()
    client.force_login(getattr(world, username))
    checked = 0
    for route, pattern in own_patterns():
        if rule_of(pattern) not in (access.OBJECT, access.ROLE):
            continue
        url = fill(route, proposal=proposal, assignment=assignment, attachment=attachment, extension=extension,
                   task=task, run=run)
        for method in ("get", "post"):
            before = AuditEvent.objects.filter(action="access_denied").count()
            response = getattr(client, method)(url)
            if response.status_code == 405:
                continue
            # when / then
            assert response.status_code in (403, 404), (method, url, response.status_code)
            assert AuditEvent.objects.filter(action="access_denied").count() == before + 1, (method, url)
            checked += 1
    assert checked >= 15


@pytest.mark.django_db
def test_anonymous_users_are_sent_to_login_everywhere_but_public_pages(client, world):
    proposal = assigned(world, mode="sole")
    assignment = proposal.assignments.get()
    for route, pattern in own_patterns():
        if rule_of(pattern) in (access.PUBLIC, access.ENGINE):
            continue
        url = fill(route, proposal=proposal, assignment=assignment, attachment=proposal)
        response = client.get(url)
        assert response.status_code in (302, 405), url
        if response.status_code == 302:
            assert response["Location"].startswith("/accounts/login/"), url

"""Every URL pattern has an access rule; every object page refuses each role an object outside its scope (404 + audit).

A new URL without a rule fails ``test_every_url_pattern_has_an_access_rule``.
"""

import datetime
import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from proposals import roles
from proposals.models import Attachment, Extension
from tests.personas import assigned
from workflows import access, work
from workflows.models import AuditEvent, StageRun

# Framework views (Django admin, viewflow's sign-in pages, i18n) check their own permissions; every view of ours must
# carry an explicit rule. viewflow's workflow pages (inbox, queue, archive, process management) are not mounted.
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


def fill(route, *, proposal, assignment, attachment, extension=None, task=None, run=None, item=None):
    """Put the ids of out-of-scope objects into a route, by what the route is about."""
    route = route.replace("^", "").replace("$", "")
    values = {"attachment_pk": attachment.pk, "extension_pk": extension.pk if extension else 0,
              "token": "0" * 32}  # nomination's stored files (photo, case documents) are named by token
    if route.startswith("chains/tasks/"):
        values["pk"] = task.pk if task else 0
    elif route.startswith("chains/runs/"):
        values["pk"] = run.pk if run else 0
    elif route.startswith("work/"):
        values["pk"] = item.pk if item else 0
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
    # a step in 督查室's 待认领 (claim), and one claimed by a 督查室 member (release)
    item = work.open_item(case=proposal, step="access.matrix", title="交办", link="/", role=roles.SUPERVISION_OFFICE)
    client.force_login(getattr(world, username))
    checked = 0
    for route, pattern in own_patterns():
        if rule_of(pattern) not in (access.OBJECT, access.ROLE):
            continue
        url = fill(route, proposal=proposal, assignment=assignment, attachment=attachment, extension=extension,
                   task=task, run=run, item=item)
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


def test_work_item_pages_carry_the_object_rule():
    rules = {route: rule_of(pattern) for route, pattern in own_patterns() if route.startswith("work/")}

    assert rules == {"work/<int:pk>/claim/": access.OBJECT, "work/<int:pk>/release/": access.OBJECT}


# The session-time bulk pages (批量立案, 交办方案) belong to the role that holds each single action; every other staff
# role is refused them too (404 + audit), not only the roles without any scope above.
BULK_PAGES = {"/proposals/bulk/accept/": ("head", "staff"), "/proposals/bulk/assign/": ("office",)}


@pytest.mark.django_db
@pytest.mark.parametrize("url", sorted(BULK_PAGES))
def test_bulk_pages_serve_only_the_roles_of_their_single_action(client, world, url):
    for username in ("member1", "staff", "head", "office", "unit1", "unitlead1", "outsider"):
        client.force_login(getattr(world, username))
        before = AuditEvent.objects.filter(action="access_denied").count()
        status = client.get(url).status_code
        if username in BULK_PAGES[url]:
            assert status == 200, (username, url)
        else:
            assert status == 404, (username, url, status)
            assert AuditEvent.objects.filter(action="access_denied").count() == before + 1, (username, url)


def test_a_claimed_step_cannot_be_released_by_another_role_and_is_not_revealed(client, world):
    # given a 交办 step claimed by 督查室
    proposal = assigned(world, mode="sole")
    item = work.open_item(case=proposal, step="access.matrix", title="交办", link="/", role=roles.SUPERVISION_OFFICE)
    work.claim(actor=world.office, item=item)
    client.force_login(world.staff)

    # when
    response = client.post(f"/work/{item.pk}/release/")

    # then
    assert response.status_code == 404
    assert AuditEvent.objects.filter(action="access_denied", actor=world.staff).count() == 1


# viewflow's stock workflow pages and its process management (cancel, undo, revive) would act behind the services.
VIEWFLOW_URLS = (
    "/workflow/", "/workflow/inbox/", "/workflow/queue/", "/workflow/archive/", "/workflow/flows/",
    "/workflow/flows/proposals/", "/workflow/flows/proposals/proposalflow/",
    "/workflow/flows/proposals/proposalflow/1/cancel/", "/workflow/flows/nomination/nominationflow/",
    "/workflow/flows/nomination/representativeflow/", "/workflow/proposals/flows/proposalflow/1/",
)


def test_no_url_pattern_serves_viewflows_workflow_pages():
    served = [route for route, pattern in walk(get_resolver().url_patterns)
              if route.startswith("workflow/") or getattr(pattern.callback, "__module__", "").startswith(
                  ("viewflow.workflow", "viewflow.views"))]

    assert served == []


@pytest.mark.django_db
@pytest.mark.parametrize("username", ["member1", "staff", "head", "office", "unit1", "unitlead1", "outsider", "admin",
                                      None])
def test_viewflows_workflow_pages_are_not_found_for_any_role(client, world, username, django_user_model):
    if username == "admin":
        client.force_login(django_user_model.objects.create_superuser("root", "root@example.org", "x" * 12))
    elif username:
        client.force_login(getattr(world, username))
    for url in VIEWFLOW_URLS:
        for method in ("get", "post"):
            assert getattr(client, method)(url).status_code == 404, (username, method, url)

"""Attacks over the demo world, every role (#12 item 7): generated hostile input over every form and query parameter
gives no server error and renders no payload unescaped; an IDOR sweep over every object page discloses nothing.

The demo world (every process in every state) is seeded once for the module, inside a transaction rolled back at the
end. Each role's pages are crawled from the 工作台 to collect the forms and query parameters it really sees; each test
prints its figures as one JSON line.
"""

import io
import json
from collections import Counter
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.db import transaction
from django.test import Client
from django.utils.module_loading import autodiscover_modules
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nomination import access as nomination_access
from nomination.models import NominationCase, Person, RepresentativeBatch
from proposals import access as proposal_access
from proposals.models import Assignment, Proposal, Reply
from tests.test_access_matrix import own_patterns, rule_of
from workflows import access, demo

PROBE = "<tx-probe>"
NASTIES = [
    "\x00", "a\x00b", "\ud800", "x\udfffy", f'"><{PROBE[1:-1]} id=p>{PROBE}', f"{PROBE}</textarea>{PROBE}",
    "'; DROP TABLE workflows_auditevent; --", "99999999999999999999", "-99999999999", "2147483648", "32768",
    "1e309", "NaN", "-1", "0", "1.5", "0001-01-01", "9999-12-31", "2026-02-30", "0000-00-00", "10000-01-01",
    "2026-13-01T25:61", "x" * 10_001, "第一届：/\\?*[]", "../../../etc/passwd", "%00", "\u202e\u0000", "１２３４５",
    "", " ", "[]", "{}", "null", "http://evil.invalid/", "//evil.invalid/", "javascript:alert(1)",
]
HOSTILE = st.one_of(
    st.sampled_from(NASTIES),
    st.text(max_size=40),
    st.text(alphabet=st.characters(categories=["Cs", "Cc", "Lo"]), max_size=12),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.dates().map(str),
)
EXTRA_PARAMETERS = ["q", "page", "status", "as_of", "year", "slot", "stage", "next", "term", "unit", "to"]
ROLES = ("admin", "staff1", "stafflead1", "office1", "unit1", "unitlead1", "member1", "leader1",
         "org1", "orglead1", "uf1", "uflead1", "party1", "jiwei1", None)
PAGES_PER_ROLE = 30
# Leaving these would end the crawl's session or switch language mid-sweep; they have tests of their own.
SKIP_ACTIONS = ("/accounts/logout/", "/i18n/setlang/")


class Page(HTMLParser):
    """The links and forms of one HTML page, each form with the values a user would submit unchanged."""

    def __init__(self):
        super().__init__()
        self.links, self.forms = [], []
        self._form = None
        self._select = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        elif tag == "form":
            self._form = {"method": (attrs.get("method") or "get").lower(), "action": attrs.get("action") or "",
                          "fields": {}}
            self.forms.append(self._form)
        elif self._form is not None and tag in ("input", "textarea", "select") and attrs.get("name"):
            kind = (attrs.get("type") or tag).lower()
            if kind in ("file", "submit", "button", "image", "reset"):
                return
            name = attrs["name"]
            if kind in ("checkbox", "radio") and "checked" not in attrs and name in self._form["fields"]:
                return
            self._form["fields"][name] = attrs.get("value") or ""
            self._select = name if tag == "select" else None
        elif tag == "option" and self._select and self._form is not None:
            if not self._form["fields"].get(self._select) or "selected" in attrs:
                self._form["fields"][self._select] = attrs.get("value") or ""

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None


@pytest.fixture(scope="module")
def demo_world(django_db_setup, django_db_blocker):
    """The demo seeded once for this module and rolled back after it. The seeders call services whose entry points
    are durable transactions: the outer block is marked as a test case's, as Django's TestCase marks its own."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer._from_testcase = True
        outer.__enter__()
        try:
            autodiscover_modules("demo")
            for _order, seed in sorted(demo.SEEDERS, key=lambda item: item[0]):
                seed(io.StringIO())
            yield
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


def client_for(username):
    # Server errors are counted as responses, not raised into the test.
    client = Client(raise_request_exception=False)
    if username:
        client.force_login(get_user_model().objects.get(username=username))
    return client


def is_html(response):
    return response.get("Content-Type", "").startswith("text/html")


def crawl(client):
    """Breadth-first over the role's own pages; returns the pages seen and the targets (method, path, fields)."""
    seen, queue, targets = set(), ["/", "/public/replies/"], []
    while queue and len(seen) < PAGES_PER_ROLE:
        url = queue.pop(0)
        parts = urlsplit(url)
        if parts.netloc or not parts.path.startswith("/") or parts.path.startswith(("/admin/", "/static/")) \
                or url in seen:
            continue
        seen.add(url)
        response = client.get(url)
        assert response.status_code < 500, (url, response.status_code)
        if parts.query:
            targets.append(("get", parts.path, dict(parse_qsl(parts.query, keep_blank_values=True))))
        if response.status_code != 200 or not is_html(response):
            continue
        page = Page()
        page.feed(response.content.decode())
        for form in page.forms:
            action = urlsplit(urljoin(url, form["action"] or url))
            if not action.path.startswith(SKIP_ACTIONS) and form["fields"]:
                targets.append((form["method"], action.path, form["fields"]))
        for href in page.links:
            absolute = urljoin(url, href.split("#")[0])
            if absolute not in seen and not urlsplit(absolute).path.startswith(SKIP_ACTIONS):
                queue.append(absolute)
    return seen, targets


def encode(fields: dict) -> str:
    # Lone surrogates travel as their UTF-8-style bytes, as a hostile client would send them.
    return urlencode(list(fields.items()), errors="surrogatepass")


@pytest.mark.django_db
def test_generated_hostile_submissions_never_give_a_server_error_or_render_unescaped(demo_world, capsys):
    clients, targets, pages = {}, [], 0
    for username in ROLES:
        clients[username] = client_for(username)
        seen, found = crawl(clients[username])
        pages += len(seen)
        targets.extend((username, *target) for target in found)
    assert len(targets) > 150, len(targets)
    statuses, failures = Counter(), []

    @settings(max_examples=1000, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
    @given(data=st.data())
    def submit(data):
        username, method, path, fields = data.draw(st.sampled_from(targets))
        poisoned = dict(fields)
        names = sorted(poisoned)
        chosen = data.draw(st.one_of(st.sampled_from(names).map(lambda name: [name]), st.just(names)))
        for name in chosen:
            if name != "csrfmiddlewaretoken":
                poisoned[name] = data.draw(HOSTILE)
        if data.draw(st.booleans()):
            poisoned[data.draw(st.sampled_from(EXTRA_PARAMETERS))] = data.draw(HOSTILE)
        client = clients[username]
        if method == "post":
            response = client.post(path, data=encode(poisoned), content_type="application/x-www-form-urlencoded")
        else:
            response = client.get(f"{path}?{encode(poisoned)}")
        statuses[response.status_code // 100 * 100] += 1
        if response.status_code >= 500:
            failures.append((username, method, path, tuple(chosen), response.status_code))
        elif is_html(response) and PROBE.encode() in response.content:
            failures.append((username, method, path, tuple(chosen), "unescaped"))

    submit()
    figures = {"roles": len(ROLES), "pages_crawled": pages, "targets": len(targets),
               "submissions": sum(statuses.values()), "by_status": dict(sorted(statuses.items())),
               "server_errors": sum(1 for failure in failures if failure[-1] != "unescaped"),
               "unescaped": sum(1 for failure in failures if failure[-1] == "unescaped")}
    with capsys.disabled():  # the figures belong in the CI log
        print("\n" + json.dumps({"hostile_input": figures}))
    assert sum(statuses.values()) >= 1000
    assert failures == [], sorted(set(failures))


def scope_oracles(user):
    """What each kind of object page may show this user, from the apps' access modules (the upper bound)."""
    proposals = set(proposal_access.visible_proposals(user).values_list("pk", flat=True)) if user else set()

    def case_visible(pk):
        case = NominationCase.objects.get(pk=pk)
        return bool(user) and nomination_access.can_view_request(user, case)

    def batch_visible(pk):
        return bool(user) and nomination_access.can_view_batch(user, RepresentativeBatch.objects.get(pk=pk)) is not None

    people = set(nomination_access.visible_people(user).values_list("pk", flat=True)) if user else set()
    return {
        "proposals/reports/replies/": (Reply, lambda pk: Reply.objects.get(pk=pk).assignment.proposal_id in proposals),
        "proposals/reports/evaluations/": (Proposal, lambda pk: pk in proposals),
        "proposals/assignments/": (Assignment, lambda pk: Assignment.objects.get(pk=pk).proposal_id in proposals),
        "proposals/": (Proposal, lambda pk: pk in proposals),
        "nomination/people/": (Person, lambda pk: pk in people),
        "nomination/cases/": (NominationCase, case_visible),
        "nomination/representatives/": (RepresentativeBatch, batch_visible),
    }


@pytest.mark.django_db
def test_no_role_reads_an_object_page_outside_its_scope(demo_world, capsys):
    routes = [route for route, pattern in own_patterns() if rule_of(pattern) == access.OBJECT
              and "attachment_pk" not in route and "extension_pk" not in route]
    requests, disclosed, answered = 0, [], Counter()
    for username in ROLES:
        user = get_user_model().objects.get(username=username) if username else None
        client = client_for(username)
        oracles = scope_oracles(user)
        for route in routes:
            prefix = next((p for p in oracles if route.startswith(p)), None)
            if prefix is None:
                continue
            model, may_see = oracles[prefix]
            pks = list(model.objects.order_by("pk").values_list("pk", flat=True))
            inside = [pk for pk in pks if may_see(pk)]
            outside = [pk for pk in pks if pk not in inside]
            # Objects the role may see and, above all, objects it may not: spread over the table.
            for pk in inside[:1] + outside[:: max(1, len(outside) // 3)][:3]:
                url = "/" + route.replace("<int:pk>", str(pk))
                response = client.get(url)
                requests += 1
                answered[response.status_code] += 1
                assert response.status_code < 500, (username, url, response.status_code)
                if response.status_code == 405:  # a POST-only action: the access matrix posts to it
                    break
                if response.status_code == 200 and pk in outside:
                    disclosed.append((username, url))
    with capsys.disabled():
        print("\n" + json.dumps({"idor_sweep": {"roles": len(ROLES), "object_routes": len(routes), "requests": requests,
                                            "by_status": dict(sorted(answered.items())), "disclosed": len(disclosed)}}))
    assert requests > 500
    assert disclosed == []

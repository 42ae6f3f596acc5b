"""Each role's main pages run in Chromium under the Content-Security-Policy without a single violation, and what
used to be inline script (language switch, print button, confirmation before 撤案) still works from static/js.

A violation is counted twice over: Chromium's console line ("Refused to …") and a ``securitypolicyviolation``
listener that Playwright installs before any page script runs. Each test prints its figure.
"""

import re

import pytest
from django.contrib import admin
from playwright.sync_api import expect

from proposals.models import Proposal, ProposalStatus
from tests.browser.conftest import CHROMIUM, NO_CHROMIUM, PASSWORD, VIEWPORTS
from tests.nomination import cases
from tests.nomination.conftest import cadres  # noqa: F401
from tests.personas import assigned, submitted
from workflows.models import DefinitionVersion

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not CHROMIUM.exists(), reason=NO_CHROMIUM),
]

LISTENER = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations.push(`${e.violatedDirective} ${e.blockedURI || "inline"} at ${e.sourceFile}:${e.lineNumber}`);
}, true);
window.__printed = 0;
window.print = () => { window.__printed += 1; };
"""


class Visits:
    """One browser context per role; every page opened is checked for CSP and Permissions-Policy complaints."""

    def __init__(self, browser, base_url):
        self.browser, self.base_url = browser, base_url
        self.pages, self.violations, self.contexts = [], [], []

    def context(self):
        context = self.browser.new_context(base_url=self.base_url, locale="zh-CN", timezone_id="Asia/Shanghai",
                                           **VIEWPORTS["desktop"])
        context.set_default_timeout(15_000)
        context.add_init_script(LISTENER)
        self.contexts.append(context)
        page = context.new_page()
        page.on("console", lambda message: self._console(page, message))
        return page

    def _console(self, page, message):
        text = message.text
        if "Content Security Policy" in text or text.startswith("Refused to") or "Permissions-Policy" in text:
            self.violations.append(f"{page.url}: console: {text}")

    def login(self, username, path="/accounts/login/"):
        page = self.context()
        self.open(page, path)
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", PASSWORD)
        page.locator("input[name=password]").press("Enter")
        expect(page.locator("input[name=password]")).to_have_count(0)
        self.check(page)
        return page

    def open(self, page, path):
        response = page.goto(path)
        assert response is not None and response.status < 500, (path, response and response.status)
        assert "script-src 'self'" in response.headers.get("content-security-policy", ""), path
        self.check(page)

    def check(self, page):
        page.wait_for_load_state("load")
        self.pages.append(page.url)
        self.violations += [f"{page.url}: {v}" for v in page.evaluate("window.__cspViolations || []")]

    def nav_links(self, page):
        return page.locator(".mainnav a").evaluate_all("links => links.map(a => a.getAttribute('href'))")

    def walk_role(self, username, extra=()):
        page = self.login(username)
        for path in [*self.nav_links(page), *extra]:
            self.open(page, path)
        return page

    def report(self, what):
        print(f"\nCSP ({what}): {len(self.pages)} pages visited, {len(self.violations)} violations")
        for violation in self.violations:
            print("  ", violation)

    def close(self):
        for context in self.contexts:
            context.close()


@pytest.fixture
def visits(chromium, live_site):
    v = Visits(chromium, live_site)
    yield v
    v.close()


def test_proposal_roles_pages_run_without_a_policy_violation(visits, world, capsys):
    # given an assigned proposal, one still withdrawable, and a reply form
    proposal = assigned(world, mode="lead")
    assignment = proposal.assignments.get(unit=world.education)
    draft = submitted(world, title="关于加强农村饮水安全保障的建议")
    detail, printed = f"/proposals/{proposal.pk}/", f"/proposals/{proposal.pk}/print/"
    extra = {
        "member1": [detail, f"/proposals/{draft.pk}/", printed, "/proposals/new/", "/me/"],
        "staff1": [detail, printed, "/proposals/reports/"],
        "stafflead1": [detail],
        "office1": [detail, f"/proposals/assignments/{assignment.pk}/"],
        "unit1": [f"/proposals/assignments/{assignment.pk}/", f"/proposals/assignments/{assignment.pk}/notice/"],
        "unitlead1": [f"/proposals/assignments/{assignment.pk}/"],
    }

    # when each role opens its menu and its pages, and the public opens the published replies
    for username, paths in extra.items():
        visits.walk_role(username, paths)
    anonymous = visits.context()
    for path in ("/public/replies/", "/accounts/login/"):
        visits.open(anonymous, path)

    # then
    with capsys.disabled():
        visits.report("proposal roles")
    assert visits.violations == []
    assert len(visits.pages) >= 40


def test_cadre_roles_pages_run_without_a_policy_violation(visits, cadres, capsys):  # noqa: F811
    # given a nomination case in vetting (a request open for the discipline commission)
    case = cases.vetting(cadres)
    detail = f"/nomination/cases/{case.pk}/"
    prints = [f"{detail}print/approval-form/", f"{detail}print/notice/", f"{detail}print/request-letter/"]
    extra = {
        "org1": [detail, *prints, "/nomination/statistics/", "/nomination/people/"],
        "orglead1": [detail],
        "uf1": [detail, "/nomination/statistics/"],
        "uflead1": [detail],
        "party1": [],
        "jiwei1": ["/nomination/requests/"],
    }

    # when
    for username, paths in extra.items():
        visits.walk_role(username, paths)

    # then
    with capsys.disabled():
        visits.report("cadre roles")
    assert visits.violations == []
    assert len(visits.pages) >= 25


def test_django_admin_and_the_chain_editor_run_without_a_policy_violation(visits, world, django_user_model,
                                                                          capsys):
    # given an administrator, and an assigned proposal (its process definitions published on the way)
    django_user_model.objects.create_superuser("root", "root@example.org", PASSWORD)
    assigned(world, mode="sole")
    version = DefinitionVersion.objects.order_by("pk").first()
    models = [f"/admin/{m._meta.app_label}/{m._meta.model_name}/" for m in admin.site._registry]

    # when the administrator opens every list and add form, and the chain editor with its preview
    page = visits.login("root", "/admin/login/")
    for path in [*models, *(f"{m}add/" for m in models)]:
        visits.open(page, path)
    visits.open(page, f"/admin/workflows/definitionversion/{version.pk}/change/")
    expect(page.locator("#content form")).to_be_visible()
    visits.open(page, f"/admin/workflows/definitionversion/{version.pk}/preview/")
    expect(page.get_by_test_id("definition-valid").or_(page.get_by_test_id("definition-errors"))).to_be_visible()

    # then
    with capsys.disabled():
        visits.report("Django admin")
    assert visits.violations == []
    assert len(visits.pages) > 40


def test_behaviour_moved_to_static_script_still_works(visits, world):
    # given a proposal member1 may still withdraw
    draft = submitted(world)
    page = visits.login("member1")

    # the language menu switches on change, as its inline handler did
    page.locator("#lang-select").select_option("en")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.locator("#lang-select").select_option("zh-hans")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")

    # 打印 opens the print dialog
    visits.open(page, f"/proposals/{draft.pk}/print/")
    page.get_by_role("button", name="打印").click()
    assert page.evaluate("window.__printed") == 1

    # 撤案 asks first: "Cancel" keeps the proposal, "OK" withdraws it
    visits.open(page, f"/proposals/{draft.pk}/")
    page.locator("summary", has_text="撤案").click()
    page.locator("[name=reason]").fill("情况已变化，撤回本提案。")
    questions = []
    page.once("dialog", lambda dialog: (questions.append(dialog.message), dialog.dismiss()))
    page.get_by_role("button", name="确定撤案").click()
    assert questions == ["撤案后不能恢复，确定撤案吗？"]
    assert Proposal.objects.get(pk=draft.pk).status != ProposalStatus.WITHDRAWN
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="确定撤案").click()
    expect(page.locator(".messages")).to_be_visible()
    assert Proposal.objects.get(pk=draft.pk).status == ProposalStatus.WITHDRAWN
    assert visits.violations == []
    assert re.search(rf"/proposals/{draft.pk}/", page.url)


def test_an_inline_event_handler_is_refused_and_counted(visits, world):
    """The counting itself: markup with an inline handler, added to a page, is refused by the policy and reported."""
    page = visits.login("member1")

    page.evaluate("""document.body.insertAdjacentHTML("beforeend", '<img src="data:," onload="window.ran = 1">')""")
    page.wait_for_function("window.__cspViolations.length > 0")
    visits.check(page)

    assert page.evaluate("window.ran") is None
    assert len(visits.violations) >= 1
    assert "script-src" in visits.violations[0]

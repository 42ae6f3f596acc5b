"""What the browser walks share: one logged-in session per role, and the ways they move around the pages."""

import re

from playwright.sync_api import expect

from tests.browser.conftest import VIEWPORTS
from tests.browser.test_proposal_walk import OVERFLOW_JS, Walk


class Sessions(Walk):
    """Each role logs in once through the login form and keeps its session; ``fits_on_phone`` opens the page the
    role has in front of it again, logged in as the same role at phone width, and checks it does not scroll."""

    def __init__(self, *args):
        super().__init__(*args)
        self.pages, self.phones = {}, {}

    def _open(self, username, viewport):
        saved, self.viewport_name = self.viewport_name, viewport
        try:
            page = Walk.login(self, username)
        finally:
            self.viewport_name = saved
        self.context = None  # kept open for the role's return
        return page

    def login(self, username):
        if username not in self.pages:
            self.pages[username] = self._open(username, self.viewport_name)
        return self.pages[username]

    def assert_fits(self, page, what):
        width = VIEWPORTS["phone"]["viewport"]["width"]
        if page.viewport_size["width"] > width:
            return
        report = page.evaluate(OVERFLOW_JS, width)
        assert report["scrollWidth"] <= width + 1 and report["innerWidth"] <= width + 1, (
            f"{what} scrolls sideways at {width}px: scrollWidth={report['scrollWidth']} "
            f"innerWidth={report['innerWidth']}; widest elements: {report['culprits']}"
        )

    def fits_on_phone(self, username, what):
        if self.viewport_name == "phone":
            return self.assert_fits(self.pages[username], what)
        if username not in self.phones:
            self.phones[username] = self._open(username, "phone")
        phone = self.phones[username]
        phone.goto(self.pages[username].url)
        expect(phone.locator("h1")).to_be_visible()
        self.assert_fits(phone, f"{what} (375px)")

    def close(self):
        """Log everyone out (their sessions last 12 hours: a week later each role logs in again)."""
        for page in (*self.pages.values(), *self.phones.values()):
            page.context.close()
        self.pages, self.phones = {}, {}


def field(scope, label):
    """A form field by its whole label (Django adds the colon), where a longer label starts with the same words."""
    return scope.get_by_label(re.compile(rf"^{label}[:：]?$"))


def open_task(walk, username, stage):
    """待办 → the row of ``stage`` → its page (the case page, or the request page of an outside organisation)."""
    page = walk.login(username)
    walk.nav(page, "待办")
    row = page.get_by_test_id("inbox").locator("tbody tr", has_text=stage)
    expect(row).to_have_count(1)
    row.get_by_role("link").first.click()
    return page


def value_of(scope, term):
    """The ``dd`` of a ``dt`` in a definition list."""
    return scope.locator("dt", has_text=term).locator("xpath=following-sibling::dd[1]")


def timeline(page):
    return page.get_by_test_id("timeline").locator("li strong").all_inner_texts()


def assert_in_order(actions, expected):
    remaining = iter(actions)
    assert all(label in remaining for label in expected), f"timeline {actions} lacks, in order, {expected}"

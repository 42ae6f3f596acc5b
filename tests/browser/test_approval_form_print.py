"""The 干部任免审批表 in the browser (issue #13 item 2): 组织部干部科 opens it from the case page, sees the national
form with the nominee's photo on two A4 pages, and Chromium prints it to PDF as two pages plus the annexed 统战部
opinion (the browser's "Save as PDF"; no PDF library in the product)."""

import re
import struct
import zlib

import pytest
from playwright.sync_api import expect

from nomination.services import exchange
from tests.browser.conftest import CHROMIUM, NO_CHROMIUM
from tests.nomination import cases
from tests.nomination.conftest import cadres  # noqa: F401
from tests.nomination.files import upload


def png(width=3, height=4) -> bytes:
    """A real (decodable) PNG, so that the browser can draw it: white pixels."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    rows = b"".join(b"\x00" + b"\xff\xff\xff" * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not CHROMIUM.exists(), reason=NO_CHROMIUM),
]


def test_the_approval_form_opens_from_the_case_with_the_photo_and_prints_on_two_pages(desktop, cadres, settings,  # noqa: F811
                                                                                       tmp_path):
    # given a decided case whose nominee has a photo on file
    settings.MEDIA_ROOT = tmp_path
    w = cadres
    case = cases.decided(w)
    exchange.person_photo_set(actor=w.org1, person=case.nominee, upload=upload("证件照.png", png()))
    page = desktop.login("org1")
    page.goto(f"/nomination/cases/{case.pk}/")

    # when the form is opened from the case page (it opens in a new tab)
    with page.context.expect_page() as opened:
        page.get_by_role("link", name="打印干部任免审批表").click()
    form = opened.value
    form.wait_for_load_state()

    # then the national form is there, with the nominee's name and a photo the browser could load
    expect(form.get_by_test_id("approval-page-1")).to_contain_text(case.nominee.name)
    expect(form.get_by_test_id("approval-page-2")).to_contain_text("家庭主要成员及重要社会关系")
    photo = form.locator("[data-testid=approval-page-1] img")
    expect(photo).to_have_count(1)
    form.wait_for_function("img => img.complete && img.naturalWidth === 3", arg=photo.element_handle(), timeout=5000)
    # and printing it gives the form's two A4 pages, plus one for the 统战部 opinion annexed to it
    annexed = form.get_by_test_id("ufwd-annex").count()
    pdf = form.pdf(format="A4", print_background=True)
    pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf))
    assert annexed == 1
    assert pdf.startswith(b"%PDF") and pages == 2 + annexed, pages

"""Security headers on every response: a Content-Security-Policy that allows no inline script, a Permissions-Policy,
and SecurityMiddleware's headers; no template carries what that policy would refuse (issue #12 item 5).

The pages are those of the access matrix's URL walk (``tests.test_access_matrix``), opened by each role.
"""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib import admin
from django.template.loaders.app_directories import get_app_template_dirs

from tests.personas import assigned
from tests.test_access_matrix import fill, own_patterns

# A role of each kind: a member, the proposal office, a handling unit, an administrator, no one.
ROLES = ("member1", "office", "unit1", "admin", None)


def directives(response) -> dict[str, list[str]]:
    policy = response.get("Content-Security-Policy", "")
    parts = (part.split() for part in policy.split(";") if part.strip())
    return {words[0]: words[1:] for words in parts}


def header_faults(response) -> list[str]:
    """What is missing or too lax in one response's security headers."""
    csp = directives(response)
    faults = []
    if not csp:
        return ["no Content-Security-Policy"]
    for name in ("script-src", "style-src", "default-src", "base-uri", "form-action"):
        if csp.get(name) != ["'self'"]:
            faults.append(f"{name} {csp.get(name)}")
    if csp.get("object-src") != ["'none'"] or csp.get("frame-ancestors") != ["'none'"]:
        faults.append("object-src or frame-ancestors not 'none'")
    if csp.get("img-src") != ["'self'", "data:"]:
        faults.append(f"img-src {csp.get('img-src')}")
    policy = response.get("Permissions-Policy", "")
    for feature in ("camera", "microphone", "geolocation", "payment", "usb"):
        if f"{feature}=()" not in policy:
            faults.append(f"Permissions-Policy lacks {feature}=()")
    expected = {"Referrer-Policy": "same-origin", "X-Content-Type-Options": "nosniff",
                "Cross-Origin-Opener-Policy": "same-origin", "X-Frame-Options": "DENY"}
    faults += [f"{name}: {response.get(name)}" for name, value in expected.items() if response.get(name) != value]
    return faults


@pytest.mark.django_db
def test_every_page_of_the_url_walk_carries_the_security_headers(client, world, django_user_model, capsys):
    # given a proposal assigned to the education bureau, and every role of the access matrix
    proposal = assigned(world, mode="sole")
    assignment = proposal.assignments.get()
    users = {"admin": django_user_model.objects.create_superuser("root", "root@example.org", "x" * 12)}
    urls = [fill(route, proposal=proposal, assignment=assignment, attachment=proposal)
            for route, pattern in own_patterns()]
    faults, responses, html_pages = [], 0, 0
    for username in ROLES:
        client.logout()
        if username:
            client.force_login(users.get(username) or getattr(world, username))
        # when each role opens every URL
        for url in [*urls, "/accounts/login/", "/no-such-page/"]:
            response = client.get(url)
            responses += 1
            html_pages += response.status_code == 200 and response.get("Content-Type", "").startswith("text/html")
            # then every response carries the headers
            faults += [(username, url, fault) for fault in header_faults(response)]
    with capsys.disabled():
        print(f"\nsecurity headers: {responses} responses ({html_pages} HTML pages with 200), {len(faults)} faults")
    assert faults == []
    assert html_pages >= 60


@pytest.mark.django_db
def test_django_admin_pages_carry_the_security_headers(client, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("root", "root@example.org", "x" * 12))
    urls = ["/admin/"] + [f"/admin/{model._meta.app_label}/{model._meta.model_name}/{page}"
                          for model in admin.site._registry for page in ("", "add/")]
    faults = []
    for url in urls:
        response = client.get(url)
        assert response.status_code in (200, 302, 403), url
        faults += [(url, fault) for fault in header_faults(response)]

    assert faults == []
    assert len(urls) > 20


def test_a_response_allowing_inline_script_is_reported():
    """The header check fails on a response that allows inline script."""
    from django.http import HttpResponse

    response = HttpResponse("<p>x</p>")
    response["Content-Security-Policy"] = "default-src 'self'; script-src 'self' 'unsafe-inline'"

    assert any(fault.startswith("script-src") and "unsafe-inline" in fault for fault in header_faults(response))
    assert header_faults(HttpResponse("x"))[0] == "no Content-Security-Policy"


# --- templates --------------------------------------------------------------------------------------------------

INLINE = {
    "inline <script>": re.compile(r"<script\b(?![^>]*\bsrc=)[^>]*>", re.I),
    "on* event handler": re.compile(r"<[a-z][^>]*?\son[a-z]+\s*=", re.I | re.S),
    "javascript: URL": re.compile(r"javascript:", re.I),
    "<style> block": re.compile(r"<style\b", re.I),
    "style attribute": re.compile(r"<[a-z][^>]*?\sstyle\s*=", re.I | re.S),
}


def inline_code(text: str) -> list[str]:
    """The kinds of inline script or style in a template's text, with the line of each."""
    found = []
    for kind, pattern in INLINE.items():
        for match in pattern.finditer(text):
            found.append(f"{kind} on line {text.count(chr(10), 0, match.start()) + 1}")
    return found


def project_templates() -> list[Path]:
    base = Path(settings.BASE_DIR)
    dirs = [Path(d) for d in settings.TEMPLATES[0]["DIRS"]] + [
        Path(d) for d in get_app_template_dirs("templates") if Path(d).is_relative_to(base)
        and ".venv" not in Path(d).parts]
    return sorted(path for d in dirs for path in d.rglob("*.html"))


def test_no_template_carries_inline_script_or_style():
    templates = project_templates()
    found = {str(path.relative_to(settings.BASE_DIR)): inline_code(path.read_text()) for path in templates}

    assert {path: kinds for path, kinds in found.items() if kinds} == {}
    assert len(templates) > 50


def test_the_template_scan_finds_each_kind_of_inline_code():
    text = """<select onchange="this.form.submit()">
<button type="submit"
        onclick="return confirm('x')">
<script>alert(1)</script><script src="/static/js/tongxin.js"></script>
<a href="javascript:void(0)">
<style>p {}</style><p style="color:red">"""

    assert [kind.split(" on line")[0] for kind in inline_code(text)] == [
        "inline <script>", "on* event handler", "on* event handler", "javascript: URL", "<style> block",
        "style attribute"]


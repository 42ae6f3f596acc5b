"""The main navigation per role: each demo role sees the entries it can use, and no page shows a role code."""

import re

import pytest
from django.urls import reverse

from tests.nomination.conftest import cadres  # noqa: F401  (the cadre side's personas, a fixture)
from workflows.roles import ROLE_LABELS

pytestmark = pytest.mark.django_db

ENTRIES = {
    "我的提案": "proposals:mine",
    "承办待办": "proposals:unit_inbox",
    "提案管理": "proposals:list",
    "党外人才库": "nomination:index",
    "督办看板": "workflows:due_board",
}


def nav_entries(client) -> set[str]:
    page = client.get(reverse("workflows:home")).content.decode()
    nav = re.search(r'<nav class="mainnav".*?</nav>', page, re.S).group(0)
    return {name for name, url in ENTRIES.items() if f'href="{reverse(url)}"' in nav}


def visible_text(html: str) -> str:
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"<[^>]+>", " ", html)


# --- the proposal side (tests.personas.world) -------------------------------------------------------------------------

PROPOSAL_SIDE = {
    "member1": {"我的提案"},
    "staff": {"提案管理"},
    "office": {"提案管理", "督办看板"},
    "unit1": {"承办待办"},
    "unitlead1": {"承办待办"},
    "outsider": set(),
}


@pytest.mark.parametrize("persona, expected", PROPOSAL_SIDE.items())
def test_the_proposal_side_sees_only_its_own_entries(client, world, persona, expected):
    client.force_login(getattr(world, persona))
    assert nav_entries(client) == expected


# --- the cadre side (tests.nomination.conftest.cadres) ----------------------------------------------------------------

CADRE_SIDE = {
    "org1": {"党外人才库"},
    "orglead1": {"党外人才库", "督办看板"},
    "uf1": {"党外人才库"},
    "uflead1": {"党外人才库", "督办看板"},
    # a 民主党派 organisation and the 纪委监委 belong to units, but neither submits proposals nor handles them
    "party1": {"党外人才库"},
    "jiwei1": set(),
}


@pytest.mark.parametrize("persona, expected", CADRE_SIDE.items())
def test_the_cadre_side_sees_only_its_own_entries(client, cadres, persona, expected):  # noqa: F811
    client.force_login(getattr(cadres, persona))
    assert nav_entries(client) == expected


@pytest.mark.parametrize("persona", ["org1", "uflead1", "party1", "jiwei1"])
def test_no_page_of_the_cadre_side_shows_a_role_code(client, cadres, persona):  # noqa: F811
    client.force_login(getattr(cadres, persona))
    codes = [code for code in ROLE_LABELS if "_" in code]  # the codes no Chinese word could contain
    for url in ("workflows:home", "workflows:inbox", "workflows:queue", "workflows:my_settings"):
        text = visible_text(client.get(reverse(url)).content.decode())
        shown = [code for code in codes if code in text]
        assert not shown, (url, shown)

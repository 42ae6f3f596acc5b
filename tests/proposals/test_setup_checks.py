"""系统配置检查, the proposal side: a current term with members and sessions, and the categories."""

import pytest

from proposals.models import Member, Term
from tests.factories import MemberFactory, TermFactory
from workflows import setup_checks

pytestmark = pytest.mark.django_db


def _titles():
    return [f.title for f in setup_checks.run()]


def test_an_empty_installation_asks_for_a_current_term_first():
    Term.objects.all().delete()

    assert "尚未设置本届政协" in _titles()


def test_a_current_term_without_members_or_sessions_is_named_with_where_to_fix_it():
    term = TermFactory()
    Member.objects.filter(term=term).delete()
    term.sessions.all().delete()

    findings = {f.title: f for f in setup_checks.run()}

    assert findings["本届尚无委员名单"].link == "/admin/proposals/member/"
    assert findings["本届尚未设置会次"].link == f"/admin/proposals/term/{term.pk}/change/"
    MemberFactory(term=term)
    assert "本届尚无委员名单" not in _titles()

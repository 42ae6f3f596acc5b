"""Error codes are namespaced per app: a table registered twice, or one shadowing an engine code, fails at start-up,
and two apps may use one short code, each with its own message."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from nomination.errors import NominationError
from proposals.errors import ProposalError
from workflows import errors
from workflows.errors import PermissionDeniedError, ServiceError, StaleStateError


@pytest.fixture
def tables():
    """The registry as the apps left it, restored after the test."""
    saved = dict(errors._TABLES)
    yield errors._TABLES
    errors._TABLES.clear()
    errors._TABLES.update(saved)


def test_a_namespace_registered_twice_fails(tables):
    errors.register("test-app", {"some_code": "某个错误。"})
    with pytest.raises(ImproperlyConfigured, match="registered twice"):
        errors.register("test-app", {"other_code": "另一个错误。"})
    # the apps' own namespaces are taken as well
    with pytest.raises(ImproperlyConfigured, match="registered twice"):
        errors.register("proposals", {"some_code": "某个错误。"})


def test_a_table_shadowing_an_engine_code_fails(tables):
    with pytest.raises(ImproperlyConfigured, match="stale_state"):
        errors.register("test-shadow", {"stale_state": "别的消息。", "own_code": "自己的消息。"})
    assert "test-shadow" not in tables


def test_one_short_code_in_two_apps_shows_each_apps_message():
    proposal, nomination = ProposalError("summary_required"), NominationError("summary_required")
    assert proposal.code == nomination.code == "summary_required"
    assert proposal.message == "摘要公开的答复须填写公开摘要。"
    assert nomination.message == "请填写说明。"


def test_the_engine_codes_keep_their_messages_under_every_namespace():
    stale = "该事项已被他人处理或状态已变化，请刷新后查看最新情况。"
    assert StaleStateError("stale_state").message == stale
    assert ProposalError("stale_state").message == stale
    assert NominationError("permission_denied").message == PermissionDeniedError("permission_denied").message
    # an explicit message wins; parameters fill the template
    assert ServiceError("no_assignee", "没有可办理的人员。").message == "没有可办理的人员。"
    assert errors.message_for("workflows", "urge_too_soon") % {"next": "06-01 10:00"} == (
        "您已催办过该事项，06-01 10:00 后可再次催办。")

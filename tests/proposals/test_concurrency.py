"""Races on PostgreSQL: numbering, double acceptance, double submission (RELIABILITY §e group A)."""


import pytest
from django.db import connection

from proposals import services
from proposals.models import Proposal, ProposalStatus
from tests.concurrency import race
from tests.personas import make_content, reviewed
from workflows import work
from workflows.errors import StaleStateError

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL"),
]




def test_fifty_concurrent_acceptances_number_one_to_fifty(world):
    proposals = [reviewed(world, title=f"关于第{i}件事的建议") for i in range(50)]
    results = race(*
        [lambda p=p: services.proposal_accept(actor=world.head, proposal=p) for p in proposals]
    )
    errors = [r for r in results if isinstance(r, Exception)]
    assert errors == []
    serials = sorted(Proposal.objects.filter(status=ProposalStatus.ACCEPTED).values_list("serial", flat=True))
    print(f"\nconcurrent acceptances: {len(serials)}, numbers {serials[0]}..{serials[-1]}")
    assert serials == list(range(1, 51))


def test_a_rolled_back_acceptance_uses_no_number(world):
    from django.db import transaction

    first, second = reviewed(world, title="关于甲的建议"), reviewed(world, title="关于乙的建议")
    with pytest.raises(RuntimeError), transaction.atomic():
        services.proposal_accept(actor=world.head, proposal=first)
        raise RuntimeError("the request failed after the number was taken")
    services.proposal_accept(actor=world.head, proposal=second)
    assert Proposal.objects.get(pk=second.pk).serial == 1
    assert Proposal.objects.get(pk=first.pk).serial is None


def test_two_reviewers_accepting_at_once_make_one_acceptance(world):
    for _round in range(10):
        proposal = reviewed(world)
        results = race(*
            [lambda proposal=proposal: services.proposal_accept(actor=world.head, proposal=proposal)] * 2
        )
        assert sum(isinstance(r, Proposal) for r in results) == 1
        assert sum(isinstance(r, StaleStateError) for r in results) == 1
        assert [i.step for i in work.case_items(proposal)] == ["proposals.assign"]  # one 交办


def test_the_same_form_posted_twice_at_once_creates_one_proposal(world):
    results = race(*[
        lambda: services.proposal_save_draft(actor=world.member1, content=make_content(world), submission_key="dup")
    ] * 2)
    assert [type(r) for r in results] == [Proposal, Proposal]
    assert Proposal.objects.filter(submission_key="dup").count() == 1

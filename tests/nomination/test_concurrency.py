"""Races on PostgreSQL: both departments confirming at once put an entry in the pool exactly once."""


import pytest
from django.db import connection

from nomination import services
from nomination.models import Person, PoolState
from tests.concurrency import race
from workflows.errors import StaleStateError
from workflows.models import AuditEvent

from .conftest import awaiting_confirmation, make_id_number

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL"),
]




def entered(person):
    return AuditEvent.objects.filter(action="pool.entered", subject_id=str(person.pk)).count()


def test_both_departments_confirming_at_once_enter_the_pool_exactly_once(cadres):
    for round_ in range(10):
        person = awaiting_confirmation(cadres, id_number=make_id_number(sequence=100 + round_))
        results = race(*[
            lambda p=person: services.pool_confirm(actor=cadres.orglead1, person=p),
            lambda p=person: services.pool_confirm(actor=cadres.uflead1, person=p),
        ])
        assert [type(r) for r in results] == [Person, Person]
        person.refresh_from_db()
        assert person.pool_state == PoolState.IN_POOL
        assert person.org_confirmed_by == cadres.orglead1 and person.uf_confirmed_by == cadres.uflead1
        assert entered(person) == 1


def test_two_people_of_one_department_confirming_at_once_count_once_and_leave_the_entry_waiting(cadres):
    for round_ in range(10):
        person = awaiting_confirmation(cadres, id_number=make_id_number(sequence=200 + round_))
        results = race(*[
            lambda p=person: services.pool_confirm(actor=cadres.org1, person=p),
            lambda p=person: services.pool_confirm(actor=cadres.orglead1, person=p),
        ])
        assert sum(isinstance(r, Person) for r in results) == 1
        assert sum(isinstance(r, StaleStateError) for r in results) == 1
        person.refresh_from_db()
        assert person.pool_state == PoolState.CONFIRMING and entered(person) == 0
        assert AuditEvent.objects.filter(action="pool.confirmed", subject_id=str(person.pk)).count() == 1


def test_both_departments_confirming_a_staffing_row_at_once_both_count(cadres):
    target = services.staffing_target_save(actor=cadres.uf1, year=2026, team="县教育局领导班子", required=2)
    race(*[
        lambda: services.staffing_target_confirm(actor=cadres.org1, target=target),
        lambda: services.staffing_target_confirm(actor=cadres.uf1, target=target),
    ])
    target.refresh_from_db()
    assert target.is_confirmed is True

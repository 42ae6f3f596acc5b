"""Beijing wall-clock times for tests, and a ``travel`` fixture that moves the clock (threads included)."""

import datetime

import pytest
import time_machine

from workflows.calendar import CHINA


def at(*args) -> datetime.datetime:
    """``datetime(*args)`` in Asia/Shanghai."""
    return datetime.datetime(*args, tzinfo=CHINA)


@pytest.fixture
def travel():
    """``travel(2026, 6, 1, 10)`` moves the clock to that Beijing time and keeps it there until the next call."""
    machines = []

    def go(*args):
        if machines:
            machines.pop().stop()
        machine = time_machine.travel(at(*args), tick=False)
        machine.start()
        machines.append(machine)

    yield go
    for machine in machines:
        machine.stop()

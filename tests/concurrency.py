"""The race harness shared by the concurrency tests: start callables at the same instant on their own connections."""

import threading

from django.db import connections

# A deadlock fails its test after this long instead of holding the whole run (and the interpreter's exit) hostage.
RACE_TIMEOUT = 120


def race(*functions):
    """Start every function at once (a barrier); return each one's result or the exception it raised."""
    barrier = threading.Barrier(len(functions), timeout=RACE_TIMEOUT)
    results = [None] * len(functions)

    def runner(index, function):
        try:
            barrier.wait()
            results[index] = function()
        except Exception as error:  # noqa: BLE001 - the loser's refusal is part of the outcome
            results[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=runner, args=(i, f), daemon=True) for i, f in enumerate(functions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=RACE_TIMEOUT)
    stuck = [index for index, thread in enumerate(threads) if thread.is_alive()]
    assert not stuck, f"racers {stuck} still running after {RACE_TIMEOUT} s: a deadlock"
    return results

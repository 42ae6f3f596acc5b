"""The race harness shared by the concurrency tests: start callables at the same instant on their own connections."""

import threading

from django.db import connections


def race(*functions):
    """Start every function at once (a barrier); return each one's result or the exception it raised."""
    barrier = threading.Barrier(len(functions))
    results = [None] * len(functions)

    def runner(index, function):
        try:
            barrier.wait()
            results[index] = function()
        except Exception as error:  # noqa: BLE001 - the loser's refusal is part of the outcome
            results[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=runner, args=(i, f)) for i, f in enumerate(functions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results

"""The plain viewflow baseline: StartHandle → four human View tasks → End, on viewflow's own Process model.

viewflow stores a process's flow as "<app label>/<module path>", so this module must sit in an installed app:
``bench.settings`` adds the ``bench`` package (no models, no migrations) for the benchmark run only.
The tasks are completed programmatically (VIEWFLOW.md §5); the view is viewflow's stock one, never mounted.
"""

from viewflow import this
from viewflow.workflow import flow, lock
from viewflow.workflow.flow.views import UpdateProcessView
from viewflow.workflow.models import Process


class BenchFlow(flow.Flow):
    process_class = Process
    lock_impl = lock.select_for_update_lock

    start = flow.StartHandle().Next(this.task1)
    task1 = flow.View(UpdateProcessView.as_view(fields=[])).Next(this.task2)
    task2 = flow.View(UpdateProcessView.as_view(fields=[])).Next(this.task3)
    task3 = flow.View(UpdateProcessView.as_view(fields=[])).Next(this.task4)
    task4 = flow.View(UpdateProcessView.as_view(fields=[])).Next(this.end)
    end = flow.End()

"""The thin layer between Tongxin's services and viewflow's activations.

Services call these inside their own transaction so that the flow step, the case change, the audit row and the
outbox row commit together. Every flow must set ``lock_impl = lock.select_for_update_lock`` (tested).
"""

from django.db import transaction
from django.utils import timezone
from viewflow.workflow.models import Task
from viewflow.workflow.status import PROCESS, STATUS

from .errors import StaleStateError

OPEN_STATUSES = (STATUS.NEW, STATUS.ASSIGNED, STATUS.STARTED)


def start(flow_class, start_node, **kwargs):
    """Start a process through a ``StartHandle`` node; returns the process."""
    return start_node.run(**kwargs)


def open_task(process, node) -> Task | None:
    return (
        Task.objects.filter(process=process, flow_task=node, status__in=OPEN_STATUSES)
        .select_related("process")
        .order_by("pk")
        .first()
    )


def complete_human_task(*, process, node, actor) -> Task:
    """Claim (if needed) and complete the open task of ``node`` for ``actor``, creating the next tasks.

    The caller has already checked the actor's right to act in its service; this takes the flow lock, so a second
    concurrent completion finds no open task and gets :class:`StaleStateError`.
    """
    flow_class = process.flow_class
    with flow_class.lock(process.pk), transaction.atomic():
        task = open_task(process, node)
        if task is None:
            raise StaleStateError("stale_state")
        activation = node.activation_class(task)
        if task.status == STATUS.NEW:
            task.owner = actor
            task.status = STATUS.ASSIGNED
            task.save(update_fields=["owner", "status"])
        elif task.owner_id != actor.pk:
            # Claimed by a colleague: the one who acts completes it, the claim does not block the team.
            task.owner = actor
            task.save(update_fields=["owner"])
        activation.start(None)
        activation.execute()
        return task


def complete_handle_task(*, process, node) -> Task:
    """Complete the open ``Handle`` task of ``node`` (a wait completed by a service)."""
    flow_class = process.flow_class
    with flow_class.lock(process.pk), transaction.atomic():
        task = open_task(process, node)
        if task is None:
            raise StaleStateError("stale_state")
        activation = node.activation_class(task)
        activation.run(None)
        activation.execute()
        return task


def cancel_process(*, process) -> None:
    """Cancel every open task and the process itself (withdrawal, non-acceptance decided outside the flow)."""
    flow_class = process.flow_class
    with flow_class.lock(process.pk), transaction.atomic():
        now = timezone.now()
        Task.objects.filter(process=process, status__in=OPEN_STATUSES).update(status=STATUS.CANCELED, finished=now)
        process.status = PROCESS.CANCELED
        process.finished = now
        process.save(update_fields=["status", "finished"])

"""Row locks, taken only here and always in one order: the case, then its chain runs, then its child rows.

Every service that changes a case locks the case row first (``case``); the stage runner locks the case through the
slot's ``SlotSpec.case_of`` before its run (``run``); rows below the case (assignments, replies, co-signers, stage
tasks) come last (``children``), ordered by primary key. Each lock names its rows with ``of=`` so a join never locks
a row it only reads (a content type, a term). Two actions on one case therefore queue on the case row instead of
deadlocking on each other's second lock.
"""

from django.db import connection, models
from django.db.utils import OperationalError

# PostgreSQL's SQLSTATEs for a transaction that lost a lock race: deadlock_detected, serialization_failure,
# lock_not_available (NOWAIT).
_LOST_RACE = {"40P01", "40001", "55P03"}


def case(model: type[models.Model], pk, *, related=()) -> models.Model:
    """Lock one case row (a proposal, a nomination case, a representative round) and return it fresh."""
    query = model._default_manager.select_for_update(of=("self",))
    if related:
        query = query.select_related(*related)
    return query.get(pk=pk)


def case_row(obj: models.Model, *, related=()) -> models.Model:
    return case(type(obj), obj.pk, related=related)


def run(run_id: int):
    """Lock a chain run, after its case (``run_with_case`` does both)."""
    from .models import StageRun

    return StageRun.objects.select_for_update(of=("self",)).select_related("slot", "version").get(pk=run_id)


def run_with_case(run_id: int, *, known=None, case_held=None):
    """Lock the case a chain runs on, then the run: the order every case-page service uses too.

    ``known`` is the caller's unlocked row of that run, read with its slot: a run's slot and subject never change,
    so they name the case to lock without reading the run first. ``case_held`` is the case row the calling service
    has already locked in this transaction (a run on the case itself): it becomes the run's subject, not read again.
    """
    from django.contrib.contenttypes.models import ContentType

    from .chains import spec_for, subject_itself
    from .models import StageRun

    slot_known = known is not None and known.pk == run_id and StageRun._meta.get_field("slot").is_cached(known)
    plain = known if slot_known else StageRun.objects.select_related("slot").get(pk=run_id)
    spec = spec_for(plain.slot.code)
    subject_model = ContentType.objects.get_for_id(plain.subject_type_id).model_class()
    if spec.case_of is subject_itself:
        # The run's subject is the case: lock it by its key and hand the locked row to the run (no second read).
        held = (case_held is not None and type(case_held) is subject_model
                and str(case_held.pk) == str(plain.subject_id))
        owner = case_held if held else case(subject_model, plain.subject_id)
        locked = run(run_id)
        locked.subject = owner
        return locked
    subjects = subject_model._default_manager.select_related(*spec.subject_related)
    owner = spec.case_of(subjects.get(pk=plain.subject_id))
    if owner is not None:
        case_row(owner)
    locked = run(run_id)
    # Read again now that the case is locked: what hangs below it can no longer change under us.
    locked.subject = subjects.get(pk=plain.subject_id)
    return locked


def children(queryset: models.QuerySet) -> list[models.Model]:
    """Lock rows below a case (after the case and its runs), in primary-key order."""
    return list(queryset.select_for_update(of=("self",)).order_by("pk"))


def bump(model: type[models.Model], field: str, **equal) -> int | None:
    """Add one to ``field`` of the row of ``model`` whose fields equal ``equal`` (a counter below a case, taken after
    it) and return the new value: one ``UPDATE … RETURNING``, which holds the row's lock to the end of the
    transaction. None when no row matches."""
    quote = connection.ops.quote_name
    column = quote(model._meta.get_field(field).column)
    where = " AND ".join(f"{quote(model._meta.get_field(name).column)} = %s" for name in equal)
    # Identifiers come from the model and every value is a bound parameter.
    statement = (f"UPDATE {quote(model._meta.db_table)} SET {column} = {column} + 1 "  # nosec B608
                 f"WHERE {where} RETURNING {column}")
    with connection.cursor() as cursor:
        cursor.execute(statement, list(equal.values()))
        row = cursor.fetchone()
    return row[0] if row else None


def child(model: type[models.Model], pk, *, related=()) -> models.Model:
    query = model._default_manager.select_for_update(of=("self",))
    if related:
        query = query.select_related(*related)
    return query.get(pk=pk)


def slot(pk: int):
    """Lock a chain slot while its draft is created (one draft per slot); definitions are never case rows."""
    from .models import FlowSlot

    return FlowSlot.objects.select_for_update(of=("self",)).get(pk=pk)


def version(pk: int):
    """Lock a definition version while it is published or retired."""
    from .models import DefinitionVersion

    return DefinitionVersion.objects.select_for_update(of=("self",)).select_related("slot").get(pk=pk)


def work_item(pk: int):
    """Lock one work item (claiming touches only the item, never its case)."""
    from .models import WorkItem

    return WorkItem.objects.select_for_update(of=("self",)).select_related("role", "unit").get(pk=pk)


def lost_race(error: BaseException) -> bool:
    """Whether a database error means another transaction won a lock race (answered as "someone acted first")."""
    while error is not None:
        if isinstance(error, OperationalError) and getattr(getattr(error, "__cause__", None), "sqlstate", None) in _LOST_RACE:
            return True
        if getattr(error, "sqlstate", None) in _LOST_RACE:
            return True
        # SQLite (the embedded default) serialises writers on the file; a writer that timed out lost the race.
        if isinstance(error, OperationalError) and "database is locked" in str(error):
            return True
        error = error.__cause__
    return False

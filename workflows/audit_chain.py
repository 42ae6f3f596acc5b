"""The audit log's hash chain: its canonical form, sealing on SQLite, verification and the archive's anchors.

Each row carries ``chain_seq`` (1, 2, 3 … with no gap) and ``chain_hash`` = SHA-256 of the row's canonical text,
which includes the previous row's hash. On PostgreSQL the database seals rows itself when the inserting
transaction commits (migration 0010: a deferred constraint trigger under a transaction-scoped advisory lock, so
sealing serialises only the commits that wrote audit rows, after every case lock is held); on SQLite
:func:`seal_sqlite` does the same in the inserting transaction (SQLite has one writer at a time).

The canonical text is the JSON array
``[1, seq, prev_hash, id, subject_type_id, subject_id, subject_label, actor_id, on_behalf_of_id, at, recorded_at,
action, from_state, to_state, comment, changes, ip_address]`` written exactly as PostgreSQL prints a ``jsonb``
(``jsonb_build_array(...)::text``): ``", "`` and ``": "`` separators, object keys shorter-first then bytewise,
numbers in plain notation, non-ASCII unescaped. Times are UTC ``YYYY-MM-DDTHH:MM:SS.ffffff``. :func:`jsonb_text`
produces the same text in Python, so ``audit_verify`` recomputes every hash without trusting the database's code.
"""

import gzip
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from django.db import connection, transaction
from django.utils.dateparse import parse_datetime

from .models import AuditAnchor, AuditEvent

FORMAT = 1
GENESIS = ""
# pg_advisory_xact_lock key of the sealing step ("tongxin" in ASCII); also in migration 0010.
SEAL_LOCK = 0x746F6E6778696E
# A row's recorded_at may go back this much against the one before it (the database clock stepping) before
# audit_verify calls it out of order; unsealed rows younger than SEAL_GRACE are still being committed.
ORDER_TOLERANCE = timedelta(seconds=5)
SEAL_GRACE = timedelta(seconds=5)
CONTENT = ("id", "subject_type_id", "subject_id", "subject_label", "actor_id", "on_behalf_of_id", "at",
           "recorded_at", "action", "from_state", "to_state", "comment", "changes", "ip_address")
_SQLITE_NOW = "STRFTIME('%%Y-%%m-%%d %%H:%%M:%%f', 'NOW')"


def _table() -> str:
    return connection.ops.quote_name(AuditEvent._meta.db_table)


# --- canonical form -------------------------------------------------------------------------------------------

_ESCAPES = {"\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t", '"': '\\"', "\\": "\\\\"}


def _json_string(text: str) -> str:
    out = []
    for char in text:
        if char in _ESCAPES:
            out.append(_ESCAPES[char])
        elif char < " ":
            out.append("\\u%04x" % ord(char))
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def _json_number(number) -> str:
    if isinstance(number, float):
        number = Decimal(repr(number))
    if isinstance(number, Decimal):
        if number == 0:
            number = abs(number)
        return format(number, "f")
    return str(int(number))


def jsonb_text(value) -> str:
    """``value`` as PostgreSQL prints it as a ``jsonb`` (numbers best given as int or Decimal)."""
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, str):
        return _json_string(value)
    if isinstance(value, int | float | Decimal):
        return _json_number(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(jsonb_text(item) for item in value) + "]"
    if isinstance(value, dict):
        keys = sorted(value, key=lambda key: (len(key.encode()), key.encode()))
        return "{" + ", ".join(f"{_json_string(key)}: {jsonb_text(value[key])}" for key in keys) + "}"
    raise TypeError(f"Not JSON: {type(value).__name__}")


def utc_text(moment) -> str | None:
    """A timestamp (aware, naive UTC as SQLite returns it, or text) as ``YYYY-MM-DDTHH:MM:SS.ffffff`` in UTC."""
    if moment is None:
        return None
    if isinstance(moment, str):
        moment = parse_datetime(moment)
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment.isoformat(timespec="microseconds")


def _changes_value(changes):
    """The stored JSON, parsed without losing a digit (PostgreSQL keeps ``1.50`` as written)."""
    if isinstance(changes, str | bytes):
        return json.loads(changes, parse_float=Decimal)
    return changes


def canonical(row: dict, *, seq: int, prev_hash: str) -> str:
    """The text hashed for one row: ``row`` maps CONTENT names to stored values."""
    return jsonb_text([
        FORMAT, seq, prev_hash, row["id"], row["subject_type_id"], row["subject_id"], row["subject_label"],
        row["actor_id"], row["on_behalf_of_id"], utc_text(row["at"]), utc_text(row["recorded_at"]), row["action"],
        row["from_state"], row["to_state"], row["comment"], _changes_value(row["changes"]), row["ip_address"],
    ])


def row_hash(row: dict, *, seq: int, prev_hash: str) -> str:
    return hashlib.sha256(canonical(row, seq=seq, prev_hash=prev_hash).encode()).hexdigest()


# --- reading rows -----------------------------------------------------------------------------------------------

def _select(where: str) -> str:
    return "SELECT chain_seq, chain_hash, %s FROM %s WHERE %s" % (", ".join(CONTENT), _table(), where)  # nosec B608  # only the model's own table and column names; values are parameters


def _as_row(values) -> tuple[int | None, str, dict]:
    return values[0], values[1], dict(zip(CONTENT, values[2:], strict=True))


def _stream(sql: str, params, *, chunk: int = 2000) -> Iterator[tuple[int | None, str, dict]]:
    """Rows through a server-side cursor on PostgreSQL: memory stays bounded however long the log is."""
    with connection.chunked_cursor() as cursor:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(chunk):
            for values in rows:
                yield _as_row(values)


def head() -> tuple[int, str]:
    """The last sealed (seq, hash): the newest row, else the newest archive anchor, else the genesis."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT chain_seq, chain_hash FROM %s WHERE chain_seq IS NOT NULL "  # nosec B608  # only the model's own table and column names; values are parameters
                       "ORDER BY chain_seq DESC LIMIT 1" % _table())
        last = cursor.fetchone()
    if last:
        return last[0], last[1]
    return anchor()


def anchor() -> tuple[int, str]:
    latest = AuditAnchor.objects.order_by("-through_seq").values_list("through_seq", "through_hash").first()
    return latest if latest else (0, GENESIS)


def seal_sqlite(event_id: int) -> None:
    """Seal one new row on SQLite (inside the inserting transaction, which holds SQLite's write lock)."""
    last_seq, last_hash = head()
    with connection.cursor() as cursor:
        cursor.execute(_select("id = %s").replace("SELECT ", "SELECT " + _SQLITE_NOW + ", ", 1), [event_id])
        values = cursor.fetchone()
        sealed_at, (_seq, _hash, row) = values[0], _as_row(values[1:])
        row["recorded_at"] = sealed_at
        digest = row_hash(row, seq=last_seq + 1, prev_hash=last_hash)
        cursor.execute("UPDATE %s SET chain_seq = %%s, chain_hash = %%s, recorded_at = %%s WHERE id = %%s" % _table(),  # nosec B608  # only the model's own table and column names; values are parameters
                       [last_seq + 1, digest, sealed_at, event_id])


# --- verification -----------------------------------------------------------------------------------------------

@dataclass
class Finding:
    kind: str  # changed | missing | out_of_order | unsealed | backdated
    seq: int | None = None
    event_id: int | None = None
    detail: str = ""

    def as_dict(self) -> dict:
        return {"finding": self.kind, "seq": self.seq, "id": self.event_id, "detail": self.detail}


@dataclass
class Verification:
    rows: int = 0
    first_seq: int | None = None
    last_seq: int | None = None
    last_hash: str = GENESIS
    anchor_seq: int = 0
    findings: list[Finding] = field(default_factory=list)
    counts: dict = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.counts

    def add(self, finding: Finding, *, keep: int) -> None:
        self.counts[finding.kind] = self.counts.get(finding.kind, 0) + 1
        if len(self.findings) < keep:
            self.findings.append(finding)

    def summary(self) -> dict:
        return {"vendor": connection.vendor, "rows_verified": self.rows, "first_seq": self.first_seq,
                "last_seq": self.last_seq, "anchor_seq": self.anchor_seq, "findings": sum(self.counts.values()),
                **{kind: self.counts.get(kind, 0) for kind in ("changed", "missing", "out_of_order", "unsealed",
                                                                 "backdated")}}


def _unsealed_where() -> str:
    if connection.vendor == "postgresql":
        return "chain_seq IS NULL AND recorded_at < clock_timestamp() - make_interval(secs => %s)"
    return "chain_seq IS NULL AND recorded_at < STRFTIME('%%Y-%%m-%%d %%H:%%M:%%f', 'now', '-' || %s || ' seconds')"


def verify(*, since_seq: int | None = None, max_backdate: timedelta | None = None, keep: int = 1000,
           on_finding=None) -> Verification:
    """Walk the chain from the archive anchor (or ``since_seq``) and report every row that does not fit.

    A changed row fails its own hash (a row rewritten with a recomputed hash fails the next row's, which holds the
    old one); a deleted row leaves a gap in ``chain_seq``; a row slipped in out of band has no seal, or a
    ``recorded_at`` earlier than the row before it. ``on_finding`` sees every finding as it is found.
    """
    result = Verification()
    start_seq, prev_hash = anchor()
    result.anchor_seq = start_seq
    if since_seq is not None and since_seq > start_seq:
        with connection.cursor() as cursor:
            cursor.execute("SELECT chain_hash FROM %s WHERE chain_seq = %%s" % _table(), [since_seq])  # nosec B608  # only the model's own table and column names; values are parameters
            found = cursor.fetchone()
        if found:
            start_seq, prev_hash = since_seq, found[0]
    expected, prev_recorded = start_seq + 1, None

    def report(finding: Finding) -> None:
        result.add(finding, keep=keep)
        if on_finding:
            on_finding(finding)

    for seq, stored_hash, row in _stream(_select("chain_seq > %s ORDER BY chain_seq"), [start_seq]):
        result.rows += 1
        result.first_seq = seq if result.first_seq is None else result.first_seq
        link_known = True
        if seq != expected:
            report(Finding("missing", seq=expected, detail="rows %s..%s are missing" % (expected, seq - 1)))
            link_known = False  # the hash this row was chained to went with the missing rows
        if link_known and row_hash(row, seq=seq, prev_hash=prev_hash) != stored_hash:
            report(Finding("changed", seq=seq, event_id=row["id"],
                           detail="hash mismatch: the row, or the hash of the row before it, was changed"))
        recorded = row["recorded_at"]
        recorded = parse_datetime(recorded) if isinstance(recorded, str) else recorded
        if recorded is not None and recorded.tzinfo is None:
            recorded = recorded.replace(tzinfo=UTC)
        if prev_recorded is not None and recorded is not None and recorded < prev_recorded - ORDER_TOLERANCE:
            report(Finding("out_of_order", seq=seq, event_id=row["id"],
                           detail="recorded_at %s is before the previous row's %s" % (
                               utc_text(recorded), utc_text(prev_recorded))))
        if max_backdate is not None and recorded is not None:
            at = parse_datetime(row["at"]) if isinstance(row["at"], str) else row["at"]
            at = at.replace(tzinfo=UTC) if at.tzinfo is None else at
            if at < recorded - max_backdate:
                report(Finding("backdated", seq=seq, event_id=row["id"],
                               detail="at %s, recorded %s" % (utc_text(at), utc_text(recorded))))
        prev_recorded = recorded if recorded is not None else prev_recorded
        prev_hash, expected = stored_hash, seq + 1
        result.last_seq, result.last_hash = seq, stored_hash
    for _seq, _hash, row in _stream(_select(_unsealed_where() + " ORDER BY id"), [SEAL_GRACE.total_seconds()]):
        result.rows += 1
        report(Finding("unsealed", event_id=row["id"], detail="row %s (%s) is outside the chain" % (
            row["id"], row["action"])))
    return result


# --- archive ------------------------------------------------------------------------------------------------------

def archivable_through(before: datetime) -> int:
    """The last seq of the longest chain prefix whose rows all happened before ``before`` (0: nothing)."""
    start, _hash = anchor()
    newer = (AuditEvent.objects.filter(chain_seq__gt=start, at__gte=before).order_by("chain_seq")
             .values_list("chain_seq", flat=True).first())
    if newer is not None:
        return newer - 1
    last = AuditEvent.objects.filter(chain_seq__isnull=False).order_by("-chain_seq").values_list(
        "chain_seq", flat=True).first()
    return last or start


def _archive_line(seq: int, stored_hash: str, row: dict, text: str) -> str:
    record = {"chain_seq": seq, "chain_hash": stored_hash, **row,
              "at": utc_text(row["at"]), "recorded_at": utc_text(row["recorded_at"]),
              "changes": json.loads(jsonb_text(_changes_value(row["changes"]))),
              # The exact text hashed, so the archive can be checked on its own: sha256(canonical) == chain_hash.
              "canonical": text}
    return json.dumps(record, ensure_ascii=False)


@dataclass
class ArchiveResult:
    rows: int
    first_seq: int
    last_seq: int
    last_hash: str
    path: str
    sha256: str


def write_archive(*, through_seq: int, path) -> ArchiveResult:
    """Write rows anchor+1..through_seq to ``path`` (gzip JSON lines, each with its canonical text), checking the
    chain on the way; raise ValueError if it is broken (an archive must not carry a tampered segment away)."""
    start_seq, prev_hash = anchor()
    expected, rows, last_hash = start_seq + 1, 0, prev_hash
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        stream = _stream(_select("chain_seq > %s AND chain_seq <= %s ORDER BY chain_seq"), [start_seq, through_seq])
        for seq, stored_hash, row in stream:
            text = canonical(row, seq=seq, prev_hash=last_hash)
            if seq != expected or hashlib.sha256(text.encode()).hexdigest() != stored_hash:
                raise ValueError("The chain is broken at seq %s: run audit_verify; nothing was archived." % seq)
            handle.write(_archive_line(seq, stored_hash, row, text) + "\n")
            rows, expected, last_hash = rows + 1, seq + 1, stored_hash
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return ArchiveResult(rows=rows, first_seq=start_seq + 1, last_seq=expected - 1, last_hash=last_hash,
                         path=str(path), sha256=digest.hexdigest())


def remove_archived(result: ArchiveResult, *, before: date, file_name: str) -> AuditAnchor:
    """Record the anchor and delete the archived rows, in one transaction, through the one path the audit table's
    trigger allows: rows covered by an anchor, deleted by the table's owner with ``tongxin.audit_archive`` set."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL tongxin.audit_archive = 'on'")
        anchor_row = AuditAnchor.objects.create(
            through_seq=result.last_seq, through_hash=result.last_hash, rows=result.rows, file_name=file_name,
            file_sha256=result.sha256, before=before)
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM %s WHERE chain_seq >= %%s AND chain_seq <= %%s" % _table(),  # nosec B608  # only the model's own table and column names; values are parameters
                           [result.first_seq, result.last_seq])
            if cursor.rowcount != result.rows:
                raise ValueError("Deleted %s rows, archived %s: rolled back." % (cursor.rowcount, result.rows))
    return anchor_row

"""The embedded default's broker: kombu's file-system transport, made safe for concurrent writers and readers.

kombu writes a message straight into the queue folder while a consumer may already be moving it away, so a worker
can read half a message (seen as a worker dying on ``JSONDecodeError`` under concurrent POSTs). Here a message is
written to a staging folder beside the queue and renamed into it, which is atomic on one file system: a consumer
only ever sees whole messages. kombu also creates a queue's exchange table and only then locks and writes it, so a
process routing a message at that moment read an empty table, and a second thread could publish before the first
had written it (a failed producer, and messages routed nowhere, seen in CI); here the table is created whole,
changed only under its lock, and a binding is written before another thread of the process may rely on it. The
folders are created by the transport, not at settings import.
"""

import fcntl
import os
import tempfile
import threading
import uuid
from pathlib import Path
from time import monotonic

from kombu.exceptions import ChannelError
from kombu.transport import TRANSPORT_ALIASES, filesystem
from kombu.utils.encoding import bytes_to_str, str_to_bytes
from kombu.utils.json import dumps, loads

SCHEME = "localfs"
_BIND_LOCK = threading.Lock()
STAGING = ".staging"


class Channel(filesystem.Channel):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for folder in (self.data_folder_in, self.data_folder_out, self.processed_folder, self.control_folder):
            Path(folder).mkdir(parents=True, exist_ok=True)
        (Path(self.data_folder_out) / STAGING).mkdir(exist_ok=True)

    def queue_bind(self, *args, **kwargs):
        # kombu records a binding in the process-wide state before writing it to the exchange file, and skips the
        # write when the state already has it: without this lock a second thread saw the binding, published, found
        # no file yet and the message was routed nowhere.
        with _BIND_LOCK:
            return super().queue_bind(*args, **kwargs)

    def get_table(self, exchange):
        file = self._exchange_file(exchange)
        try:
            with open(file, "rb") as handle:
                fcntl.flock(handle.fileno(), fcntl.LOCK_SH)
                return [filesystem.exchange_queue_t(*item) for item in loads(bytes_to_str(handle.read()))]
        except FileNotFoundError:
            return []
        except OSError as error:
            raise ChannelError(f"Cannot open {file}") from error

    def _queue_bind(self, exchange, routing_key, pattern, queue):
        file = self._exchange_file(exchange)
        entry = filesystem.exchange_queue_t(routing_key or "", pattern or "", queue or "")
        try:
            if _create_whole(file, dumps([entry])):
                return
            with open(file, "r+b") as handle:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
                entries = [filesystem.exchange_queue_t(*item) for item in loads(bytes_to_str(handle.read()))]
                if entry not in entries:
                    entries.insert(0, entry)
                    handle.seek(0)
                    handle.truncate()
                    handle.write(str_to_bytes(dumps(entries)))
                    handle.flush()
        except OSError as error:
            raise ChannelError(f"Cannot open {file}") from error

    def _put(self, queue, payload, **kwargs):
        """Put a message on ``queue``: written whole under a temporary name, then renamed into the queue folder."""
        name = f"{int(round(monotonic() * 1000))}_{uuid.uuid4()}.{queue}.msg"
        staging = Path(self.data_folder_out) / STAGING
        try:
            descriptor, temporary = tempfile.mkstemp(dir=staging, suffix=".part")
            with os.fdopen(descriptor, "wb") as handle:
                handle.write(str_to_bytes(dumps(payload)))
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temporary, os.path.join(self.data_folder_out, name))
        except OSError as error:
            raise ChannelError(f"Cannot add {name!r} to the queue folder") from error


def _create_whole(file: Path, content: str) -> bool:
    """Create ``file`` holding ``content`` in one step (written aside, then linked): False when it already exists."""
    descriptor, temporary = tempfile.mkstemp(dir=file.parent, suffix=".part")
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(str_to_bytes(content))
        os.link(temporary, file)
        return True
    except FileExistsError:
        return False
    finally:
        os.unlink(temporary)


class Transport(filesystem.Transport):
    Channel = Channel
    driver_type = driver_name = SCHEME


def register() -> None:
    """Make ``localfs://`` resolve to this transport (a URL scheme may not name an import path)."""
    TRANSPORT_ALIASES.setdefault(SCHEME, "config.broker:Transport")

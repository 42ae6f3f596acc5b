"""The embedded default's broker: kombu's file-system transport, made safe for concurrent writers and readers.

kombu writes a message straight into the queue folder while a consumer may already be moving it away, so a worker
can read half a message (seen as a worker dying on ``JSONDecodeError`` under concurrent POSTs). Here a message is
written to a staging folder beside the queue and renamed into it, which is atomic on one file system: a consumer
only ever sees whole messages. The folders are created by the transport, not at settings import.
"""

import os
import tempfile
import uuid
from pathlib import Path
from time import monotonic

from kombu.exceptions import ChannelError
from kombu.transport import TRANSPORT_ALIASES, filesystem
from kombu.utils.encoding import str_to_bytes
from kombu.utils.json import dumps

SCHEME = "localfs"
STAGING = ".staging"


class Channel(filesystem.Channel):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for folder in (self.data_folder_in, self.data_folder_out, self.processed_folder, self.control_folder):
            Path(folder).mkdir(parents=True, exist_ok=True)
        (Path(self.data_folder_out) / STAGING).mkdir(exist_ok=True)

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


class Transport(filesystem.Transport):
    Channel = Channel
    driver_type = driver_name = SCHEME


def register() -> None:
    """Make ``localfs://`` resolve to this transport (a URL scheme may not name an import path)."""
    TRANSPORT_ALIASES.setdefault(SCHEME, "config.broker:Transport")

"""Checks every stored upload passes, whatever app keeps it (proposal attachments, case documents, photos).

The type is read from the content (``filetype``), never from the name or the browser's claim; the name only has
to agree with it. An Office file is a zip: its entries are added up before anything is stored, so a small upload
that would unpack to gigabytes (a zip bomb) is refused like an oversized one. Apps raise their own errors from
the :class:`UploadRefused` code (``size``, ``type``), so each page names the field it came from.
"""

import hashlib
import zipfile
from dataclasses import dataclass

import filetype

PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
JPEG = "image/jpeg"
PNG = "image/png"

# detected type -> accepted name endings
DOCUMENTS = {
    PDF: (".pdf",),
    DOCX: (".docx",),
    XLSX: (".xlsx",),
    JPEG: (".jpg", ".jpeg"),
    PNG: (".png",),
}
IMAGES = {JPEG: DOCUMENTS[JPEG], PNG: DOCUMENTS[PNG]}
ZIPPED = (DOCX, XLSX)

# An Office document unpacks to a few times its size; these bounds leave room for large honest files.
MAX_UNPACKED_BYTES = 200 * 1024 * 1024
MAX_UNPACK_RATIO = 100
MAX_ZIP_ENTRIES = 5000


class UploadRefused(Exception):
    """``code``: "size" (too large, packed or unpacked) or "type" (content not allowed, or name disagrees)."""

    def __init__(self, code: str, *, name: str = ""):
        super().__init__(code)
        self.code = code
        self.name = name


@dataclass(frozen=True)
class CheckedUpload:
    name: str
    content_type: str
    size: int
    sha256: str


def safe_name(upload) -> str:
    """The uploader's file name without any path or NUL, for display only (files are stored under a token)."""
    return (upload.name or "").replace("\x00", "").split("/")[-1].split("\\")[-1][:200] or "file"


def sniff(upload) -> str | None:
    """The MIME type the first bytes show, or None."""
    upload.seek(0)
    head = upload.read(8192)
    upload.seek(0)
    kind = filetype.guess(head)
    return kind.mime if kind else None


def zip_within_limits(upload) -> bool:
    """Whether an Office (zip) upload unpacks within the bounds above; a broken zip is not within them."""
    upload.seek(0)
    try:
        with zipfile.ZipFile(upload) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return False
    finally:
        upload.seek(0)
    unpacked = sum(entry.file_size for entry in entries)
    packed = max(upload.size or 1, 1)
    return len(entries) <= MAX_ZIP_ENTRIES and unpacked <= MAX_UNPACKED_BYTES and unpacked <= packed * MAX_UNPACK_RATIO


def sha256_of(upload) -> str:
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()


def check(upload, *, allowed: dict, max_bytes: int) -> CheckedUpload:
    """Refuse an upload too large, of a type not in ``allowed`` (by content), or a zip that unpacks too far."""
    name = safe_name(upload)
    if upload.size > max_bytes:
        raise UploadRefused("size", name=name)
    mime = sniff(upload)
    if mime not in allowed or not name.lower().endswith(allowed[mime]):
        raise UploadRefused("type", name=name)
    if mime in ZIPPED and not zip_within_limits(upload):
        raise UploadRefused("size", name=name)
    return CheckedUpload(name=name, content_type=mime, size=upload.size, sha256=sha256_of(upload))

"""Small real files for upload tests: content that ``filetype`` recognises, built in memory."""

import io
import zipfile

from django.core.files.uploadedfile import SimpleUploadedFile

# The JPEG start-of-image and JFIF marker, then filler: enough for a content check (no image library needed).
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 200 + b"\xff\xd9"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 200
PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"


def docx(*, filler: int = 0) -> bytes:
    """A minimal .docx (a zip whose first entry is [Content_Types].xml, then word/); ``filler`` bytes of zeros
    in one more entry make it unpack far beyond its packed size."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        archive.writestr("word/document.xml", '<?xml version="1.0"?><document/>')
        if filler:
            archive.writestr("word/media/filler.bin", b"\x00" * filler)
    return buffer.getvalue()


def upload(name: str, content: bytes, content_type: str = "application/octet-stream") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)

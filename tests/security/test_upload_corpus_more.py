"""More hostile uploads, beyond the onboarding corpus (tests/sellers/corpus/build.py).

Each file is either refused with a plain reason or comes out sanitised: re-encoded,
with no trace of the payload it carried, and never stored as uploaded.
"""

from __future__ import annotations

import io
import struct
import zipfile

import pytest
from PIL import Image, PngImagePlugin
from pypdf import PdfWriter
from pypdf.generic import DictionaryObject, NameObject, TextStringObject

from sellers.documents import Refused, inspect

PAYLOAD = b"<script>alert('hallmark')</script>"


def _jpeg(size=(64, 48), mode="RGB", **save) -> bytes:
    buf = io.BytesIO()
    Image.new(mode, size, 90).save(buf, format="JPEG", **save)
    return buf.getvalue()


def _jpeg_claiming(width: int, height: int) -> bytes:
    """A tiny JPEG whose frame header claims a huge picture (a bomb detected before decoding)."""
    data = bytearray(_jpeg())
    for marker in (b"\xff\xc0", b"\xff\xc2"):
        at = data.find(marker)
        if at != -1:
            struct.pack_into(">HH", data, at + 5, height, width)
            return bytes(data)
    raise AssertionError("no SOF marker")


def _png_with_text() -> bytes:
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", PAYLOAD.decode())
    buf = io.BytesIO()
    Image.new("RGB", (40, 40), (10, 200, 30)).save(buf, format="PNG", pnginfo=info)
    return buf.getvalue()


def _jpeg_with_comment() -> bytes:
    data = _jpeg()
    comment = b"\xff\xfe" + struct.pack(">H", len(PAYLOAD) + 2) + PAYLOAD
    return data[:2] + comment + data[2:]


def _pdf(build) -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    build(writer)
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


def _embedded_exe(writer: PdfWriter) -> None:
    writer.add_attachment("invoice.exe", b"MZ" + b"\0" * 128)


def _page_open_javascript(writer: PdfWriter) -> None:
    action = DictionaryObject(
        {NameObject("/S"): NameObject("/JavaScript"), NameObject("/JS"): TextStringObject("app.alert(2)")}
    )
    writer.pages[0][NameObject("/AA")] = DictionaryObject({NameObject("/O"): action})


def _docx_like() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return out.getvalue()


def _image_format(fmt: str, mode="RGB") -> bytes:
    buf = io.BytesIO()
    Image.new(mode, (32, 32), 128).save(buf, format=fmt)
    return buf.getvalue()


CASES = [
    ("jpeg-claiming-40000x40000.jpg", _jpeg_claiming(40_000, 40_000), "refused"),
    ("png-with-html-text-chunk.png", _png_with_text(), "sanitised"),
    ("jpeg-with-script-comment.jpg", _jpeg_with_comment(), "sanitised"),
    ("cmyk.jpg", _jpeg(mode="CMYK"), "sanitised"),
    ("pdf-with-embedded-exe.pdf", _pdf(_embedded_exe), "refused"),
    ("pdf-page-open-javascript.pdf", _pdf(_page_open_javascript), "refused"),
    ("docx-named.pdf", _docx_like(), "refused"),
    ("tiff-named.jpg", _image_format("TIFF"), "refused"),
    ("bitmap-named.png", _image_format("BMP"), "refused"),
    ("elf-binary.pdf", b"\x7fELF\x02\x01\x01" + b"\0" * 200, "refused"),
    ("php-shell.jpg", b"<?php system($_GET['c']); ?>", "refused"),
    ("pdf-after-junk.pdf", b"\0" * 600 + _pdf(lambda w: None), "refused"),
]


@pytest.mark.parametrize(("name", "data", "expected"), CASES, ids=[c[0] for c in CASES])
def test_hostile_upload_is_refused_or_sanitised(name, data, expected):
    try:
        clean = inspect(data)
    except Refused as refusal:
        assert expected == "refused", f"{name} was refused: {refusal.reason}"
        assert refusal.reason and len(refusal.reason) < 300  # a plain sentence, not a traceback
        return
    assert expected == "sanitised", f"{name} was accepted as {clean.content_type}"
    assert clean.content != data, "stored as uploaded"
    assert PAYLOAD not in clean.content
    if clean.content_type.startswith("image/"):
        reopened = Image.open(io.BytesIO(clean.content))
        reopened.load()
        assert not reopened.info.get("Comment") and not reopened.info.get("comment")
        assert reopened.mode in ("RGB", "L", "RGBA")


def test_the_two_corpora_hold_at_least_thirty_files():
    from tests.sellers.corpus.build import corpus

    assert len(corpus()) + len(CASES) >= 30

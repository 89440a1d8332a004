"""Checks and sanitising for uploaded documents (see sellers/documents/__init__.py)."""

from __future__ import annotations

import hashlib
import io
import re
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import imagehash
from django.conf import settings
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError
from pypdf import PdfReader, PdfWriter
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject

from sellers.documents import sniff as sniffing

MAX_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 40_000_000  # a 40-megapixel scan is plenty for a document
MAX_PDF_PAGES = 200
_MAX_PDF_NODES = 200_000
THUMBNAIL_SIZE = (320, 320)

# Decompression bombs raise (DecompressionBombError above 2x; the warning between
# 1x and 2x is turned into an error in _open_image).
Image.MAX_IMAGE_PIXELS = MAX_PIXELS
_PIL_FORMATS = {sniffing.JPEG: "JPEG", sniffing.PNG: "PNG", sniffing.WEBP: "WEBP"}


class Refused(Exception):
    """The file is not accepted; ``reason`` is shown to the seller as is."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class CleanFile:
    content: bytes
    content_type: str
    extension: str
    sha256: str  # of the bytes as uploaded: the "same file" test across sellers
    phash: int | None = None  # unsigned 64-bit perceptual hash (images only)
    thumbnail: bytes | None = None  # PNG


class FileCheck(Protocol):
    """A pluggable check (antivirus, a KYB provider's document check…).

    Called with the raw bytes and the sniffed type before sanitising; raise
    ``Refused`` to refuse the file.
    """

    def __call__(self, *, data: bytes, content_type: str) -> None: ...


_EXTRA_CHECKS: list[FileCheck] = []


def register_check(check: FileCheck) -> FileCheck:
    _EXTRA_CHECKS.append(check)
    return check


def unregister_check(check: FileCheck) -> None:
    if check in _EXTRA_CHECKS:
        _EXTRA_CHECKS.remove(check)


def _configured_checks() -> list[FileCheck]:
    """Checks named in settings.HALLMARK_DOCUMENT_CHECKS (dotted paths), e.g. an antivirus adapter."""
    return [import_string(path) for path in getattr(settings, "HALLMARK_DOCUMENT_CHECKS", ())]


def inspect(data: bytes) -> CleanFile:
    """Run the whole pipeline over ``data``; raise ``Refused`` with a plain reason."""
    if not data:
        raise Refused(_("The file is empty."))
    if len(data) > MAX_BYTES:
        raise Refused(_("The file is larger than 10 MB. Please upload a smaller scan or a PDF."))
    content_type = sniffing.sniff(data[:64])
    if content_type is None:
        raise Refused(
            _("The file is %(what)s, not a JPEG, PNG or WebP image or a PDF. Please upload one of those.")
            % {"what": sniffing.describe(data)}
        )
    for check in [*_configured_checks(), *_EXTRA_CHECKS]:
        check(data=data, content_type=content_type)
    sha256 = hashlib.sha256(data).hexdigest()
    if content_type == sniffing.PDF:
        return CleanFile(content=_sanitise_pdf(data), content_type=sniffing.PDF, extension="pdf", sha256=sha256)
    return _sanitise_image(data, content_type, sha256)


# --- images ----------------------------------------------------------------------------


def _open_image(data: bytes, content_type: str) -> Image.Image:
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(data), formats=[_PIL_FORMATS[content_type]])
            image.load()  # decode every pixel now: truncated files fail here, not later
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise Refused(
                _("The image has too many pixels (more than %(max)s megapixels).") % {"max": MAX_PIXELS // 1_000_000}
            ) from exc
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError, MemoryError) as exc:
            raise Refused(_("The image is damaged or incomplete and cannot be read.")) from exc
    return image


def _sanitise_image(data: bytes, content_type: str, sha256: str) -> CleanFile:
    image = _open_image(data, content_type)
    try:
        image = ImageOps.exif_transpose(image)  # keep the picture upright once EXIF is gone
    except Exception:  # a broken orientation tag is not worth refusing the scan
        image = image.copy()
    has_alpha = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
    image = image.convert("RGBA" if has_alpha else "RGB")
    # A fresh image carries pixels only: no EXIF, GPS, ICC, text chunks or trailing bytes.
    clean = Image.new(image.mode, image.size)
    clean.paste(image)
    out = io.BytesIO()
    if content_type == sniffing.JPEG and not has_alpha:
        clean.save(out, format="JPEG", quality=90, optimize=True)
        result_type, extension = sniffing.JPEG, "jpg"
    else:
        clean.save(out, format="PNG", optimize=True)
        result_type, extension = sniffing.PNG, "png"
    thumb = clean.copy()
    thumb.thumbnail(THUMBNAIL_SIZE)
    thumb_out = io.BytesIO()
    thumb.save(thumb_out, format="PNG")
    phash = int(str(imagehash.phash(clean.convert("RGB"))), 16)
    return CleanFile(
        content=out.getvalue(),
        content_type=result_type,
        extension=extension,
        sha256=sha256,
        phash=phash,
        thumbnail=thumb_out.getvalue(),
    )


# --- PDFs --------------------------------------------------------------------------------

_ACTIVE_KEYS = {
    "/JS": "javascript",
    "/JavaScript": "javascript",
    "/Launch": "launch",
    "/EmbeddedFiles": "embedded",
    "/EmbeddedFile": "embedded",
    "/RichMedia": "embedded",
    "/XFA": "javascript",
}
_ACTIVE_ACTIONS = {"/JavaScript": "javascript", "/Launch": "launch", "/ImportData": "launch", "/Rendition": "launch"}
# Belt and braces for objects no page or catalogue refers to (they would be dropped on
# rewrite, but a file that carries them is not an honest document).
_RAW_ACTIVE = re.compile(rb"/(JavaScript|JS|Launch)\b")


def _refusal(kind: str) -> Refused:
    return Refused(
        {
            "javascript": _(
                "The PDF contains JavaScript, which we do not accept. Please export it again as a plain PDF."
            ),
            "launch": _("The PDF tries to open other files or programs, which we do not accept."),
            "embedded": _("The PDF carries embedded files or media, which we do not accept."),
        }[kind]
    )


def _scan_pdf(root) -> None:
    seen: set[tuple[int, int]] = set()
    stack = [root]
    visited = 0
    while stack:
        node = stack.pop()
        visited += 1
        if visited > _MAX_PDF_NODES:
            raise Refused(_("The PDF is too complex to check safely."))
        if isinstance(node, IndirectObject):
            key = (node.idnum, node.generation)
            if key in seen:
                continue
            seen.add(key)
            node = node.get_object()
        if isinstance(node, DictionaryObject):
            for name, value in node.items():
                if name in _ACTIVE_KEYS:
                    raise _refusal(_ACTIVE_KEYS[name])
                if name == "/S" and isinstance(value, NameObject) and value in _ACTIVE_ACTIONS:
                    raise _refusal(_ACTIVE_ACTIONS[value])
                stack.append(value)
        elif isinstance(node, ArrayObject):
            stack.extend(node)


def _sanitise_pdf(data: bytes) -> bytes:
    if _RAW_ACTIVE.search(data):
        match = _RAW_ACTIVE.search(data).group(1)
        raise _refusal("launch" if match == b"Launch" else "javascript")
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            raise Refused(_("The PDF is password-protected or encrypted. Please upload it without protection."))
        if len(reader.pages) == 0:
            raise Refused(_("The PDF has no pages."))
        if len(reader.pages) > MAX_PDF_PAGES:
            raise Refused(_("The PDF has more than %(max)s pages.") % {"max": MAX_PDF_PAGES})
        _scan_pdf(reader.trailer)
        # Rewriting page by page drops metadata, incremental updates and anything after %%EOF.
        writer = PdfWriter()
        for page in reader.pages:
            page.mediabox  # noqa: B018  (parse every page box)
            writer.add_page(page)
        out = io.BytesIO()
        writer.write(out)
    except Refused:
        raise
    except Exception as exc:  # pypdf raises many kinds on damaged input
        raise Refused(_("The PDF is damaged or incomplete and cannot be read.")) from exc
    return out.getvalue()


def checks() -> list[Callable]:
    return list(_EXTRA_CHECKS)

"""Build the hostile-file corpus: real bytes, written by this script (nothing is mocked).

    .venv/bin/python -m tests.sellers.corpus.build /tmp/corpus

Each entry is (file name, bytes, expected outcome): ``("refused", words in the
reason)`` or ``("sanitised", content type of the stored copy)``. The tests build
the corpus into a temporary folder; the large files are never committed.
"""

from __future__ import annotations

import io
import sys
import zipfile
from pathlib import Path

from PIL import ExifTags, Image, ImageDraw
from PIL.PngImagePlugin import PngInfo
from pypdf import PdfWriter
from pypdf.generic import ArrayObject, DictionaryObject, NameObject, TextStringObject

TEN_MB = 10 * 1024 * 1024


def _jpeg(size=(400, 300), **save) -> bytes:
    image = Image.new("RGB", size, (200, 210, 220))
    ImageDraw.Draw(image).rectangle([40, 40, 300, 200], fill=(20, 60, 140))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=90, **save)
    return out.getvalue()


def _png(size=(300, 300), mode="RGB") -> bytes:
    image = Image.new(mode, size, 255 if mode in ("1", "L") else (250, 250, 250))
    info = PngInfo()
    info.add_text("Comment", "scanned by an office copier")  # metadata the re-encode must drop
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True, pnginfo=info)
    return out.getvalue()


def _pdf(mutate=None, *, password: str | None = None) -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    if mutate:
        mutate(writer)
    if password:
        writer.encrypt(password, algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _raw_pdf(catalog_extra: str) -> bytes:
    """A hand-written PDF, for tricks a PDF library would normalise away."""
    objects = [
        f"<< /Type /Catalog /Pages 2 0 R {catalog_extra} >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
    ]
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n{body}\nendobj\n".encode("latin-1")
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for offset in offsets:
        out += f"{offset:010d} 00000 n \n".encode()
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def _open_action(action: dict):
    def mutate(writer: PdfWriter):
        writer._root_object[NameObject("/OpenAction")] = DictionaryObject(
            {NameObject(k): (NameObject(v) if v.startswith("/") else TextStringObject(v)) for k, v in action.items()}
        )

    return mutate


def _names_javascript(writer: PdfWriter) -> None:
    action = DictionaryObject({NameObject("/S"): NameObject("/JavaScript"), NameObject("/JS"): TextStringObject("x()")})
    tree = DictionaryObject({NameObject("/Names"): ArrayObject([TextStringObject("doc"), action])})
    writer._root_object[NameObject("/Names")] = DictionaryObject({NameObject("/JavaScript"): tree})


def _gps_jpeg() -> bytes:
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "PhoneMaker"
    exif[ExifTags.Base.GPSInfo] = {
        ExifTags.GPS.GPSLatitudeRef: "N",
        ExifTags.GPS.GPSLatitude: (52.0, 31.0, 12.0),
        ExifTags.GPS.GPSLongitudeRef: "E",
        ExifTags.GPS.GPSLongitude: (13.0, 24.0, 36.0),
    }
    return _jpeg(exif=exif)


def _zip() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("invoice.exe", b"MZ" + b"\0" * 64)
    return out.getvalue()


SVG = b"""<?xml version="1.0"?>
<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(document.cookie)</script></svg>"""
HTML = b"<!DOCTYPE html><html><body><script>fetch('/seller/').then(r=>r.text()).then(alert)</script></body></html>"


def corpus() -> list[tuple[str, bytes, tuple[str, str]]]:
    jpeg = _jpeg()
    png = _png()
    return [
        # decompression bombs: 100 and 50 megapixels of one colour, a few kilobytes on disk
        ("bomb-100mp.png", _png((10_000, 10_000), mode="1"), ("refused", "too many pixels")),
        ("bomb-50mp.png", _png((7_100, 7_100), mode="1"), ("refused", "too many pixels")),
        ("page.html.jpg", HTML, ("refused", "web page")),
        ("drawing.svg.png", SVG, ("refused", "SVG")),
        ("polyglot-png-html.png", png + HTML, ("sanitised", "image/png")),
        ("html-then-png.png", b"<html><!-- " + png + b" --></html>", ("refused", "web page")),
        (
            "javascript-openaction.pdf",
            _pdf(_open_action({"/S": "/JavaScript", "/JS": "app.alert(1)"})),
            ("refused", "JavaScript"),
        ),
        ("javascript-names.pdf", _pdf(_names_javascript), ("refused", "JavaScript")),
        (
            "javascript-obfuscated.pdf",
            _raw_pdf("/OpenAction << /S /J#61vaScript /J#53 (app.alert(1)) >>"),
            ("refused", "JavaScript"),
        ),
        ("launch-action.pdf", _pdf(_open_action({"/S": "/Launch", "/F": "calc.exe"})), ("refused", "programs")),
        ("encrypted.pdf", _pdf(password="hunter2"), ("refused", "encrypted")),
        ("damaged.pdf", b"%PDF-1.7\n1 0 obj << /Type /Catalog >>\n" + b"\x00garbage" * 50, ("refused", "damaged")),
        ("truncated.jpg", jpeg[: len(jpeg) // 2], ("refused", "damaged or incomplete")),
        ("truncated.png", png[: len(png) - 30], ("refused", "damaged or incomplete")),
        ("empty.jpg", b"", ("refused", "empty")),
        ("oversize.jpg", jpeg + b"\0" * (TEN_MB + 1 - len(jpeg)), ("refused", "larger than 10 MB")),
        ("image-named.pdf", png, ("sanitised", "image/png")),
        ("gps-exif.jpg", _gps_jpeg(), ("sanitised", "image/jpeg")),
        ("trailing-payload.pdf", _pdf() + b"\n<script>alert(1)</script>\n", ("sanitised", "application/pdf")),
        ("program.pdf", b"MZ\x90\x00" + b"\0" * 200, ("refused", "program")),
        ("archive.jpg", _zip(), ("refused", "archive")),
        ("animation.gif", b"GIF89a" + b"\0" * 40, ("refused", "GIF")),
    ]


def build(target: Path) -> list[tuple[Path, tuple[str, str]]]:
    target.mkdir(parents=True, exist_ok=True)
    written = []
    for name, data, expected in corpus():
        path = target / name
        path.write_bytes(data)
        written.append((path, expected))
    return written


if __name__ == "__main__":
    for path, expected in build(Path(sys.argv[1] if len(sys.argv) > 1 else "corpus-out")):
        print(f"{path.stat().st_size:>10}  {path.name:<28} {expected[0]}: {expected[1]}")

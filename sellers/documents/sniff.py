"""The real type of a file from its first bytes, never from its name or claimed type."""

from __future__ import annotations

JPEG = "image/jpeg"
PNG = "image/png"
WEBP = "image/webp"
PDF = "application/pdf"

ALLOWED = (JPEG, PNG, WEBP, PDF)


def sniff(head: bytes) -> str | None:
    """The allowed type the magic bytes announce, or None."""
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    # The PDF header must open the file: a header further in is how polyglots hide.
    if head.startswith(b"%PDF-"):
        return PDF
    return None


def describe(head: bytes) -> str:
    """A plain name for what a refused file looks like, for the refusal message."""
    text = head[:512].lstrip().lower()
    if text.startswith(b"<svg") or (text.startswith(b"<?xml") and b"<svg" in text):
        return "an SVG drawing"
    if text.startswith((b"<!doctype html", b"<html", b"<script", b"<head", b"<body")):
        return "a web page (HTML)"
    if head.startswith(b"GIF8"):
        return "a GIF image"
    if head.startswith((b"PK\x03\x04", b"Rar!", b"7z\xbc\xaf")):
        return "an archive"
    if head.startswith((b"MZ", b"\x7fELF")):
        return "a program"
    return "a file of an unknown type"

"""Documents: a 12-megapixel JPEG through the whole pipeline, and a decompression bomb.

``document_upload`` (quarantine, row, audit) with the task run on commit
(Celery eager, as in the embedded mode) so the timing covers
``document_process`` too: sniffing, decoding every pixel, re-encoding
without metadata, thumbnail, perceptual hash, fingerprint, audit. Baseline:
Pillow alone decoding and re-encoding the same JPEG (the irreducible work).
Targets: under 1.5 s; the bomb (a 900-megapixel PNG of a few hundred KB)
refused in under 100 ms with under 100 MB of extra memory.
"""

import io
import random
import struct
import time
import zlib

from common import check, current_rss_mb, emit, peak_rss_since_reset_mb, reset_peak_rss, setup_django, summary

setup_django()

from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: E402
from PIL import Image, ImageDraw  # noqa: E402

from sellers.models import Document, Seller  # noqa: E402
from sellers.services import documents  # noqa: E402

RUNS = 5


def scan_like_jpeg(width: int = 4000, height: int = 3000) -> bytes:
    """A believable scanned page: paper tone, lines of 'text', a stamp, sensor noise."""
    rng = random.Random(3)
    image = Image.new("RGB", (width, height), (236, 232, 222))
    draw = ImageDraw.Draw(image)
    for y in range(300, height - 300, 70):
        x = 250
        while x < width - 400:
            word = rng.randint(60, 260)
            draw.rectangle([x, y, x + word, y + 26], fill=(40, 40, 48))
            x += word + rng.randint(25, 45)
    draw.ellipse([width - 1100, height - 1000, width - 400, height - 300], outline=(30, 60, 160), width=18)
    noise = Image.effect_noise((width, height), 18).convert("RGB")
    image = Image.blend(image, noise, 0.08)
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=88)
    return out.getvalue()


def png_bomb(width: int = 30_000, height: int = 30_000) -> bytes:
    """A 1-bit PNG whose header promises 900 megapixels; the data is all zeros."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    row = b"\x00" * (1 + (width + 7) // 8)
    compressor = zlib.compressobj(9)
    body = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", body) + chunk(b"IEND", b"")


def upload(seller, data: bytes, name: str) -> tuple[float, Document]:
    started = time.perf_counter()
    document = documents.document_upload(
        seller=seller, kind="business_registration", uploaded_file=SimpleUploadedFile(name, data), actor=None
    )
    took = time.perf_counter() - started
    document.refresh_from_db()
    return took, document


def main() -> None:
    seller = Seller.objects.filter(status="active").first()
    bomb = png_bomb()

    # Warm up with a small scan (first use imports numpy/scipy for the hash), then
    # the bomb, so the process's peak memory is not already raised by the big JPEG.
    upload(seller, scan_like_jpeg(400, 300), "warm-up.jpg")
    rss_before = current_rss_mb()
    reset_peak_rss()
    bomb_times, bomb_docs = [], []
    for _ in range(RUNS):
        took, document = upload(seller, bomb, "registration.png")
        bomb_times.append(took)
        bomb_docs.append(document)
    bomb_peak = peak_rss_since_reset_mb()
    bomb_extra_mb = round(bomb_peak - rss_before, 1)
    refused = all(d.status == Document.Status.REJECTED for d in bomb_docs)

    jpeg = scan_like_jpeg()
    pipeline, accepted = [], True
    for _ in range(RUNS):
        took, document = upload(seller, jpeg, "registration-scan.jpg")
        pipeline.append(took)
        accepted &= document.status == Document.Status.ACCEPTED and document.phash is not None

    def pillow_only():
        image = Image.open(io.BytesIO(jpeg))
        image.load()
        image.save(io.BytesIO(), format="JPEG", quality=90)

    baseline = []
    for _ in range(RUNS):
        started = time.perf_counter()
        pillow_only()
        baseline.append(time.perf_counter() - started)

    whole, bomb_s = summary(pipeline), summary(bomb_times)
    emit(
        "documents",
        {
            "JPEG": f"{4000 * 3000 / 1e6:.0f} MP, {len(jpeg) / 2**20:.1f} MB",
            "whole pipeline (upload + process)": whole,
            "baseline: Pillow decode + re-encode only": summary(baseline),
            "bomb": f"PNG {len(bomb) / 1024:.0f} KB declaring 30000x30000 px",
            "bomb refusal": bomb_s,
            "bomb rejection reason": bomb_docs[0].rejection_reason,
            "RSS before the bomb (MB)": rss_before,
            "peak RSS while refusing the bomb (MB)": bomb_peak,
        },
        [
            check("12 MP JPEG, whole pipeline p95 (ms)", whole["p95_ms"], "< 1,500 ms", whole["p95_ms"] < 1500),
            check("12 MP JPEG accepted and fingerprinted", accepted, "yes", accepted),
            check("bomb refused, p95 (ms)", bomb_s["p95_ms"], "< 100 ms", refused and bomb_s["p95_ms"] < 100),
            check("bomb: extra peak memory (MB)", bomb_extra_mb, "< 100 MB", bomb_extra_mb < 100),
        ],
    )


if __name__ == "__main__":
    main()

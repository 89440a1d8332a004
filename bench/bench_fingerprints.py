"""Image matching: near-duplicates (Hamming ≤ 8) among the stored hashes (a million).

Index: ``portal.fingerprints.find_near`` (multi-index hashing over four 16-bit
bands). Baseline: ``scan_near``, the linear scan, on a few of the same
queries; both must return the same matches. Half the queries are planted
near an existing hash (0 to 8 bits flipped, spread over the bands), half random.
Target: under 50 ms per lookup.
"""

import random
import statistics
import time

from common import check, emit, setup_django, summary

setup_django()

from portal import fingerprints  # noqa: E402
from portal.models import ImageFingerprint  # noqa: E402

QUERIES = 200
SCANS = 3


def main() -> None:
    rng = random.Random(11)
    stored = ImageFingerprint.objects.count()
    top = ImageFingerprint.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    sample_ids = [rng.randint(1, top) for _ in range(QUERIES // 2)]
    planted = list(ImageFingerprint.objects.filter(pk__in=sample_ids).values_list("phash", flat=True))
    near = set()
    for phash in planted:
        value = fingerprints.to_unsigned(phash)
        for bit in rng.sample(range(64), rng.randint(0, 8)):
            value ^= 1 << bit
        near.add(value)
    queries = list(near) + [rng.getrandbits(64) for _ in range(QUERIES - len(near))]
    rng.shuffle(queries)

    found = missed = 0
    index_samples = []
    for q in queries:
        started = time.perf_counter()
        matches = fingerprints.find_near(q)
        index_samples.append(time.perf_counter() - started)
        found += bool(matches)
        missed += q in near and not matches

    scan_samples = []
    agree = True
    for q in queries[:SCANS]:
        started = time.perf_counter()
        scanned = fingerprints.scan_near(q)
        scan_samples.append(time.perf_counter() - started)
        agree &= scanned == fingerprints.find_near(q)

    index = summary(index_samples)
    speedup = statistics.median(scan_samples) / statistics.median(index_samples)
    emit(
        "image matching",
        {
            "stored hashes": stored,
            "index lookup (find_near)": index,
            "linear scan baseline (scan_near)": summary(scan_samples),
            "queries with a match (planted: about half)": f"{found} of {len(queries)}",
            "speed-up, median": round(speedup, 1),
        },
        [
            check("index lookup p95 (ms)", index["p95_ms"], "< 50 ms", index["p95_ms"] < 50),
            check("median speed-up over linear scan", round(speedup, 1), "> 1 (sub-linear)", speedup > 1),
            check("index returns exactly the scan's matches", agree, "identical", agree),
            check("planted near-duplicates missed", missed, f"0 of {len(near)}", missed == 0),
        ],
    )


if __name__ == "__main__":
    main()

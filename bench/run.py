"""Run every benchmark against a fresh PostgreSQL database and record the results.

    .venv/bin/python bench/run.py --preset small     # make bench (under 10 minutes)
    .venv/bin/python bench/run.py --preset large     # make bench-full

Steps: drop and recreate the bench database (``hallmark_bench`` by default;
``BENCH_DATABASE_URL`` overrides), migrate, ``seed_scale`` at the preset, then
each ``bench/bench_*.py`` in its own process (a time limit each). Results are
printed and appended to bench/RESULTS.md with the date, the machine and the
PostgreSQL version. Every benchmark measures its own baseline in the same run.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
RESULTS = BENCH / "RESULTS.md"
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/hallmark_bench"
# Image matching is measured on a million stored hashes in both presets.
FINGERPRINTS = 1_000_000
SCRIPTS = [
    "bench_fingerprints.py",
    "bench_audit.py",
    "bench_gate.py",
    "bench_notices.py",
    "bench_queue.py",
    "bench_claim.py",
    "bench_documents.py",
    "bench_dashboard.py",
]
TIME_LIMIT = {"small": 240, "large": 3600}


def _psql_admin(url: str, sql: str) -> str:
    import psycopg

    parts = urlsplit(url)
    admin = urlunsplit(parts._replace(path="/postgres"))
    conn = psycopg.connect(admin, autocommit=True)
    try:
        with conn.cursor() as cursor:
            cursor.execute(sql)
            return cursor.fetchone()[0] if cursor.description else ""
    finally:
        conn.close()


def recreate_database(url: str) -> None:
    name = urlsplit(url).path.lstrip("/")
    if not name.startswith("hallmark_bench"):
        raise SystemExit(f"refusing to drop {name!r}: the bench database's name must start with hallmark_bench")
    _psql_admin(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    _psql_admin(url, f'CREATE DATABASE "{name}"')


def machine(url: str) -> dict[str, str]:
    with open("/proc/meminfo") as f:
        total_kb = int(next(line for line in f if line.startswith("MemTotal")).split()[1])
    cpu = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    return {
        "cores": str(os.cpu_count()),
        "memory": f"{total_kb / 2**20:.1f} GiB",
        "cpu": cpu,
        "os": platform.platform(),
        "python": platform.python_version(),
        "postgresql": _psql_admin(url, "SELECT version()").split(" on ")[0],
        "load": " / ".join(f"{x:.1f}" for x in os.getloadavg()),
        "commit": commit.stdout.strip() or "unknown",
    }


def run_step(cmd: list[str], env: dict[str, str], limit: int) -> tuple[int, str, float]:
    started = time.perf_counter()
    try:
        proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=limit)
        code, out = proc.returncode, proc.stdout + proc.stderr
    except subprocess.TimeoutExpired as exc:
        code, out = -1, f"{exc.stdout or ''}{exc.stderr or ''}\n(time limit of {limit}s reached)"
    return code, out, time.perf_counter() - started


def _fmt(value) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:,.2f}"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_fmt(v)}" for k, v in value.items()) + "}"
    return str(value)


def render(preset: str, info: dict, seed: dict, results: list[dict], total: float) -> str:
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        f"## {now} — preset `{preset}`",
        "",
        f"- Machine: {info['cores']} cores, {info['memory']} memory, {info['cpu']}",
        f"- {info['os']}; Python {info['python']}",
        f"- {info['postgresql']}; commit `{info['commit']}`; whole run {total:.0f} s",
        f"- Load average (1/5/15 min) at the start: {info['load']}; at the end: "
        + " / ".join(f"{x:.1f}" for x in os.getloadavg()),
        f"- Seed ({seed.get('seconds', '?')} s): "
        + ", ".join(f"{k} {v:,}" for k, v in seed.get("created", {}).items()),
        "",
        "| Benchmark | Check | Value | Target | Met |",
        "|---|---|---|---|---|",
    ]
    for result in results:
        if result.get("skipped"):
            lines.append(f"| {result['name']} | skipped: {result['skipped']} | | | |")
            continue
        if result.get("error"):
            lines.append(f"| {result['name']} | failed to run (see below) | | | ✗ |")
            continue
        for chk in result["checks"]:
            mark = "✓" if chk["ok"] else "✗"
            lines.append(f"| {result['name']} | {chk['what']} | {_fmt(chk['value'])} | {chk['target']} | {mark} |")
    lines += ["", "<details><summary>Measurements</summary>", ""]
    for result in results:
        lines.append(f"**{result['name']}**" + (f" ({result['seconds']:.0f} s)" if "seconds" in result else ""))
        lines.append("")
        if result.get("error"):
            lines += ["```", result["error"][-2000:], "```", ""]
            continue
        for key, value in result.get("metrics", {}).items():
            lines.append(f"- {key}: {_fmt(value)}")
        lines.append("")
    lines += ["</details>", ""]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--preset", choices=["small", "large"], default="small")
    parser.add_argument("--only", nargs="*", help="run only these scripts (e.g. bench_gate)")
    parser.add_argument("--no-record", action="store_true", help="print, but do not append to RESULTS.md")
    args = parser.parse_args()

    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    started = time.perf_counter()
    var_dir = tempfile.mkdtemp(prefix="hallmark-bench-")
    env = dict(
        os.environ,
        DATABASE_URL=url,
        DJANGO_SETTINGS_MODULE="bench.settings",
        BENCH_PRESET=args.preset,
        HALLMARK_VAR_DIR=var_dir,
        PYTHONPATH=str(ROOT),
        PYTHONUNBUFFERED="1",
    )
    env.pop("DJANGO_DEBUG", None)
    python = sys.executable
    manage = [python, str(ROOT / "manage.py")]

    print(f"bench: preset {args.preset}, database {urlsplit(url).path.lstrip('/')}", flush=True)
    recreate_database(url)
    info = machine(url)
    code, out, took = run_step([*manage, "migrate", "--noinput", "-v0"], env, 600)
    if code:
        print(out)
        return 1
    print(f"bench: migrated in {took:.0f}s; seeding …", flush=True)
    code, out, took = run_step(
        [*manage, "seed_scale", f"--preset={args.preset}", f"--fingerprints={FINGERPRINTS}", "--json"],
        env,
        TIME_LIMIT[args.preset] * 2,
    )
    if code:
        print(out)
        return 1
    seed = json.loads(out.strip().splitlines()[-1])
    print(f"bench: seeded in {took:.0f}s: {seed['created']}", flush=True)

    results = []
    for script in SCRIPTS:
        name = script.removesuffix(".py")
        if args.only and name not in args.only:
            continue
        print(f"bench: {name} …", flush=True)
        code, out, took = run_step([python, str(BENCH / script)], env, TIME_LIMIT[args.preset])
        found = [line[len("RESULT ") :] for line in out.splitlines() if line.startswith("RESULT ")]
        if code == 0 and found:
            result = json.loads(found[-1])
        else:
            result = {"name": name, "error": out.strip() or f"exit code {code}"}
        result["seconds"] = took
        results.append(result)
        if result.get("error"):
            print(f"  failed ({took:.0f}s):\n{result['error'][-1500:]}", flush=True)
        elif result.get("skipped"):
            print(f"  skipped: {result['skipped']}", flush=True)
        else:
            for chk in result["checks"]:
                print(
                    f"  {'ok  ' if chk['ok'] else 'MISS'} {chk['what']}: {_fmt(chk['value'])} (target {chk['target']})"
                )

    report = render(args.preset, info, seed, results, time.perf_counter() - started)
    print()
    print(report)
    if not args.no_record:
        with RESULTS.open("a", encoding="utf-8") as f:
            f.write("\n" + report)
        print(f"bench: appended to {RESULTS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Proofs from the stored tree: checked by the shipped script, a fixed number of queries, bad input refused."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portal import audit, services
from portal.api_auth import Scope
from portal.audit import notes, proofs
from portal.audit.seal import seal
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

SCRIPT = Path(__file__).resolve().parents[2] / "tools" / "verify_audit_export.py"
_spec = importlib.util.spec_from_file_location("verify_audit_export", SCRIPT)
verifier = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(verifier)


def _log(n: int, settings_fixture) -> None:
    """``n`` events, each sealed in its own batch, so every tree size 1..n has a signed checkpoint."""
    settings_fixture.HALLMARK_AUDIT_SEAL_INLINE = False
    target = UserFactory()
    for i in range(n):
        audit.record(action=audit.PortalAction.USER_CHANGED, actor=None, target=target, changes={"i": i})
        seal()


def _run(flag: str, obj: dict, tmp_path: Path) -> subprocess.CompletedProcess:
    path = tmp_path / "proof.json"
    path.write_text(json.dumps(obj))
    key = notes.verifiers()[0].text
    return subprocess.run(
        [sys.executable, "-I", str(SCRIPT), flag, str(path), "--key", key], capture_output=True, text=True
    )


def test_every_inclusion_and_consistency_proof_of_a_small_log_verifies(settings, tmp_path):
    _log(13, settings)
    keys = verifier.parse_keys([notes.verifiers()[0].text])
    for size in range(1, 14):
        for seq in range(1, size + 1):
            verifier.check_inclusion(proofs.inclusion(seq, size), keys, "proof")
        for old in range(1, size + 1):
            proof = proofs.consistency(old, size)
            assert len(proof["hashes"]) == verifier.consistency_length(old, size) if old < size else not proof["hashes"]
    # and through the command line, as an auditor runs it
    assert _run("--inclusion", proofs.inclusion(5, 13), tmp_path).returncode == 0
    assert _run("--consistency", proofs.consistency(6, 13), tmp_path).returncode == 0
    assert _run("--consistency", proofs.consistency(13, 13), tmp_path).returncode == 0


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.data())
def test_proofs_at_random_sizes_verify_with_the_script(settings_override, tmp_path, data):
    del tmp_path
    keys = verifier.parse_keys([notes.verifiers()[0].text])
    size = proofs.latest_checkpoint().tree_size
    seq = data.draw(st.integers(1, size))
    verifier.check_inclusion(proofs.inclusion(seq, size), keys, "proof")
    old = data.draw(st.integers(1, size))
    proof = proofs.consistency(old, size)
    if old < size:
        hashes = [verifier.unb64_hash(h, "hash") for h in proof["hashes"]]
        old_cp = notes.open_checkpoint(proof["old_checkpoint"])
        new_cp = notes.open_checkpoint(proof["new_checkpoint"])
        old_root, new_root = verifier.roots_from_consistency(old, size, hashes, old_cp.root)
        assert (old_root, new_root) == (old_cp.root, new_cp.root)


@pytest.fixture
def settings_override(settings):
    _log(37, settings)
    return settings


def test_a_proof_reads_the_same_few_queries_however_long_the_log(settings):
    _log(9, settings)

    def queries(make) -> int:
        with CaptureQueriesContext(connection) as sent:
            make()
        return len(sent.captured_queries)

    small = (queries(lambda: proofs.inclusion(3, 9)), queries(lambda: proofs.consistency(3, 9)))
    _log(120, settings)
    large = (queries(lambda: proofs.inclusion(77, 129)), queries(lambda: proofs.consistency(50, 129)))
    assert small == large
    assert max(large) <= 3


def _get(client, path, key, **params):
    return client.get(path, params, HTTP_AUTHORIZATION=f"Bearer {key}")


def test_the_api_serves_proofs_and_refuses_bad_requests_clearly(client, settings):
    _log(6, settings)
    _api_key, key = services.api_key_create(name="auditor", scopes=[Scope.AUDIT_READ], actor=None)
    latest = _get(client, "/api/v1/audit-log/checkpoint", key).json()
    assert latest["tree_size"] >= 6 and latest["note"].startswith(notes.signer().name + "\n")
    ok = _get(client, "/api/v1/audit-log/proofs/inclusion", key, seq=2)
    assert ok.status_code == 200 and ok.json()["tree_size"] == latest["tree_size"]
    for params, field in (
        ({}, "seq"),
        ({"seq": "two"}, "seq"),
        ({"seq": "-1"}, "seq"),
        ({"seq": "99999"}, "detail"),
        ({"seq": "2", "tree_size": "999"}, "detail"),
    ):
        refused = _get(client, "/api/v1/audit-log/proofs/inclusion", key, **params)
        assert refused.status_code == 400, (params, refused.content)
        assert field in json.dumps(refused.json()), refused.json()
    assert _get(client, "/api/v1/audit-log/proofs/consistency", key, old_size=7, new_size=3).status_code == 400
    # the public copy: the signed note only, no key needed
    public = client.get("/audit-log/checkpoint")
    assert public.status_code == 200 and public.content.decode() == proofs.latest_checkpoint().note


def test_a_truncated_or_altered_proof_is_refused_by_the_script(settings, tmp_path):
    _log(5, settings)
    proof = proofs.inclusion(2, 5)
    truncated = tmp_path / "truncated.json"
    truncated.write_text(json.dumps(proof)[:-20])
    key = notes.verifiers()[0].text
    cut = subprocess.run(
        [sys.executable, "-I", str(SCRIPT), "--inclusion", str(truncated), "--key", key], capture_output=True, text=True
    )
    assert cut.returncode == 2 and "Traceback" not in cut.stderr
    altered = dict(proof, hashes=[proof["hashes"][0][:-4] + "AAA=", *proof["hashes"][1:]])
    assert _run("--inclusion", altered, tmp_path).returncode == 1


def test_many_inclusion_proofs_share_one_read_of_the_tree(settings):
    """An evidence pack proves all its events at once: the queries do not grow with the events."""
    _log(40, settings)

    def queries(seqs) -> int:
        with CaptureQueriesContext(connection) as sent:
            made = proofs.inclusions(seqs, 40)
        assert [p["seq"] for p in made] == seqs
        return len(sent.captured_queries)

    assert queries([7]) == queries(list(range(1, 41)))

"""The auditor's script against the transparency log: exports of format 2, checkpoints, proofs, bundles.

Every tree, proof and signed checkpoint is built here by ``tlog_reference`` (the
RFC's naive recursions and ``cryptography`` to sign), then checked by running the
script as a subprocess. The exhaustive sweeps call the script's ``main`` in
process (the same code path, without a Python start-up per case).
"""

from __future__ import annotations

import base64
import importlib.util
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.tools import tlog_reference as ref

SCRIPT = Path(__file__).resolve().parents[2] / "tools" / "verify_audit_export.py"
SIGNER = ref.Signer()
OTHER = ref.Signer(seed=b"someone else")  # same name, another key: a forger's
EVENTS = ref.chain(70)


def _run(*args):
    result = subprocess.run([sys.executable, "-I", str(SCRIPT), *map(str, args)], capture_output=True, text=True)
    assert "Traceback" not in result.stderr, result.stderr
    return result


def _load_script():
    spec = importlib.util.spec_from_file_location("verify_audit_export", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


SCRIPT_MODULE = _load_script()


def _main(*args) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = SCRIPT_MODULE.main([str(a) for a in args], out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def _json(path: Path, obj) -> Path:
    path.write_text(json.dumps(obj, ensure_ascii=False), encoding="utf-8")
    return path


def _key():
    return ("--key", SIGNER.verifier_key)


def _export(tmp_path, n=7, sizes=(1, 3, 7), name="x.jsonl", events=None, signer=SIGNER, **kw):
    events = events if events is not None else EVENTS[:n]
    cps = [ref.checkpoint_record(signer, events, s, day=f"2026-11-0{i + 1}") for i, s in enumerate(sizes)]
    return ref.write_jsonl(tmp_path / name, ref.export_records(events, cps, signer, **kw))


def _flip(text: str) -> str:
    raw = bytearray(base64.b64decode(text))
    raw[0] ^= 1
    return ref.b64(bytes(raw))


# --- The reference agrees with the RFC's examples -----------------------------------


def test_the_reference_matches_rfc_9162_shapes():
    d = [bytes([i]) for i in range(7)]  # the seven-leaf example tree of RFC 9162 2.1.5
    a, b, c = ref.node(ref.leaf(d[0]), ref.leaf(d[1])), ref.node(ref.leaf(d[2]), ref.leaf(d[3])), None
    c = ref.node(ref.leaf(d[4]), ref.leaf(d[5]))
    k, ll = ref.node(a, b), ref.node(c, ref.leaf(d[6]))
    assert ref.mth(d) == ref.node(k, ll)
    assert ref.path(0, d) == [ref.leaf(d[1]), b, ll]  # PATH(0) = [b, h, l] in the RFC's names
    assert ref.proof(3, d) == [ref.leaf(d[2]), ref.leaf(d[3]), a, ll]  # PROOF(3) = [c, d, g, l]
    assert ref.proof(4, d) == [ll]  # PROOF(4) = [l]
    assert ref.proof(6, d) == [ref.node(ref.leaf(d[4]), ref.leaf(d[5])), ref.leaf(d[6]), k]  # [i, j, k]


# --- Exports of format 2 --------------------------------------------------------------


def test_an_export_with_signed_checkpoints_verifies_and_its_roots_are_recomputed(tmp_path):
    result = _run(_export(tmp_path), *_key())
    assert result.returncode == 0, result.stderr
    assert "OK: 7 event(s), seq 1 to 7" in result.stdout
    assert "3 signed checkpoint(s)" in result.stdout and "tree size(s) 1, 3, 7" in result.stdout
    assert "WARNING" not in result.stderr


def test_without_a_key_the_file_s_own_key_is_used_with_a_warning(tmp_path):
    result = _run(_export(tmp_path))
    assert result.returncode == 0, result.stderr
    assert "WARNING" in result.stderr and "consistent with itself" in result.stderr


def test_a_checkpoint_beyond_the_export_is_only_signature_checked(tmp_path):
    events = EVENTS[:9]
    cps = [ref.checkpoint_record(SIGNER, events, 9)]
    path = ref.write_jsonl(tmp_path / "p.jsonl", ref.export_records(events[:5], cps, SIGNER))
    result = _run(path, *_key())
    assert result.returncode == 0, result.stderr
    assert "recomputed" not in result.stdout and "1 checkpoint(s) cover events beyond this export" in result.stdout


def test_a_wrong_key_is_refused(tmp_path):
    result = _run(_export(tmp_path), "--key", OTHER.verifier_key)
    assert result.returncode == 1
    assert "no signature by a trusted key" in result.stderr


def test_a_rewritten_log_re_signed_by_another_key_fails_against_the_published_key(tmp_path):
    forged = ref.chain(7, reason=lambda seq: "forged" if seq == 4 else "ok")
    path = _export(tmp_path, events=forged, signer=OTHER)
    assert _run(path).returncode == 0  # consistent with itself …
    result = _run(path, *_key())  # … but not signed by the log's key
    assert result.returncode == 1 and "no signature by a trusted key" in result.stderr


def test_a_rewritten_chain_under_old_checkpoints_is_caught_by_the_merkle_root(tmp_path):
    # a superuser rewrites event 4 and recomputes every hash after it, but cannot re-sign
    forged = ref.chain(7, reason=lambda seq: "forged" if seq == 4 else "ok")
    cps = [ref.checkpoint_record(SIGNER, EVENTS[:7], s) for s in (3, 7)]
    path = ref.write_jsonl(tmp_path / "r.jsonl", ref.export_records(forged, cps, SIGNER))
    result = _run(path, *_key())
    assert result.returncode == 1
    assert "tree size 7" in result.stderr and "Merkle root" in result.stderr


def test_a_tampered_event_is_named(tmp_path):
    recs = [json.loads(line) for line in _export(tmp_path).read_text().splitlines()]
    recs[3]["reason"] = "changed"  # event seq=3
    result = _run(ref.write_jsonl(tmp_path / "t.jsonl", recs), *_key())
    assert result.returncode == 1
    assert "event seq=3 " in result.stderr and "do not hash" in result.stderr


@pytest.mark.parametrize(
    ("change", "says"),
    [
        (lambda cp: cp.update(note=cp["note"].replace("\n7\n", "\n8\n", 1), tree_size=8), "does not verify"),
        (lambda cp: cp.update(root_hash=_flip(cp["root_hash"])), "signed note says"),
        (lambda cp: cp.update(note=cp["note"].replace(SIGNER.name, "evil.test", 1)), "does not verify"),
        (lambda cp: cp.update(note=SIGNER.checkpoint(7, base64.b64decode(cp["root_hash"]), "evil.test")), "origin"),
    ],
)
def test_an_altered_checkpoint_is_refused(tmp_path, change, says):
    recs = [json.loads(line) for line in _export(tmp_path).read_text().splitlines()]
    change(recs[-2])  # the checkpoint of 7
    result = _run(ref.write_jsonl(tmp_path / "c.jsonl", recs), *_key())
    assert result.returncode == 1, result.stderr
    assert says in result.stderr


def test_csv_exports_of_format_2_verify_and_tampering_shows(tmp_path):
    events = EVENTS[:6]
    cps = [ref.checkpoint_record(SIGNER, events, s, day="2026-11-02") for s in (2, 6)]
    path = ref.write_csv(tmp_path / "e.csv", ref.export_records(events, cps, SIGNER))
    result = _run(path, *_key())
    assert result.returncode == 0, result.stderr
    assert "tree size(s) 2, 6" in result.stdout
    path.write_text(path.read_text(encoding="utf-8").replace("officer5", "officer9"), encoding="utf-8")
    result = _run(path, *_key())
    assert result.returncode == 1 and "event seq=5 " in result.stderr


def test_against_an_older_export_its_newest_checkpoint_must_be_a_prefix(tmp_path):
    old = _export(tmp_path, n=5, sizes=(2, 5), name="old.jsonl")
    new = _export(tmp_path, n=9, sizes=(2, 5, 9), name="new.jsonl", events=EVENTS[:9])
    result = _run(new, "--against", old, *_key())
    assert result.returncode == 0, result.stderr
    assert "newest checkpoint (tree size 5) is a prefix" in result.stdout


def test_against_an_older_checkpoint_a_rewrite_is_caught_even_when_re_signed(tmp_path):
    # the older export held event 1 only (a filtered one) and the checkpoint of 6; the newer log
    # was rewritten from event 4 and re-signed with the log's own key (a stolen key, say)
    old_cps = [ref.checkpoint_record(SIGNER, EVENTS, 6)]
    old = ref.write_jsonl(tmp_path / "o.jsonl", ref.export_records(EVENTS[:1], old_cps, SIGNER, contiguous=False))
    forged = ref.chain(8, reason=lambda seq: "forged" if seq >= 4 else "ok")
    new = _export(tmp_path, events=forged, sizes=(8,), name="n.jsonl")
    assert _run(new, *_key()).returncode == 0
    result = _run(new, "--against", old, *_key())
    assert result.returncode == 1
    assert "newest checkpoint (tree size 6) is not consistent" in result.stderr


def test_against_an_older_checkpoint_of_the_same_size_with_another_root_is_a_fork(tmp_path):
    old = _export(tmp_path, n=3, sizes=(3,), name="old.jsonl", contiguous=False, events=EVENTS[:1])
    forged = ref.chain(5, reason=lambda seq: "forged" if seq == 2 else "ok")
    new_cps = [ref.checkpoint_record(SIGNER, forged, s) for s in (3, 5)]
    new = ref.write_jsonl(tmp_path / "new.jsonl", ref.export_records(forged[2:], new_cps, SIGNER))
    result = _run(new, "--against", old, *_key())
    assert result.returncode == 1 and "forked" in result.stderr


# --- Inclusion and consistency proofs ------------------------------------------------

PROPERTY = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@PROPERTY
@given(data=st.data(), size=st.integers(1, 70))
def test_inclusion_proofs_verify_for_many_tree_sizes(tmp_path, data, size):
    seq = data.draw(st.integers(1, size))
    path = _json(tmp_path / f"i{size}-{seq}.json", ref.inclusion(SIGNER, EVENTS, seq, size))
    result = _run("--inclusion", path, *_key())
    assert result.returncode == 0, result.stderr
    assert f"event seq={seq} (leaf {seq - 1}) is in the log {SIGNER.name} at tree size {size}" in result.stdout


@PROPERTY
@given(data=st.data(), new=st.integers(1, 70))
def test_consistency_proofs_verify_for_many_tree_sizes(tmp_path, data, new):
    old = data.draw(st.one_of(st.just(new), st.just(0), st.integers(1, new)))
    path = _json(tmp_path / f"c{old}-{new}.json", ref.consistency(SIGNER, EVENTS, old, new))
    kept = tmp_path / f"kept{old}-{new}.txt"
    kept.write_text(json.loads(path.read_text())["old_checkpoint"], encoding="utf-8")
    result = _run("--consistency", path, "--old-checkpoint", kept, *_key())
    assert result.returncode == 0, result.stderr
    assert f"at tree size {new} extends tree size {old}" in result.stdout


@pytest.mark.parametrize("size", [*range(1, 34), 64, 65, 100])
def test_every_inclusion_proof_holds_and_every_altered_hash_fails(tmp_path, size):
    events = ref.chain(size) if size > len(EVENTS) else EVENTS
    for seq in range(1, size + 1):
        proof = ref.inclusion(SIGNER, events, seq, size)
        file = _json(tmp_path / "i.json", proof)
        assert _main("--inclusion", file, *_key())[0] == 0, (seq, size)
        for i in range(len(proof["hashes"])):
            bad = {**proof, "hashes": [_flip(h) if j == i else h for j, h in enumerate(proof["hashes"])]}
            code, _, err = _main("--inclusion", _json(tmp_path / "b.json", bad), *_key())
            assert code == 1 and "lead to the root" in err, (seq, size, i)
        if proof["hashes"]:  # one hash too few or too many is malformed, not merely wrong
            short = {**proof, "hashes": proof["hashes"][:-1]}
            assert _main("--inclusion", _json(tmp_path / "s.json", short), *_key())[0] == 2


@pytest.mark.parametrize("new", [*range(1, 34), 64, 65, 100])
def test_every_consistency_proof_holds_and_every_altered_hash_fails(tmp_path, new):
    events = ref.chain(new) if new > len(EVENTS) else EVENTS
    for old in range(new + 1):
        proof = ref.consistency(SIGNER, events, old, new)
        assert _main("--consistency", _json(tmp_path / "c.json", proof), *_key())[0] == 0, (old, new)
        for i in range(len(proof["hashes"])):
            bad = {**proof, "hashes": [_flip(h) if j == i else h for j, h in enumerate(proof["hashes"])]}
            code, _, err = _main("--consistency", _json(tmp_path / "b.json", bad), *_key())
            assert code == 1 and "rewritten" in err, (old, new, i)
        extra = {**proof, "hashes": [*proof["hashes"], proof["hashes"][0] if proof["hashes"] else ref.b64(b"\0" * 32)]}
        assert _main("--consistency", _json(tmp_path / "e.json", extra), *_key())[0] == 2, (old, new)


def test_the_empty_tree_is_consistent_with_itself_and_has_one_root(tmp_path):
    proof = ref.consistency(SIGNER, EVENTS, 0, 0)
    assert _main("--consistency", _json(tmp_path / "z.json", proof), *_key())[0] == 0
    proof["new_checkpoint"] = SIGNER.checkpoint(0, b"\x01" * 32)
    code, _, err = _main("--consistency", _json(tmp_path / "z.json", proof), *_key())
    assert code == 1 and "empty tree" in err


def test_a_consistency_proof_between_two_different_histories_fails(tmp_path):
    forged = ref.chain(9, reason=lambda seq: "forged" if seq == 3 else "ok")
    honest_old = ref.consistency(SIGNER, EVENTS, 5, 9)["old_checkpoint"]
    proof = {**ref.consistency(SIGNER, forged, 5, 9), "old_checkpoint": honest_old}
    result = _run("--consistency", _json(tmp_path / "f.json", proof), *_key())
    assert result.returncode == 1 and "old checkpoint's root" in result.stderr


def test_the_kept_old_checkpoint_must_be_the_proof_s_old_checkpoint(tmp_path):
    proof = _json(tmp_path / "c.json", ref.consistency(SIGNER, EVENTS, 5, 9))
    kept = tmp_path / "kept.txt"
    kept.write_text(SIGNER.checkpoint(4, ref.mth(ref.entries(EVENTS[:4]))), encoding="utf-8")
    result = _run("--consistency", proof, "--old-checkpoint", kept, *_key())
    assert result.returncode == 1 and "is not the proof's old checkpoint" in result.stderr
    kept.write_text(OTHER.checkpoint(5, ref.mth(ref.entries(EVENTS[:5]))), encoding="utf-8")
    result = _run("--consistency", proof, "--old-checkpoint", kept, *_key())
    assert result.returncode == 1 and "no signature by a trusted key" in result.stderr


def test_a_checkpoint_file_verifies_and_is_compared_with_an_export(tmp_path):
    note = tmp_path / "cp.txt"
    note.write_text(SIGNER.checkpoint(5, ref.mth(ref.entries(EVENTS[:5]))), encoding="utf-8")
    result = _run("--checkpoint", note, *_key())
    assert result.returncode == 0, result.stderr
    assert "tree size 5" in result.stdout
    result = _run(_export(tmp_path, sizes=(7,)), "--checkpoint", note, *_key())
    assert result.returncode == 0 and "events 1 to 5 have that root" in result.stdout
    result = _run(_export(tmp_path, sizes=(7,)), "--checkpoint", note)  # the export's own key, one warning
    assert result.returncode == 0 and result.stderr.count("WARNING") == 1
    note.write_text(SIGNER.checkpoint(5, ref.mth(ref.entries(EVENTS[1:6]))), encoding="utf-8")
    result = _run(_export(tmp_path, sizes=(7,)), "--checkpoint", note, *_key())
    assert result.returncode == 1 and "events 1 to 5 have the root" in result.stderr


def test_unknown_signatures_are_ignored_but_one_trusted_must_hold(tmp_path):
    note = SIGNER.checkpoint(3, ref.mth(ref.entries(EVENTS[:3])))
    witness = ref.Signer("witness.example", seed=b"w")
    cosigned = note + "\u2014 witness.example " + ref.b64(witness.id + b"\x07" * 72) + "\n"
    path = tmp_path / "w.txt"
    path.write_text(cosigned, encoding="utf-8")
    assert _run("--checkpoint", path, *_key()).returncode == 0
    result = _run("--checkpoint", path, "--key", witness.verifier_key)
    assert result.returncode == 1  # the witness's line is garbage: it does not verify


def test_a_key_file_is_read_with_at(tmp_path):
    keys = tmp_path / "log.pub"
    keys.write_text(f"# the log's keys\n{OTHER.verifier_key}\n{SIGNER.verifier_key}\n")
    note = tmp_path / "cp.txt"
    note.write_text(SIGNER.checkpoint(1, ref.mth(ref.entries(EVENTS[:1]))), encoding="utf-8")
    assert _run("--checkpoint", note, "--key", f"@{keys}").returncode == 0


# --- Proof bundles --------------------------------------------------------------------


def test_a_bundle_verifies(tmp_path):
    result = _run("--bundle", _json(tmp_path / "b.json", ref.bundle(SIGNER, EVENTS, 4, 11)), *_key())
    assert result.returncode == 0, result.stderr
    assert "event seq=4 (sellers.application.approved on sellers.application 4) is in the log" in result.stdout
    result = _run("--bundle", _json(tmp_path / "b.json", ref.bundle(SIGNER, EVENTS, 4, 11)))
    assert result.returncode == 0 and "WARNING" in result.stderr


def _rehash(ev: dict) -> dict:
    ev = dict(ev)
    ev["hash"] = ref.sha_hex({k: ev[k] for k in ref.HASHED})
    return ev


@pytest.mark.parametrize(
    ("change", "says"),
    [
        (lambda b: b["event"].update(reason="forged"), "do not hash"),
        (lambda b: b.update(event=_rehash({**b["event"], "reason": "forged"})), "does not hash to the proof's leaf"),
        (lambda b: b["inclusion"]["hashes"].__setitem__(1, _flip(b["inclusion"]["hashes"][1])), "lead to the root"),
        (
            lambda b: b["inclusion"].update(checkpoint=OTHER.checkpoint(11, ref.mth(ref.entries(EVENTS[:11])))),
            "trusted",
        ),
        (lambda b: b["event"].update(seq=5), "do not hash"),
    ],
)
def test_a_tampered_bundle_is_refused(tmp_path, change, says):
    bundle = ref.bundle(SIGNER, EVENTS, 4, 11)
    change(bundle)
    result = _run("--bundle", _json(tmp_path / "b.json", bundle), *_key())
    assert result.returncode == 1, result.stderr
    assert says in result.stderr


def test_a_bundle_s_own_key_does_not_help_against_the_trusted_one(tmp_path):
    bundle = ref.bundle(OTHER, EVENTS, 2, 3)
    assert _run("--bundle", _json(tmp_path / "b.json", bundle)).returncode == 0
    result = _run("--bundle", _json(tmp_path / "b.json", bundle), *_key())
    assert result.returncode == 1 and "no signature by a trusted key" in result.stderr


# --- Unreadable input -----------------------------------------------------------------


def _inclusion():
    return ref.inclusion(SIGNER, EVENTS, 3, 6)


@pytest.mark.parametrize(
    ("make", "says"),
    [
        (lambda: json.dumps(_inclusion())[:-20], "not JSON"),
        (lambda: json.dumps({**_inclusion(), "format": "hallmark-inclusion-proof/9"}), "format"),
        (lambda: json.dumps([1, 2]), "not a JSON object"),
        (lambda: json.dumps({**_inclusion(), "seq": "3"}), "'seq' is not a whole number"),
        (lambda: json.dumps({**_inclusion(), "tree_size": True}), "'tree_size' is not a whole number"),
        (lambda: json.dumps({**_inclusion(), "leaf_index": 7}), "leaf_index must be seq - 1"),
        (lambda: json.dumps({**_inclusion(), "leaf_hash": "not base64!"}), "not standard base64"),
        (lambda: json.dumps({**_inclusion(), "hashes": [ref.b64(b"x" * 31), *_inclusion()["hashes"][1:]]}), "31 bytes"),
        (lambda: json.dumps({**_inclusion(), "hashes": [*_inclusion()["hashes"], ref.b64(b"x" * 32)]}), "hashes, not"),
        (lambda: json.dumps({**_inclusion(), "hashes": "abc"}), "'hashes' is not a list"),
        (lambda: json.dumps({**_inclusion(), "checkpoint": _inclusion()["checkpoint"][:-30]}), "signature"),
        (lambda: json.dumps({**_inclusion(), "checkpoint": "x\ny\n\n— a b\n"}), "an origin, a tree size"),
        (
            lambda: json.dumps({**_inclusion(), "checkpoint": _inclusion()["checkpoint"].split("\n\n")[0]}),
            "signed note",
        ),
        (
            lambda: json.dumps({**_inclusion(), "checkpoint": _inclusion()["checkpoint"].replace("\n6\n", "\n06\n")}),
            "decimal",
        ),
        (
            lambda: json.dumps({**_inclusion(), "checkpoint": _inclusion()["checkpoint"].replace("\n", "\r\n")}),
            "carriage",
        ),
        (lambda: json.dumps({**_inclusion(), "checkpoint": 5}), "'checkpoint' is not a string"),
        (lambda: "\xff\xfe", "not JSON"),
    ],
)
def test_a_malformed_inclusion_proof_exits_2(tmp_path, make, says):
    path = tmp_path / "m.json"
    path.write_text(make(), encoding="utf-8")
    result = _run("--inclusion", path, *_key())
    assert result.returncode == 2, result.stderr
    assert says in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_malformed_keys_and_missing_files_exit_2(tmp_path):
    note = tmp_path / "cp.txt"
    note.write_text(SIGNER.checkpoint(1, ref.mth(ref.entries(EVENTS[:1]))), encoding="utf-8")
    bad_id = SIGNER.verifier_key.replace(SIGNER.id.hex(), "00000000")
    for key, says in [("nonsense", "verifier key reads"), (bad_id, "does not match"), ("a+00+!!", "base64")]:
        result = _run("--checkpoint", note, "--key", key)
        assert result.returncode == 2 and says in result.stderr, result.stderr
    result = _run("--checkpoint", tmp_path / "absent.txt", *_key())
    assert result.returncode == 2 and "absent.txt" in result.stderr
    result = _run("--checkpoint", note)
    assert result.returncode == 2 and "pass --key" in result.stderr


@pytest.mark.parametrize(
    ("change", "says"),
    [
        (lambda recs: recs[0].update(format="hallmark-audit-export/3"), "format"),
        (lambda recs: recs[0].update(tree_size="7"), "'tree_size' is not a whole number"),
        (lambda recs: recs[0].update(verifier_keys="k"), "'verifier_keys' is not a list"),
        (lambda recs: recs[-2].update(root_hash=ref.b64(b"1" * 33)), "33 bytes"),
        (lambda recs: recs[-2].update(day="yesterday"), "'day'"),
        (lambda recs: recs[-2].pop("note"), "no 'note'"),
        (lambda recs: recs[2].update(seq="2"), "seq is not a whole number"),
    ],
)
def test_a_malformed_export_exits_2(tmp_path, change, says):
    recs = [json.loads(line) for line in _export(tmp_path).read_text().splitlines()]
    change(recs)
    result = _run(ref.write_jsonl(tmp_path / "m.jsonl", recs), *_key())
    assert result.returncode == 2, result.stderr
    assert says in result.stderr


def test_a_truncated_export_of_format_2_is_refused(tmp_path):
    path = _export(tmp_path)
    text = path.read_text()
    path.write_text(text[: len(text) - 40])  # cut inside the last line
    result = _run(path, *_key())
    assert result.returncode == 2 and "not JSON" in result.stderr
    path.write_text("".join(text.splitlines(keepends=True)[:-1]))  # cut at a line end: no 'end' record
    result = _run(path, *_key())
    assert result.returncode == 1 and "truncated" in result.stderr


def test_a_v1_export_still_verifies_next_to_a_key(tmp_path):
    events = EVENTS[:4]
    recs = [
        {"record": "export", "format": "hallmark-audit-export/1", "contiguous": True},
        *({"record": "event", **ev} for ev in events),
        {"record": "checkpoint", "day": "2026-11-02", "seq": 4, "hash": events[3]["hash"]},
        {"record": "end", "events": 4},
    ]
    result = _run(ref.write_jsonl(tmp_path / "v1.jsonl", recs), *_key())
    assert result.returncode == 0, result.stderr
    assert "OK: 4 event(s)" in result.stdout


def test_a_v2_export_against_a_v1_export_compares_events(tmp_path):
    old = [{"record": "export", "format": "hallmark-audit-export/1", "contiguous": True}]
    old += [{"record": "event", **ev} for ev in EVENTS[:3]]
    old += [{"record": "checkpoint", "day": "2026-11-02", "seq": 3, "hash": EVENTS[2]["hash"]}]
    old += [{"record": "end", "events": 3}]
    old_path = ref.write_jsonl(tmp_path / "v1.jsonl", old)
    assert _run(_export(tmp_path), "--against", old_path, *_key()).returncode == 0
    forged = ref.chain(7, reason=lambda seq: "forged" if seq == 2 else "ok")
    result = _run(_export(tmp_path, events=forged, name="f.jsonl"), "--against", old_path)
    assert result.returncode == 1 and "event seq=2: changed since the older export" in result.stderr

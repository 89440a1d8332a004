"""Signed checkpoints: C2SP ``tlog-checkpoint`` bodies in C2SP ``signed-note`` envelopes, Ed25519.

A checkpoint is the text::

    <origin>\\n<tree size, decimal>\\n<root hash, standard base64>\\n

and the signed note appends a blank line and one signature line per key::

    \\n— <key name> <base64(key id (4 bytes) || Ed25519 signature (64 bytes))>\\n

The signature covers the checkpoint text including its final newline. The key
id is the first four bytes of SHA-256(key name || 0x0A || 0x01 || public key).
Keys travel in the text forms Go's ``golang.org/x/mod/sumdb/note`` uses, so
its tools read them: the signing key as
``PRIVATE+KEY+<name>+<hex key id>+<base64(0x01 || 32-byte seed)>`` and the
verifier key as ``<name>+<hex key id>+<base64(0x01 || 32-byte public key)>``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass
from functools import cache

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from django.conf import settings

ED25519 = 1
DASH = "\u2014 "
MAX_NOTE_BYTES = 16 * 1024  # a checkpoint is a few hundred bytes; anything larger is not ours


class NoteError(ValueError):
    """A key, checkpoint or note that cannot be read or does not verify; the message says why."""


def key_id(name: str, public: bytes) -> bytes:
    return hashlib.sha256(name.encode() + b"\n" + bytes([ED25519]) + public).digest()[:4]


def _check_name(name: str) -> None:
    if not name or any(c.isspace() or c == "+" for c in name):
        raise NoteError(f"a key name must be non-empty, without spaces or '+': {name!r}")


@dataclass(frozen=True)
class Signer:
    name: str
    private: Ed25519PrivateKey

    @property
    def public(self) -> bytes:
        return self.private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)

    @property
    def id(self) -> bytes:
        return key_id(self.name, self.public)

    @property
    def verifier_key(self) -> str:
        return f"{self.name}+{self.id.hex()}+{base64.b64encode(bytes([ED25519]) + self.public).decode()}"

    def signing_key_text(self) -> str:
        seed = self.private.private_bytes_raw()
        return f"PRIVATE+KEY+{self.name}+{self.id.hex()}+{base64.b64encode(bytes([ED25519]) + seed).decode()}"

    def sign(self, text: str) -> str:
        """The signed note of ``text`` (which ends in a newline)."""
        signature = self.private.sign(text.encode())
        return f"{text}\n{DASH}{self.name} {base64.b64encode(self.id + signature).decode()}\n"


@dataclass(frozen=True)
class Verifier:
    name: str
    id: bytes
    public: Ed25519PublicKey

    @property
    def text(self) -> str:
        raw = self.public.public_bytes(Encoding.Raw, PublicFormat.Raw)
        return f"{self.name}+{self.id.hex()}+{base64.b64encode(bytes([ED25519]) + raw).decode()}"


def _b64(text: str, what: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise NoteError(f"{what} is not standard base64") from None


def parse_signing_key(text: str) -> Signer:
    parts = text.strip().split("+", 4)  # base64 may contain "+": the key is the rest
    if len(parts) != 5 or parts[:2] != ["PRIVATE", "KEY"]:
        raise NoteError("a signing key reads PRIVATE+KEY+<name>+<hex key id>+<base64 key>")
    name, hex_id, encoded = parts[2:]
    _check_name(name)
    raw = _b64(encoded, "the signing key")
    if len(raw) != 33 or raw[0] != ED25519:
        raise NoteError("the signing key is not an Ed25519 key (0x01 followed by a 32-byte seed)")
    signer = Signer(name, Ed25519PrivateKey.from_private_bytes(raw[1:]))
    if signer.id.hex() != hex_id.lower():
        raise NoteError("the signing key's id does not match its name and key")
    return signer


def parse_verifier_key(text: str) -> Verifier:
    parts = text.strip().split("+", 2)
    if len(parts) != 3:
        raise NoteError("a verifier key reads <name>+<hex key id>+<base64 key>")
    name, hex_id, encoded = parts
    _check_name(name)
    raw = _b64(encoded, "the verifier key")
    if len(raw) != 33 or raw[0] != ED25519:
        raise NoteError("the verifier key is not an Ed25519 key (0x01 followed by a 32-byte public key)")
    if key_id(name, raw[1:]).hex() != hex_id.lower():
        raise NoteError("the verifier key's id does not match its name and key")
    return Verifier(name, bytes.fromhex(hex_id), Ed25519PublicKey.from_public_bytes(raw[1:]))


def generate(name: str) -> Signer:
    _check_name(name)
    return Signer(name, Ed25519PrivateKey.generate())


def demo_signer(name: str) -> Signer:
    """A fixed key for the embedded default and tests; production refuses it (``portal.checks``)."""
    seed = hashlib.sha256(b"hallmark demo audit log key, never for production").digest()
    return Signer(name, Ed25519PrivateKey.from_private_bytes(seed))


@cache
def _signer(key_text: str, origin: str) -> Signer:
    return parse_signing_key(key_text) if key_text else demo_signer(origin)


def signer() -> Signer:
    """This deployment's log key (``HALLMARK_LOG_SIGNING_KEY``; the demo key when unset)."""
    return _signer(settings.HALLMARK_LOG_SIGNING_KEY, settings.HALLMARK_LOG_ORIGIN)


def verifiers() -> list[Verifier]:
    """The current key and every retired one (``HALLMARK_LOG_OLD_VERIFIER_KEYS``): old checkpoints stay verifiable."""
    current = signer()
    keys = [parse_verifier_key(current.verifier_key)]
    keys += [parse_verifier_key(k) for k in settings.HALLMARK_LOG_OLD_VERIFIER_KEYS]
    return keys


def is_demo_key() -> bool:
    return signer().public == demo_signer(signer().name).public


# --- Checkpoints ---------------------------------------------------------------------


@dataclass(frozen=True)
class Checkpoint:
    origin: str
    size: int
    root: bytes
    note: str  # the whole signed note

    @property
    def root_b64(self) -> str:
        return base64.b64encode(self.root).decode()


def checkpoint_text(origin: str, size: int, root: bytes) -> str:
    return f"{origin}\n{size}\n{base64.b64encode(root).decode()}\n"


def sign_checkpoint(size: int, root: bytes) -> str:
    key = signer()
    return key.sign(checkpoint_text(key.name, size, root))


def open_checkpoint(note: str, keys: list[Verifier] | None = None) -> Checkpoint:
    """Parse a signed checkpoint and check a signature by one of ``keys`` (default: this log's)."""
    if not isinstance(note, str):
        raise NoteError("a checkpoint is text")
    if len(note.encode()) > MAX_NOTE_BYTES:
        raise NoteError("the checkpoint is too long to be one")
    if any(ord(c) < 0x20 and c != "\n" for c in note):
        raise NoteError("the checkpoint contains control characters other than newline")
    text, sep, sigs = note.rpartition("\n\n")
    if not sep or not sigs.endswith("\n"):
        raise NoteError("the checkpoint has no signature block (a blank line, then signature lines)")
    text += "\n"
    lines = text[:-1].split("\n")
    if len(lines) < 3:
        raise NoteError("a checkpoint has an origin, a tree size and a root hash, one per line")
    origin, size_text, root_text = lines[:3]
    if not size_text.isascii() or not size_text.isdigit() or (size_text.startswith("0") and size_text != "0"):
        raise NoteError("the checkpoint's tree size is not a decimal number")
    root = _b64(root_text, "the checkpoint's root hash")
    if len(root) != 32:
        raise NoteError("the checkpoint's root hash is not 32 bytes")
    keys = verifiers() if keys is None else keys
    known = {(k.name, k.id): k for k in keys}
    verified = False
    for line in sigs[:-1].split("\n"):
        if not line.startswith(DASH):
            raise NoteError("a signature line starts with an em dash and a space")
        name, _, encoded = line[len(DASH) :].rpartition(" ")
        raw = _b64(encoded, "a signature")
        if len(raw) < 5:
            raise NoteError("a signature is shorter than a key id")
        key = known.get((name, raw[:4]))
        if key is None:
            continue  # a witness's co-signature, say: not ours to check
        try:
            key.public.verify(raw[4:], text.encode())
        except InvalidSignature:
            raise NoteError(f"the signature by {name} does not verify: the checkpoint was altered") from None
        verified = True
    if not verified:
        raise NoteError("the checkpoint carries no signature by a key of this log")
    if origin not in {k.name for k in keys}:
        raise NoteError(f"the checkpoint's origin {origin!r} is not this log's")
    return Checkpoint(origin=origin, size=int(size_text), root=root, note=note)

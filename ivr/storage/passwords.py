"""Service passwords: six-digit PINs, stored as hashes keyed with a secret that is kept out of the database.

A slow hash (scrypt, bcrypt) cannot protect a six-digit PIN: there are only a million of them, so a stolen hash
falls to an exhaustive search however slow each try is, while every caller pays the slowness on every call. What
protects a PIN is what banks use: a secret key held apart from the stored values (a stolen database alone reveals
nothing), and the online lockout after a few wrong tries (ivr.lockouts). Each hash is an HMAC-SHA256 under that
key, of a random salt, the ID number and the PIN, so equal PINs never look alike and a hash copied to another
account does not open it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
import time
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from werkzeug.security import check_password_hash

SCHEME = "pin-hmac-sha256"
# Sealed values start with this; the label binds the derived key and each value to their use.
SEALED = "gcm1:"
SEAL_LABEL = b"ivr sealed contact numbers"
# Below this a key could be guessed; 32 random bytes written as hex are 64 characters.
MIN_KEY_LENGTH = 32


class BadPasswordKey(ValueError):
    """The configured key is too short to be secret."""


class PasswordKeyError(Exception):
    """The stored hashes were made with another key: no password can be checked until the key is put back."""


class Passwords:
    def __init__(self, key: str):
        if len(key) < MIN_KEY_LENGTH:
            raise BadPasswordKey(f"IVR_PASSWORD_KEY must be at least {MIN_KEY_LENGTH} characters")
        self._key = key.encode("utf-8")
        # Stored with every hash, so that a changed key is recognised as such instead of as a million wrong PINs.
        self.fingerprint = self._digest("key-fingerprint")[:8]

    def _digest(self, text: str) -> str:
        return hmac.new(self._key, text.encode("utf-8"), hashlib.sha256).hexdigest()

    def hash(self, id_number: str, pin: str) -> str:
        salt = secrets.token_hex(8)
        return f"{SCHEME}${self.fingerprint}${salt}${self._digest(f'{salt}:{id_number}:{pin}')}"

    def reference(self, kind: str, value: str) -> str:
        """A keyed hash standing for an ID number (kind "id") or a calling number ("caller") wherever the hotline
        keeps state about it: without the key, nobody can tell from it whose it is, nor try the million birthdays."""
        return self._digest(f"ref:{kind}:{value}")

    def seal(self, value: str) -> str:
        """Encrypt a contact number the hotline must be able to read back (a registered mobile, to text it).

        AES-GCM under a key derived from this one: a database dump shows neither the number nor anything that could
        be matched against a list of numbers, and a sealed value altered in the database is refused, not misread."""
        nonce = secrets.token_bytes(12)
        sealed = AESGCM(self._sealing_key).encrypt(nonce, value.encode("utf-8"), SEAL_LABEL)
        return SEALED + base64.urlsafe_b64encode(nonce + sealed).decode("ascii")

    def unseal(self, stored: str) -> str | None:
        """The value `seal` made; None for one sealed under another key, altered, or not sealed at all."""
        if not stored.startswith(SEALED):
            return None
        try:
            raw = base64.urlsafe_b64decode(stored[len(SEALED):].encode("ascii"))
            return AESGCM(self._sealing_key).decrypt(raw[:12], raw[12:], SEAL_LABEL).decode("utf-8")
        except (ValueError, InvalidTag):
            return None

    @property
    def _sealing_key(self) -> bytes:
        return hmac.new(self._key, SEAL_LABEL, hashlib.sha256).digest()

    @staticmethod
    def is_keyed(stored: str) -> bool:
        return stored.startswith(SCHEME + "$")

    def matches(self, stored: str, id_number: str, pin: str) -> bool:
        """Whether pin is the password behind stored; raises PasswordKeyError if stored was made under another key."""
        if not self.is_keyed(stored):
            # Hashes imported from elsewhere in werkzeug's formats (scrypt, pbkdf2) still work, slowly.
            return check_password_hash(stored, pin)
        try:
            _scheme, fingerprint, salt, digest = stored.split("$")
        except ValueError:
            return False
        if fingerprint != self.fingerprint:
            raise PasswordKeyError(f"password hashes were made with key {fingerprint}, this server has {self.fingerprint}")
        return hmac.compare_digest(digest, self._digest(f"{salt}:{id_number}:{pin}"))


def instance_key(setting: str, folder: Path) -> str:
    """The configured key, or else the key kept in the instance folder, made at the first start.

    Processes on one machine share the folder and so the key; servers on several machines must share a configured
    key (IVR_PASSWORD_KEY), because a hash made under one key does not match under another.
    """
    if setting:
        return setting
    path = Path(folder) / "password.key"
    try:
        # Exclusive creation: of several processes starting at once, one writes the key and all read it.
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    else:
        with os.fdopen(descriptor, "w") as file:
            file.write(secrets.token_hex(32))
    for _ in range(50):
        key = path.read_text(encoding="ascii").strip()
        if key:
            return key
        # Another process created the file and has not written the key yet.
        time.sleep(0.01)
    raise RuntimeError(f"{path} is empty; delete it to have a new key made")

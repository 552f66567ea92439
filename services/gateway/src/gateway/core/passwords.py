"""Password hashing: Argon2id through pwdlib at OWASP's recommended cost (19 MiB, 2 passes,
1 lane by default; the cost is a setting). Hashes of an older scheme (our stdlib scrypt
`scrypt$n$r$p$salt$key`) still verify, and are upgraded on the next successful sign-in, as
are Argon2 hashes made at a lower cost than the configured one.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from dataclasses import dataclass, field

from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

# OWASP Password Storage Cheat Sheet: Argon2id, m=19 MiB, t=2, p=1 (the minimum it asks).
OWASP_MEMORY_KIB = 19 * 1024
OWASP_TIME_COST = 2
OWASP_PARALLELISM = 1


class LegacyScryptHasher:
    """Verifies the gateway's first scheme; never hashes (new hashes are Argon2id)."""

    @classmethod
    def identify(cls, hash: str | bytes) -> bool:
        text = hash.decode() if isinstance(hash, bytes) else hash
        return text.startswith("scrypt$")

    def hash(self, password: str | bytes, *, salt: bytes | None = None) -> str:
        secret = password.encode() if isinstance(password, str) else password
        salt = salt or os.urandom(16)
        key = hashlib.scrypt(secret, salt=salt, n=2**14, r=8, p=1, dklen=32)
        return f"scrypt${2**14}$8$1${_b64(salt)}${_b64(key)}"

    def verify(self, password: str | bytes, hash: str | bytes) -> bool:
        text = hash.decode() if isinstance(hash, bytes) else hash
        secret = password.encode() if isinstance(password, str) else password
        try:
            _scheme, n, r, p, salt, key = text.split("$")
            expected = base64.b64decode(key)
            actual = hashlib.scrypt(
                secret,
                salt=base64.b64decode(salt),
                n=int(n),
                r=int(r),
                p=int(p),
                dklen=len(expected),
            )
        except ValueError:
            return False
        return hmac.compare_digest(actual, expected)

    def check_needs_rehash(self, hash: str | bytes) -> bool:
        return True


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


@dataclass
class Passwords:
    """Hash and verify with one configured cost. CPU- and memory-bound: callers run it in
    a worker thread, off the event loop."""

    memory_kib: int = OWASP_MEMORY_KIB
    time_cost: int = OWASP_TIME_COST
    parallelism: int = OWASP_PARALLELISM
    _context: PasswordHash = field(init=False, repr=False)
    dummy_hash: str = field(init=False, repr=False)

    def __post_init__(self) -> None:
        argon2 = Argon2Hasher(
            time_cost=self.time_cost, memory_cost=self.memory_kib, parallelism=self.parallelism
        )
        self._context = PasswordHash((argon2, LegacyScryptHasher()))
        # Verified against when the user does not exist, so that a wrong name costs as much
        # as a wrong password and response times do not reveal which accounts exist.
        self.dummy_hash = self.hash("not-a-real-password")

    def hash(self, password: str) -> str:
        return self._context.hash(password)

    def verify(self, password: str, encoded: str) -> bool:
        return self.verify_and_update(password, encoded)[0]

    def verify_and_update(self, password: str, encoded: str) -> tuple[bool, str | None]:
        """(correct?, a new hash to store when the stored one is of an older scheme or cost)."""
        try:
            return self._context.verify_and_update(password, encoded)
        except Exception:  # an unknown or corrupt hash never signs anyone in
            return False, None

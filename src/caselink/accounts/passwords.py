"""Password hashing with argon2id (memory-hard), via argon2-cffi.

Parameters: 64 MiB memory, 3 passes, 2 lanes (argon2-cffi's RFC 9106 low-memory profile).
A hash made with older parameters still verifies, and ``needs_rehash`` says to upgrade it.
"""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from caselink.accounts.errors import WeakPassword

MIN_LENGTH = 12
_HASHER = PasswordHasher(time_cost=3, memory_cost=64 * 1024, parallelism=2)
# Verified against when the user does not exist, so that the time taken does not reveal it.
_DUMMY = _HASHER.hash("caselink-dummy-password-for-timing")


def check_strength(password: str) -> str:
    """Refuse passwords shorter than 12 characters or made of one repeated character."""
    if len(password) < MIN_LENGTH:
        raise WeakPassword(f"password too short: at least {MIN_LENGTH} characters are needed")
    if len(set(password)) < 4:
        raise WeakPassword("password too simple: use at least 4 different characters")
    return password


def hash_password(password: str) -> str:
    return _HASHER.hash(check_strength(password))


def verify_password(stored_hash: str | None, password: str) -> bool:
    """True if ``password`` matches; with no stored hash, spend the same time and return False."""
    try:
        return _HASHER.verify(stored_hash or _DUMMY, password) and stored_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    return _HASHER.check_needs_rehash(stored_hash)

"""Password hashing with Argon2id (argon2-cffi's recommended parameters) and the
minimum strength a new password must have."""

from __future__ import annotations

import functools
import secrets
import unicodedata

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()

MIN_PASSWORD_LENGTH = 8


class WeakPasswordError(ValueError):
    """A new password does not meet the minimum strength (the message says why)."""


@functools.cache
def common_passwords() -> frozenset[str]:
    """The 30,000 most common passwords of the list zxcvbn ships (drawn from leaked
    password corpora; MIT licence), lower-cased. Loaded on first use: 0.2 s, ~15 MB."""
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(word.lower() for word in FREQUENCY_LISTS["passwords"])


def password_weakness(password: str, email: str | None = None) -> str | None:
    """Why ``password`` is too weak for a new account or a password change, or None.

    Rules (NIST SP 800-63B's, without composition rules): at least
    :data:`MIN_PASSWORD_LENGTH` characters that are not whitespace; no control
    characters; not one of the most common passwords (compared case-insensitively after
    Unicode NFKC folding, so full-width digits do not disguise ``123456``); not the
    account's e-mail address or its local part."""
    if any(unicodedata.category(ch) == "Cc" for ch in password):
        return "a password may not contain control characters"
    visible = sum(1 for ch in password if not ch.isspace())
    if visible < MIN_PASSWORD_LENGTH:
        return f"a password needs at least {MIN_PASSWORD_LENGTH} characters besides spaces"
    folded = unicodedata.normalize("NFKC", password).strip().lower()
    if folded in common_passwords():
        return "this password is among the most common ones; choose another"
    if email and folded in {email.lower(), email.lower().partition("@")[0]}:
        return "a password may not be the e-mail address"
    return None


def check_new_password(password: str, email: str | None = None) -> str:
    """``password`` itself when it is strong enough; :class:`WeakPasswordError` if not."""
    problem = password_weakness(password, email)
    if problem:
        raise WeakPasswordError(problem)
    return password


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise WeakPasswordError(f"a password needs at least {MIN_PASSWORD_LENGTH} characters")
    return _hasher.hash(password)


@functools.cache
def _dummy_hash() -> str:
    return _hasher.hash(secrets.token_hex(16))


def verify_password_or_dummy(password_hash: str | None, password: str) -> bool:
    """Verify against ``password_hash``; without one (an unknown e-mail), verify against
    a dummy hash with the same parameters and answer False: both take the same time, so
    response times do not tell which e-mails have accounts."""
    if password_hash is None:
        verify_password(_dummy_hash(), password)
        return False
    return verify_password(password_hash, password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False

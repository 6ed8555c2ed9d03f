"""What a stolen database must not give away: members' contact lines, notes meant for one person, the text of
messages waiting to go out, and which platform accounts belong to the network.

A `Keyring` is made from one secret that is never written to the database (the `secret_key` setting, or for
SQLite a key file beside the database; see `SqliteDatabase`). Two keys are derived from it with HKDF-SHA256:

* a Fernet key (`cryptography`'s Fernet: AES-128-CBC with a random IV, authenticated with HMAC-SHA256, in one
  versioned token format), to `seal` and `open` what the bot must read back: contact lines, notes, message
  bodies, conversation drafts, and the account ids it writes to. Fernet rather than raw AES-GCM because it is the
  library's complete recipe: no nonce to manage, a changed or truncated value fails to open instead of reading
  wrong;
* an HMAC-SHA256 key, for `account`: a keyed hash of "telegram:123" stands for the account wherever looking it
  up is all that is needed. Without the key, nobody can test whether a given account id is in the database.

A database remembers a fingerprint of its key (`fingerprint`, in `meta`), so opening it with another key is
refused at once rather than failing on the first contact line.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

MIN_SECRET = 32  # characters: a new key is 43 (32 random bytes, URL-safe base64)


class SealError(Exception):
    """A value could not be opened: it was sealed with another key, or changed."""


class Keyring:
    """Seals and opens text, and hashes account ids, with keys derived from one secret."""

    def __init__(self, secret: str) -> None:
        if len(secret) < MIN_SECRET:
            raise ValueError(f"a secret key needs at least {MIN_SECRET} characters")
        material = secret.encode()
        self._fernet = Fernet(base64.urlsafe_b64encode(_derive(material, b"solidarity-bot sealed values")))
        self._mac = _derive(material, b"solidarity-bot account hashes")
        self.fingerprint = self.tag("key check", "")[:16]

    @staticmethod
    def new_secret() -> str:
        """A new random secret key, as text."""
        return secrets.token_urlsafe(32)

    def seal(self, text: str | None) -> str | None:
        """`text` encrypted (None and "" stay as they are: nothing to hide in an empty value)."""
        if not text:
            return text
        return self._fernet.encrypt(text.encode()).decode("ascii")

    def open(self, token: str | None) -> str | None:
        """What `seal` sealed."""
        if not token:
            return token
        try:
            return self._fernet.decrypt(token.encode("ascii")).decode()
        except (InvalidToken, UnicodeError):
            raise SealError("a sealed value does not open with this key") from None

    def account(self, key: str) -> str:
        """The keyed hash standing for an account, given as "platform:id"."""
        return self.tag("account", key)

    def tag(self, purpose: str, text: str) -> str:
        """A keyed hash of `text` for one purpose (hashes for different purposes never match)."""
        return hmac.new(self._mac, f"{purpose}\n{text}".encode(), hashlib.sha256).hexdigest()[:32]


def _derive(material: bytes, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(material)

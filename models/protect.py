"""National identity numbers: encrypted at rest, found by a keyed hash, shown masked.

The number never appears in a URL, a log or a page; only its masked form does. The keyed
hash (a "blind index") lets login and roster import find a person by number without
decrypting every row.
"""
import base64
import hashlib
import hmac

import peewee
from cryptography.fernet import Fernet, InvalidToken

_keys = {}


def configure(secret):
    """Derive the encryption and index keys from DATA_KEY (or SECRET_KEY)."""
    material = secret.encode() if isinstance(secret, str) else secret
    enc = hashlib.sha256(b"kontaktbok:national-id:encrypt:" + material).digest()
    idx = hashlib.sha256(b"kontaktbok:national-id:index:" + material).digest()
    _keys["fernet"] = Fernet(base64.urlsafe_b64encode(enc))
    _keys["index"] = idx


def normalise(number):
    return "".join(ch for ch in str(number) if ch.isdigit())


def index_of(number):
    """The keyed hash used to look a person up by national identity number."""
    digits = normalise(number)
    return hmac.new(_keys["index"], digits.encode(), hashlib.sha256).hexdigest()


def mask(number):
    """010115 ***** — the birth date part only (Norwegian and Swedish numbers alike)."""
    if isinstance(number, Sealed):
        number = number.reveal()
    digits = normalise(number)
    if len(digits) == 12:  # Swedish personnummer with century
        return f"{digits[:8]}-****"
    return f"{digits[:6]} *****"


class Sealed:
    """A number as loaded from the database: still encrypted until `reveal()` is called.

    Pages that list people never pay for decryption, and a sealed number printed into a
    log or a template by mistake shows nothing."""
    __slots__ = ("token",)

    def __init__(self, token):
        self.token = token

    def reveal(self):
        try:
            return _keys["fernet"].decrypt(self.token.encode()).decode()
        except InvalidToken:
            raise ValueError("a national identity number cannot be decrypted: "
                             "DATA_KEY differs from the one it was stored with") from None

    def __repr__(self):
        return "<sealed national identity number>"

    __str__ = __repr__


class ProtectedField(peewee.TextField):
    """A text column that is encrypted before it reaches the database."""

    def db_value(self, value):
        if value is None:
            return None
        if isinstance(value, Sealed):
            return value.token
        return _keys["fernet"].encrypt(normalise(value).encode()).decode()

    def python_value(self, value):
        return None if value is None else Sealed(value)


class ProtectedText(ProtectedField):
    """Encrypted text kept as it is (an ID token, which holds a national identity
    number and is needed again only to log out at the provider)."""

    def db_value(self, value):
        if value is None or isinstance(value, Sealed):
            return super().db_value(value)
        return _keys["fernet"].encrypt(value.encode()).decode()


def seal_bytes(data):
    """Bytes encrypted with the data key (a roster file waiting to be applied)."""
    return _keys["fernet"].encrypt(data)


def open_bytes(token):
    return _keys["fernet"].decrypt(token)

"""Is this request from Twilio? ``X-Twilio-Signature``, exactly as Twilio's RequestValidator signs.

Form posts are signed over the URL plus the sorted POST parameters; JSON posts
(Event Streams) over the URL alone, which carries ``bodySHA256``, the hex SHA-256
of the raw body. Without ``X-Twilio-Webhooks-Signature-Settings`` the key is an
account auth token and the algorithm HMAC-SHA1; with it, the key is the named
SharedKey and the algorithm the one it names (HMAC-SHA256).

Signatures are RequestValidator's: ``compute_signature`` signs the URL followed by
every distinct (name, value) pair, sorted, with HMAC of the secret, in base64.
We build that same message and HMAC, with each secret's key schedule computed
once at start-up instead of once per request; a property test holds the result
equal to ``RequestValidator.compute_signature`` on arbitrary URLs and forms.
Signatures are compared in constant time. Twilio signs the default port
inconsistently, so the URL is tried with and without ``:443`` (``:80`` for
http). ``RequestValidator.validate`` would also accept *any* port in place of
none (it strips whatever port the URL has); we do not: a non-default port must
be the one Twilio signed.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterable, Iterator, Mapping, Sequence
from itertools import chain
from urllib.parse import parse_qs, urlsplit

from twilio.request_validator import get_signature_algorithm

Pairs = Iterable[tuple[str, str]]  # form parameters: every (name, value)
DEFAULT_PORTS = {"https": 443, "http": 80}
# The algorithms RequestValidator.compute_signature supports, by the name it takes.
HASHES = {"HMAC_SHA1": hashlib.sha1, "HMAC_SHA256": hashlib.sha256}


def signed_text(url: str, pairs: Pairs) -> str:
    """What Twilio signs: the URL, then name + value of every distinct pair, sorted
    (by name, then value), as ``RequestValidator.compute_signature`` builds it."""
    return url + "".join(chain.from_iterable(sorted(set(pairs))))


class Secret:
    """An auth token or SharedKey secret, keyed once for each algorithm."""

    def __init__(self, secret: str) -> None:
        key = secret.encode("utf-8")
        self._macs = {name: hmac.new(key, digestmod=function) for name, function in HASHES.items()}

    def sign(self, text: str, algorithm: str = "HMAC_SHA1") -> str:
        """``RequestValidator(secret).compute_signature`` of a message from ``signed_text``.
        Raises ValueError for an algorithm it does not support, as the library does."""
        base = self._macs.get(algorithm.upper())
        if base is None:
            raise ValueError(f"Unsupported webhook signature algorithm: {algorithm}")
        mac = base.copy()
        mac.update(text.encode("utf-8"))
        return base64.b64encode(mac.digest()).decode()


def _settings_key(header: str) -> str | None:
    for part in header.split(","):
        name, sep, value = part.partition("=")
        if sep and name.strip() == "key" and value.strip():
            return value.strip()
    return None


def url_variants(url: str) -> Iterator[str]:
    """The URL as received, then with its default port added or removed. Raises ValueError."""
    yield url
    parts = urlsplit(url)
    port = parts.port  # ValueError for a port that is not a number in range
    default = DEFAULT_PORTS.get(parts.scheme)
    if default is None:
        return
    if port is None:
        yield parts._replace(netloc=f"{parts.netloc}:{default}").geturl()
    elif port == default:
        yield parts._replace(netloc=parts.netloc.rsplit(":", 1)[0]).geturl()


class SignatureChecker:
    def __init__(self, auth_tokens: Sequence[str], shared_keys: Mapping[str, str]) -> None:
        self._tokens = [Secret(token) for token in auth_tokens]
        self._shared = {key: Secret(secret) for key, secret in shared_keys.items()}

    def _secrets(self, settings_header: str | None) -> tuple[list[Secret], str]:
        if not settings_header:
            return self._tokens, "HMAC_SHA1"
        key = _settings_key(settings_header)
        secret = self._shared.get(key) if key else None
        return ([secret] if secret else []), get_signature_algorithm(settings_header)

    def _signed(self, url: str, pairs: Pairs, signature: str, settings_header: str | None) -> bool:
        secrets, algorithm = self._secrets(settings_header)
        expected = signature.encode()
        params = signed_text("", pairs)
        try:
            for candidate in url_variants(url):  # lazily: the URL as received usually matches
                text = candidate + params
                for secret in secrets:
                    if hmac.compare_digest(secret.sign(text, algorithm).encode(), expected):
                        return True
        except (ValueError, UnicodeEncodeError):  # bad port, unknown algorithm, odd characters
            return False
        return False

    def form_ok(
        self, url: str, pairs: Pairs, signature: str | None, settings_header: str | None
    ) -> bool:
        """A form post: URL + every parameter, sorted by name."""
        if not signature:
            return False
        return self._signed(url, pairs, signature, settings_header)

    def json_ok(
        self, url: str, body: str, signature: str | None, settings_header: str | None
    ) -> bool:
        """A JSON post: the URL must carry bodySHA256, the body must hash to it, the URL signed."""
        if not signature:
            return False
        try:
            declared = parse_qs(urlsplit(url).query).get("bodySHA256")
        except ValueError:
            return False
        if not declared:
            return False
        actual = hashlib.sha256(body.encode()).hexdigest()
        if not hmac.compare_digest(actual.encode(), declared[0].encode()):
            return False
        return self._signed(url, (), signature, settings_header)

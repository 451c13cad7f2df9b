"""Is this request from Twilio? ``X-Twilio-Signature``, computed by Twilio's own library.

Form posts are signed over the URL plus the sorted POST parameters; JSON posts
(Event Streams) over the URL alone, which carries ``bodySHA256``, the hex SHA-256
of the raw body. Without ``X-Twilio-Webhooks-Signature-Settings`` the key is an
account auth token and the algorithm HMAC-SHA1; with it, the key is the named
SharedKey and the algorithm the one it names (HMAC-SHA256).

Signatures come from ``RequestValidator.compute_signature`` (security code is the
vetted library's, not ours) and are compared in constant time. Twilio signs the default port
inconsistently, so the URL is tried with and without ``:443`` (``:80`` for
http). ``RequestValidator.validate`` would also accept *any* port in place of
none (it strips whatever port the URL has); we do not: a non-default port must
be the one Twilio signed.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable, Iterator, Mapping, Sequence
from urllib.parse import parse_qs, urlsplit

from twilio.request_validator import RequestValidator, get_signature_algorithm

Pairs = Iterable[tuple[str, str]]  # form parameters: every (name, value)
DEFAULT_PORTS = {"https": 443, "http": 80}


class FormParams(dict[str, list[str]]):
    """Form parameters with every value of a repeated name, as the library expects."""

    def getall(self, name: str) -> list[str]:
        return self[name]


def form_params(pairs: Pairs) -> FormParams:
    params = FormParams()
    for name, value in pairs:
        params.setdefault(name, []).append(value)
    return params


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
        self._tokens = [RequestValidator(token) for token in auth_tokens]
        self._shared = {key: RequestValidator(secret) for key, secret in shared_keys.items()}

    def _validators(self, settings_header: str | None) -> tuple[list[RequestValidator], str]:
        if not settings_header:
            return self._tokens, "HMAC_SHA1"
        key = _settings_key(settings_header)
        validator = self._shared.get(key) if key else None
        return ([validator] if validator else []), get_signature_algorithm(settings_header)

    def _signed(
        self, url: str, params: FormParams, signature: str, settings_header: str | None
    ) -> bool:
        validators, algorithm = self._validators(settings_header)
        expected = signature.encode()
        try:
            for candidate in url_variants(url):  # lazily: the URL as received usually matches
                for validator in validators:
                    computed = validator.compute_signature(candidate, params, algorithm)
                    if hmac.compare_digest(computed.encode(), expected):
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
        return self._signed(url, form_params(pairs), signature, settings_header)

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
        return self._signed(url, FormParams(), signature, settings_header)

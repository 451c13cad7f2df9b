"""X-Twilio-Signature: Twilio's documented vectors, and every way to tamper with a request."""

from __future__ import annotations

import base64
import hashlib
import hmac

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from twilio.request_validator import RequestValidator

from twilio_webhooks.signature import SignatureChecker
from twilio_webhooks.testing import sign_form

# Twilio's documented example (docs: webhooks security; twilio-python's tests).
DOC_TOKEN = "12345"
DOC_URL = "https://mycompany.com/myapp.php?foo=1&bar=2"
DOC_PARAMS = {
    "CallSid": "CA1234567890ABCDE",
    "Caller": "+14158675309",
    "Digits": "1234",
    "From": "+14158675309",
    "To": "+18005551212",
}
DOC_SIGNATURE = "RSOYDt4T1cUTdK1PDd93/VVr8B8="
DOC_SIGNATURE_OLD_NUMBERS = "0/KCTR6DLpKmkAf8muzZqo1nDgQ="  # Caller/From +12349013030
DOC_SIGNATURE_WITH_443 = "kvajT1Ptam85bY51eRf/AJRuM3w="
DOC_BODY = '{"property": "value", "boolean": true}'
DOC_BODY_SHA256 = "0a1ff7634d9ab3b95db5c9a2dfe9416e41502b283a80c7cf19632632f96e6620"
DOC_JSON_SIGNATURE = "a9nBmqA0ju/hNViExpshrM61xv4="
DOC_JSON_URL = f"{DOC_URL}&bodySHA256={DOC_BODY_SHA256}"

checker = SignatureChecker([DOC_TOKEN], {})


def multi(params: dict[str, str]) -> list[tuple[str, str]]:
    """A form's (name, value) pairs, as the receiver parses them."""
    return list(params.items())


def test_twilio_form_vectors() -> None:
    assert sign_form(DOC_TOKEN, DOC_URL, DOC_PARAMS) == DOC_SIGNATURE
    assert checker.form_ok(DOC_URL, multi(DOC_PARAMS), DOC_SIGNATURE, None)
    old = {**DOC_PARAMS, "Caller": "+12349013030", "From": "+12349013030"}
    assert checker.form_ok(DOC_URL, multi(old), DOC_SIGNATURE_OLD_NUMBERS, None)
    url_443 = "https://mycompany.com:443/myapp.php?foo=1&bar=2"
    assert sign_form(DOC_TOKEN, url_443, DOC_PARAMS) == DOC_SIGNATURE_WITH_443
    # Twilio signs with or without the default port: both URLs validate both signatures.
    assert checker.form_ok(url_443, multi(DOC_PARAMS), DOC_SIGNATURE, None)
    assert checker.form_ok(DOC_URL, multi(DOC_PARAMS), DOC_SIGNATURE_WITH_443, None)


def test_twilio_json_vector() -> None:
    assert hashlib.sha256(DOC_BODY.encode()).hexdigest() == DOC_BODY_SHA256
    assert checker.json_ok(DOC_JSON_URL, DOC_BODY, DOC_JSON_SIGNATURE, None)


@pytest.mark.parametrize("name", sorted(DOC_PARAMS))
def test_tampering_with_any_parameter_fails(name: str) -> None:
    changed = {**DOC_PARAMS, name: DOC_PARAMS[name] + "0"}
    assert not checker.form_ok(DOC_URL, multi(changed), DOC_SIGNATURE, None)
    removed = {k: v for k, v in DOC_PARAMS.items() if k != name}
    assert not checker.form_ok(DOC_URL, multi(removed), DOC_SIGNATURE, None)
    renamed = {(k + "x" if k == name else k): v for k, v in DOC_PARAMS.items()}
    assert not checker.form_ok(DOC_URL, multi(renamed), DOC_SIGNATURE, None)


def test_adding_a_parameter_or_a_second_value_fails() -> None:
    added = multi({**DOC_PARAMS, "Extra": ""})
    assert not checker.form_ok(DOC_URL, added, DOC_SIGNATURE, None)
    repeated = [*multi(DOC_PARAMS), ("Digits", "5678")]
    assert not checker.form_ok(DOC_URL, repeated, DOC_SIGNATURE, None)


def test_repeated_parameters_are_signed_sorted_and_distinct() -> None:
    params = {**{k: [v] for k, v in DOC_PARAMS.items()}, "MediaUrl": ["b", "a", "b"]}
    expected_string = DOC_URL + "".join(
        name + value for name in sorted(params) for value in sorted(set(params[name]))
    )
    pairs = [(name, value) for name, values in params.items() for value in values]
    expected = base64.b64encode(
        hmac.new(DOC_TOKEN.encode(), expected_string.encode(), hashlib.sha1).digest()
    ).decode()
    assert checker.form_ok(DOC_URL, pairs, expected, None)


@pytest.mark.parametrize(
    "url",
    [
        "http://mycompany.com/myapp.php?foo=1&bar=2",  # scheme
        "https://mycompany.org/myapp.php?foo=1&bar=2",  # host
        "https://mycompany.com:8443/myapp.php?foo=1&bar=2",  # port
        "https://mycompany.com:80/myapp.php?foo=1&bar=2",  # the other scheme's default port
        "https://mycompany.com:8080/myapp.php?foo=1&bar=2",
        "https://mycompany.com/myapp.php?foo=1&bar=3",  # query value
        "https://mycompany.com/myapp.php?bar=2&foo=1",  # query order
        "https://mycompany.com/myapp.php?foo=1",  # query parameter dropped
        "https://mycompany.com/myapp2.php?foo=1&bar=2",  # path
        "https://mycompany.com/MyApp.php?foo=1&bar=2",  # path case
        "https://mycompany.com/myapp.php/?foo=1&bar=2",  # trailing slash
    ],
)
def test_tampering_with_the_url_fails(url: str) -> None:
    assert not checker.form_ok(url, multi(DOC_PARAMS), DOC_SIGNATURE, None)
    assert not checker.form_ok(url, multi(DOC_PARAMS), DOC_SIGNATURE_WITH_443, None)


def test_a_non_default_port_must_be_the_signed_one() -> None:
    """The library's validate() strips any port; ours only toggles the default one."""
    from twilio.request_validator import RequestValidator

    url_8443 = "https://mycompany.com:8443/myapp.php?foo=1&bar=2"
    assert RequestValidator(DOC_TOKEN).validate(url_8443, DOC_PARAMS, DOC_SIGNATURE)
    assert not checker.form_ok(url_8443, multi(DOC_PARAMS), DOC_SIGNATURE, None)
    signed_8443 = sign_form(DOC_TOKEN, url_8443, DOC_PARAMS)
    assert checker.form_ok(url_8443, multi(DOC_PARAMS), signed_8443, None)
    assert not checker.form_ok(DOC_URL, multi(DOC_PARAMS), signed_8443, None)


def test_wrong_token_empty_or_garbled_signature_fails() -> None:
    assert not SignatureChecker(["54321"], {}).form_ok(
        DOC_URL, multi(DOC_PARAMS), DOC_SIGNATURE, None
    )
    for bad in (None, "", "RSOYDt4T1cUTdK1PDd93/VVr8B8", DOC_SIGNATURE.lower(), "x" * 28):
        assert not checker.form_ok(DOC_URL, multi(DOC_PARAMS), bad, None)


def test_json_tampering_fails() -> None:
    # The body: one byte more, one byte changed, whitespace re-formatted.
    for body in (DOC_BODY + " ", DOC_BODY.replace("value", "valuf"), DOC_BODY.replace(" ", "")):
        assert not checker.json_ok(DOC_JSON_URL, body, DOC_JSON_SIGNATURE, None)
    # The bodySHA256 parameter: changed, or missing (a JSON post must carry it).
    other = DOC_JSON_URL.replace("0a1ff", "0a1fe")
    assert not checker.json_ok(other, DOC_BODY, DOC_JSON_SIGNATURE, None)
    assert not checker.json_ok(DOC_URL, DOC_BODY, DOC_JSON_SIGNATURE, None)
    # The URL around it.
    assert not checker.json_ok(
        DOC_JSON_URL.replace("mycompany.com", "mycompany.com:8443"),
        DOC_BODY,
        DOC_JSON_SIGNATURE,
        None,
    )
    assert not checker.json_ok(
        DOC_JSON_URL.replace("https", "http"), DOC_BODY, DOC_JSON_SIGNATURE, None
    )
    # A body re-hashed by an attacker still needs the token to sign the new URL.
    forged_body = DOC_BODY.replace("value", "evil!")
    forged_url = f"{DOC_URL}&bodySHA256={hashlib.sha256(forged_body.encode()).hexdigest()}"
    assert not checker.json_ok(forged_url, forged_body, DOC_JSON_SIGNATURE, None)


def test_two_tokens_during_rotation() -> None:
    rotating = SignatureChecker(["new-token", DOC_TOKEN], {})
    assert rotating.form_ok(DOC_URL, multi(DOC_PARAMS), DOC_SIGNATURE, None)
    signed_new = sign_form("new-token", DOC_URL, DOC_PARAMS)
    assert rotating.form_ok(DOC_URL, multi(DOC_PARAMS), signed_new, None)
    signed_other = sign_form("retired-token", DOC_URL, DOC_PARAMS)
    assert not rotating.form_ok(DOC_URL, multi(DOC_PARAMS), signed_other, None)


def test_shared_key_signatures() -> None:
    keys = SignatureChecker([DOC_TOKEN], {"webhooks_sharedkey_1": "shared-secret"})
    header = "key=webhooks_sharedkey_1,algorithm=HMAC_SHA256"
    sha256_sig = sign_form("shared-secret", DOC_URL, DOC_PARAMS, algorithm="HMAC_SHA256")
    assert keys.form_ok(DOC_URL, multi(DOC_PARAMS), sha256_sig, header)
    # Without the settings header the auth token and HMAC-SHA1 apply: the same signature fails.
    assert not keys.form_ok(DOC_URL, multi(DOC_PARAMS), sha256_sig, None)
    # A key we do not hold, an unsupported algorithm, or the auth token under the header: refused.
    unknown = "key=webhooks_sharedkey_2,algorithm=HMAC_SHA256"
    assert not keys.form_ok(DOC_URL, multi(DOC_PARAMS), sha256_sig, unknown)
    md5 = "key=webhooks_sharedkey_1,algorithm=HMAC_MD5"
    assert not keys.form_ok(DOC_URL, multi(DOC_PARAMS), sha256_sig, md5)
    assert not keys.form_ok(DOC_URL, multi(DOC_PARAMS), DOC_SIGNATURE, header)
    # The shared key with HMAC-SHA1, and a header without an algorithm (SHA1 by default).
    sha1_sig = sign_form("shared-secret", DOC_URL, DOC_PARAMS)
    assert keys.form_ok(DOC_URL, multi(DOC_PARAMS), sha1_sig, "key=webhooks_sharedkey_1")
    # JSON bodies signed with the shared key.
    json_sig = sign_form("shared-secret", DOC_JSON_URL, {}, algorithm="HMAC_SHA256")
    assert keys.json_ok(DOC_JSON_URL, DOC_BODY, json_sig, header)
    assert not keys.json_ok(DOC_JSON_URL, DOC_BODY + " ", json_sig, header)


def test_unparseable_urls_fail_without_raising() -> None:
    for url in ("https://[::1/x", "https://host:port/x", "https://host:99999/x"):
        assert not checker.form_ok(url, multi(DOC_PARAMS), DOC_SIGNATURE, None)
        assert not checker.json_ok(url + "?bodySHA256=00", DOC_BODY, DOC_JSON_SIGNATURE, None)


class _MultiDict(dict):
    """Form parameters with every value of a repeated name, as RequestValidator reads them."""

    def getall(self, name: str) -> list[str]:
        return self[name]


def unicode_text(max_size: int) -> st.SearchStrategy[str]:
    """Any Unicode a form can carry (a lone surrogate cannot be encoded, by anyone)."""
    return st.text(st.characters(blacklist_categories=("Cs",)), max_size=max_size)


@settings(max_examples=200, derandomize=True, deadline=None)
@given(
    pairs=st.lists(st.tuples(unicode_text(8), unicode_text(12)), max_size=10),
)
def test_any_form_signed_by_the_library_is_accepted(pairs) -> None:
    """Repeated names and values, empty strings, any Unicode: the pairs as received reach
    RequestValidator grouped the way it reads a form, so Twilio's signature matches."""
    grouped: dict[str, list[str]] = {}
    for name, value in pairs:
        grouped.setdefault(name, []).append(value)
    signature = RequestValidator(DOC_TOKEN).compute_signature(DOC_URL, _MultiDict(grouped))
    assert checker.form_ok(DOC_URL, pairs, signature, None)
    assert not checker.form_ok(DOC_URL, [*pairs, ("Extra", "1")], signature, None)


def test_unsupported_algorithms_are_refused_like_the_library() -> None:
    with pytest.raises(ValueError, match="Unsupported"):
        RequestValidator(DOC_TOKEN).compute_signature(DOC_URL, {}, "HMAC_MD5")
    checker = SignatureChecker([DOC_TOKEN], {"k1": DOC_TOKEN})
    header = "key=k1,algorithm=HMAC_MD5"
    assert not checker.form_ok(DOC_URL, [], "x", header)

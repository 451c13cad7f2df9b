"""Rebuilding the URL Twilio signed: directly, behind a trusted TLS proxy, or from config."""

from __future__ import annotations

from twilio_webhooks.config import Settings, parse_proxies
from twilio_webhooks.urls import public_url


def scope(
    headers: dict[str, str],
    *,
    client: str = "10.0.0.2",
    scheme: str = "http",
    raw_path: bytes = b"/twilio/messages/status",
    query: bytes = b"",
) -> dict:
    return {
        "type": "http",
        "scheme": scheme,
        "path": raw_path.decode(),
        "raw_path": raw_path,
        "query_string": query,
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
        "client": (client, 50000),
        "server": ("10.0.0.5", 8080),
    }


def settings(**kwargs) -> Settings:
    return Settings(auth_tokens=("t",), **kwargs)


def test_direct_request_uses_scheme_and_host_header() -> None:
    s = scope({"host": "hooks.example.com:8080"}, query=b"a=1&b=%2B2")
    assert (
        public_url(s, settings())
        == "http://hooks.example.com:8080/twilio/messages/status?a=1&b=%2B2"
    )


def test_raw_path_is_kept_percent_encoded() -> None:
    s = scope({"host": "h"}, raw_path=b"/twilio/messages/status%2Fx")
    assert public_url(s, settings()) == "http://h/twilio/messages/status%2Fx"


def test_forwarded_headers_from_a_trusted_proxy() -> None:
    trusted = settings(trusted_proxies=parse_proxies(["10.0.0.0/24"]))
    s = scope(
        {
            "host": "10.0.0.5:8080",
            "x-forwarded-proto": "https",
            "x-forwarded-host": "hooks.example.com",
        }
    )
    assert public_url(s, trusted) == "https://hooks.example.com/twilio/messages/status"


def test_forwarded_port_and_the_nearest_proxys_value() -> None:
    trusted = settings(trusted_proxies=parse_proxies(["10.0.0.2"]))
    s = scope(
        {
            "host": "internal:8080",
            # A client-supplied value first, then the one our proxy appended: the last counts.
            "x-forwarded-proto": "http, https",
            "x-forwarded-host": "evil.example.com, hooks.example.com",
            "x-forwarded-port": "8443",
        }
    )
    assert public_url(s, trusted) == "https://hooks.example.com:8443/twilio/messages/status"
    s443 = scope(
        {"host": "hooks.example.com", "x-forwarded-proto": "https", "x-forwarded-port": "443"}
    )
    assert public_url(s443, trusted) == "https://hooks.example.com/twilio/messages/status"


def test_forwarded_headers_from_anyone_else_are_ignored() -> None:
    s = scope(
        {"host": "hooks.example.com", "x-forwarded-proto": "https", "x-forwarded-host": "evil.com"},
        client="203.0.113.9",
    )
    assert public_url(s, settings()) == "http://hooks.example.com/twilio/messages/status"
    trusted_elsewhere = settings(trusted_proxies=parse_proxies(["10.0.0.0/24"]))
    assert public_url(s, trusted_elsewhere) == "http://hooks.example.com/twilio/messages/status"


def test_configured_public_url_wins() -> None:
    configured = settings(public_url="https://hooks.example.com/prefix")
    s = scope({"host": "internal:8080", "x-forwarded-host": "evil.com"}, query=b"x=1")
    assert (
        public_url(s, configured) == "https://hooks.example.com/prefix/twilio/messages/status?x=1"
    )


def test_missing_host_header_falls_back_to_the_server_address() -> None:
    assert public_url(scope({}), settings()) == "http://10.0.0.5:8080/twilio/messages/status"


TRUSTED = settings(trusted_proxies=parse_proxies(["10.0.0.0/24"]))


def test_rfc7239_forwarded_from_a_trusted_proxy() -> None:
    s = scope(
        {
            "host": "10.0.0.5:8080",
            "forwarded": "for=198.51.100.7;proto=https;host=hooks.example.com",
        }
    )
    assert public_url(s, TRUSTED) == "https://hooks.example.com/twilio/messages/status"
    # Quoted values, a port in the host, parameter names in any case.
    s = scope(
        {
            "host": "x",
            "forwarded": 'For="[2001:db8::1]:4711";Proto=HTTPS;Host="hooks.example.com:8443"',
        }
    )
    assert public_url(s, TRUSTED) == "https://hooks.example.com:8443/twilio/messages/status"


def test_forwarded_uses_the_element_the_nearest_proxy_added() -> None:
    """A client's own element first, then our proxy's: only the last one counts, in one
    header line or over several."""
    forged = "proto=http;host=evil.example.com"
    ours = "for=198.51.100.7;proto=https;host=hooks.example.com"
    s = scope({"host": "x", "forwarded": f"{forged}, {ours}"})
    assert public_url(s, TRUSTED) == "https://hooks.example.com/twilio/messages/status"
    s = scope({"host": "x"})
    s["headers"] += [(b"forwarded", forged.encode()), (b"forwarded", ours.encode())]
    assert public_url(s, TRUSTED) == "https://hooks.example.com/twilio/messages/status"
    # The nearest element names no host: the request's own Host, not the client's element.
    s = scope({"host": "hooks.example.com", "forwarded": f"{forged}, for=198.51.100.7;proto=https"})
    assert public_url(s, TRUSTED) == "https://hooks.example.com/twilio/messages/status"


def test_forwarded_before_x_forwarded_and_ignored_from_others() -> None:
    headers = {
        "host": "internal:8080",
        "forwarded": "proto=https;host=hooks.example.com",
        "x-forwarded-proto": "http",
        "x-forwarded-host": "other.example.com",
    }
    assert public_url(scope(headers), TRUSTED) == "https://hooks.example.com/twilio/messages/status"
    untrusted = scope(headers, client="203.0.113.9")
    assert public_url(untrusted, TRUSTED) == "http://internal:8080/twilio/messages/status"
    assert public_url(scope(headers), settings()) == "http://internal:8080/twilio/messages/status"


def test_x_forwarded_over_several_header_lines_uses_the_last() -> None:
    s = scope({"host": "internal:8080"})
    s["headers"] += [
        (b"x-forwarded-host", b"evil.example.com"),
        (b"x-forwarded-host", b"hooks.example.com"),
    ]
    assert public_url(s, TRUSTED) == "http://hooks.example.com/twilio/messages/status"

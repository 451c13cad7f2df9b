"""No store credential in anything the receiver or the tap prints: ``mask_credentials``."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import TOKEN
from twilio_webhooks import cli
from twilio_webhooks.masking import MASK, mask_credentials, secrets_of
from twilio_webhooks.tap import ConfigError, TapTwilioWebhooks
from twilio_webhooks.testing import free_port, running_receiver

SECRETS = ("alice-user", "pw-userinfo", "pw-query", "pw-ssl", "tok-query", "pw-dsn")


def _store_url(port: int) -> str:
    """Every place a PostgreSQL URL can hold a credential, with a harmless option too."""
    return (
        f"postgresql://alice-user:pw-userinfo@127.0.0.1:{port}/hooks"
        "?password=pw-query&sslpassword=pw-ssl&token=tok-query&application_name=hooks"
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "postgresql://alice:pw1@db:5432/hooks?password=pw2&sslpassword=pw3&sslmode=require",
            f"postgresql://{MASK}@db:5432/hooks?password={MASK}&sslpassword={MASK}&sslmode=require",
        ),
        ("postgres://bob@db/hooks", f"postgres://{MASK}@db/hooks"),
        ("postgresql://u:p%40ss/w@db/hooks", f"postgresql://{MASK}@db/hooks"),
        (
            "x?api_key=K&secret=S&Token=T&key=Z",
            f"x?api_key={MASK}&secret={MASK}&Token={MASK}&key={MASK}",
        ),
        (
            "host=db port=5432 user=alice password='se cr\\'et' dbname=hooks",
            f"host=db port=5432 user={MASK} password={MASK} dbname=hooks",
        ),
        ("cannot open a=1, passfile = /x/.pgpass: no", f"cannot open a=1, passfile = {MASK} no"),
        (
            "two: postgresql://a:b@h1/d and https://c:d@h2/e?auth=z.",
            f"two: postgresql://{MASK}@h1/d and https://{MASK}@h2/e?auth={MASK}",
        ),
        ("sqlite:///var/lib/twilio-webhooks/events.sqlite3", None),
        ("https://hooks.example.com/twilio/event-streams?bodySHA256=ab12", None),
        ("postgresql://db:5432/hooks?sslmode=verify-full&application_name=x", None),
    ],
)
def test_every_credential_form_is_masked(text: str, expected: str | None) -> None:
    assert mask_credentials(text) == (text if expected is None else expected)


def test_known_secrets_are_masked_wherever_they_appear() -> None:
    """libpq quotes the piece of a DSN it cannot parse: the bare password."""
    url = "host=db password=hunter22 user=postgres"
    message = 'missing "=" after "hunter22" in connection info string; postgresql is fine'
    assert mask_credentials(message, url) == (
        f'missing "=" after "{MASK}" in connection info string; postgresql is fine'
    )
    assert secrets_of("postgresql://u:p%40ssword@h/d?sslpassword=abcd") == {
        "p%40ssword",
        "p@ssword",
        "abcd",
    }


def _assert_clean(text: str) -> None:
    leaked = [secret for secret in SECRETS if secret in text]
    assert not leaked, f"{leaked} printed in: {text}"


def test_the_receivers_error_masks_the_store_url(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TWILIO_WEBHOOKS_AUTH_TOKENS", TOKEN)
    monkeypatch.setenv("TWILIO_WEBHOOKS_STORE_URL", _store_url(free_port()))  # nobody listens
    assert cli.main(["serve", "--port", str(free_port())]) == 2
    err = capsys.readouterr().err
    assert "cannot open the store postgresql://***@127.0.0.1:" in err
    _assert_clean(err)


def test_the_receivers_error_masks_a_password_libpq_quotes(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """libpq refuses a bad percent-escape by quoting it: here, the password itself."""
    monkeypatch.setenv("TWILIO_WEBHOOKS_AUTH_TOKENS", TOKEN)
    monkeypatch.setenv(
        "TWILIO_WEBHOOKS_STORE_URL", "postgresql://alice-user:pw-dsn%zz@127.0.0.1/hooks"
    )
    assert cli.main(["serve", "--port", str(free_port())]) == 2
    err = capsys.readouterr().err
    assert "invalid percent-encoded token" in err  # libpq's own words, quoting the password
    _assert_clean(err)


@pytest.mark.postgres
def test_the_receivers_startup_line_masks_the_store_url(postgres_url: str, tmp_path: Path) -> None:
    """A real server (trust auth: the passwords are ignored); the log holds none of them."""
    import psycopg  # the postgres extra

    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute('create role "alice-user" login')
        conn.execute('create database masking owner "alice-user"')
    host = postgres_url.split("@", 1)[1].split("/", 1)[0]
    url = (
        f"postgresql://alice-user:pw-userinfo@{host}/masking"
        "?password=pw-query&sslpassword=pw-ssl&application_name=hooks"
    )
    log = tmp_path / "receiver.log"
    with running_receiver(store_url=url, auth_tokens=[TOKEN], log_path=log):
        pass
    text = log.read_text()
    assert "(store postgresql://***@127.0.0.1:" in text
    _assert_clean(text)


def test_the_taps_error_masks_the_store_url(tmp_path: Path) -> None:
    tap = TapTwilioWebhooks(config={"store_url": _store_url(free_port())})
    with pytest.raises(ConfigError) as raised:
        _ = tap.backend
    assert "cannot open postgresql://***@127.0.0.1:" in str(raised.value)
    _assert_clean(str(raised.value))
    config = tmp_path / "config.json"
    config.write_text(json.dumps({"store_url": _store_url(free_port())}))
    run = subprocess.run(
        [sys.executable, "-c", "from twilio_webhooks.tap import cli; cli()", "--config", config],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode == 1
    assert "tap-twilio-webhooks: store_url: cannot open postgresql://***@" in run.stderr
    _assert_clean(run.stdout + run.stderr)

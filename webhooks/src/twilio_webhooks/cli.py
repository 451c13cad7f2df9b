"""``twilio-webhooks serve``: run the receiver with uvicorn.

Secrets come from the environment (see ``config``); the command line carries
only what is safe to show in ``ps``.
"""

from __future__ import annotations

import argparse
import logging
import sys

import uvicorn

from .app import create_app
from .config import (
    DEFAULT_BODY_TIMEOUT,
    DEFAULT_HEALTH_TIMEOUT,
    DEFAULT_MAX_BODY,
    ConfigError,
    from_environment,
)
from .masking import mask_credentials
from .store import GroupCommitter, open_backend


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="twilio-webhooks",
        description="A signed, idempotent, durable receiver for Twilio webhooks.",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser(
        "serve",
        help="receive webhooks",
        description=(
            "Receive Twilio status callbacks, incoming messages and Event Streams; "
            "answer 2xx only once each event is committed. Signing secrets come from "
            "TWILIO_WEBHOOKS_AUTH_TOKENS and TWILIO_WEBHOOKS_SHARED_KEYS."
        ),
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    serve.add_argument("--host", default="127.0.0.1", help="interface to bind")
    serve.add_argument("--port", type=int, default=8780, help="TCP port")
    serve.add_argument(
        "--store",
        help="sqlite:///path/events.sqlite3 or postgresql://… "
        "(default: TWILIO_WEBHOOKS_STORE_URL, else a SQLite file under /var/lib)",
    )
    serve.add_argument(
        "--public-url",
        help="the URL Twilio calls, up to the path, e.g. https://hooks.example.com "
        "(use it behind a proxy that rewrites the scheme, host or a path prefix)",
    )
    serve.add_argument(
        "--trusted-proxy",
        action="append",
        default=[],
        metavar="IP_OR_CIDR",
        help="believe Forwarded and X-Forwarded-Proto/Host/Port from this peer (repeatable)",
    )
    serve.add_argument(
        "--max-body-bytes", type=int, default=DEFAULT_MAX_BODY, help="larger bodies get 413"
    )
    serve.add_argument(
        "--body-timeout",
        type=float,
        default=DEFAULT_BODY_TIMEOUT,
        help="a request body slower than this (seconds, in all) gets 408 and a closed connection",
    )
    serve.add_argument(
        "--health-timeout",
        type=float,
        default=DEFAULT_HEALTH_TIMEOUT,
        help="/healthz answers 503 when its heartbeat commit takes longer (seconds)",
    )
    serve.add_argument("--log-level", default="info", help="log level")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(
        level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    try:
        settings = from_environment(
            store_url=args.store,
            public_url=args.public_url,
            trusted_proxies=args.trusted_proxy,
            max_body_bytes=args.max_body_bytes,
            health_timeout=args.health_timeout,
            body_timeout=args.body_timeout,
        )
    except ConfigError as exc:
        print(f"twilio-webhooks: {exc}", file=sys.stderr)
        return 2
    store = mask_credentials(settings.store_url)
    try:
        backend = open_backend(settings.store_url)
    except Exception as exc:
        error = mask_credentials(f"cannot open the store {store}: {exc}", settings.store_url)
        print(f"twilio-webhooks: {error}", file=sys.stderr)
        return 2
    committer = GroupCommitter(backend)
    print(
        f"twilio-webhooks: serving http://{args.host}:{args.port} "
        f"(store {store}, {len(settings.auth_tokens)} auth token(s), "
        f"{len(settings.shared_keys)} shared key(s))",
        flush=True,
    )
    try:
        uvicorn.run(
            create_app(settings, committer),
            host=args.host,
            port=args.port,
            log_level=args.log_level.lower(),
            access_log=False,
            proxy_headers=False,  # forwarded headers are handled by urls.public_url
            server_header=False,
        )
    finally:
        committer.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())

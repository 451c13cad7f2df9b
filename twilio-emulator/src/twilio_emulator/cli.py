"""``twilio-emulator serve``: run the emulator on a local port.

Credentials are never printed. The main account's auth token and the API key
secret come from ``TWILIO_EMULATOR_AUTH_TOKEN`` / ``TWILIO_EMULATOR_API_KEY_SECRET``
(random when unset); ``--credentials-file`` writes them (mode 600) for a launcher.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

import uvicorn

from .app import create_app
from .behaviours import BEHAVIOURS, all_off
from .callbacks import CallbackUrls
from .emulator import Emulator, EmulatorConfig
from .faults import KINDS, FaultPlan
from .sender import SenderConfig
from .timefmt import parse_iso_instant


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="twilio-emulator",
        description="A local emulator of the Twilio REST API with deterministic data.",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser(
        "serve",
        help="serve the API",
        description="Serve the Twilio REST API and product APIs on a local port.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    serve.add_argument("--host", default="127.0.0.1", help="interface to bind")
    serve.add_argument("--port", type=int, default=8765, help="TCP port")
    data = serve.add_argument_group("data")
    data.add_argument("--seed", type=int, default=42, help="seed for every generated record")
    data.add_argument("--days", type=int, default=120, help="days of history before the clock")
    data.add_argument(
        "--messages-per-day", type=float, default=250.0, help="messages per day, all accounts"
    )
    data.add_argument(
        "--calls-per-day", type=float, default=60.0, help="calls per day, all accounts"
    )
    data.add_argument("--customers", type=int, default=1500, help="customer phone numbers")
    data.add_argument(
        "--no-closed-subaccount",
        dest="closed_subaccount",
        action="store_false",
        help="leave out the closed subaccount (its resources answer 404)",
    )
    data.add_argument(
        "--closing-after-days",
        type=float,
        help="the subaccount closed part-way (Acme Retail) closes this many days after the "
        "initial clock instead, so a run can read it and a later one find it closed",
    )
    data.add_argument(
        "--now",
        help="initial clock, ISO-8601 (e.g. 2026-11-26T12:00:00Z); default: the wall clock",
    )
    hooks = serve.add_argument_group(
        "webhooks",
        "Signed webhooks sent as the clock advances (each off unless its URL is given), "
        "signed with the auth token of the record's account.",
    )
    hooks.add_argument("--status-callback-url", help="message status callbacks (outbound)")
    hooks.add_argument("--call-status-callback-url", help="call progress callbacks")
    hooks.add_argument("--incoming-message-url", help="incoming message webhooks (inbound)")
    hooks.add_argument("--event-stream-url", help="Event Streams sink (JSON CloudEvents)")
    hooks.add_argument(
        "--webhook-attempts", type=int, default=5, help="tries per webhook before giving up"
    )
    hooks.add_argument(
        "--webhook-queue-size", type=int, default=1000, help="webhooks planned ahead of senders"
    )
    _behaviour_arguments(serve)
    _fault_arguments(serve)
    serve.add_argument(
        "--credentials-file",
        type=Path,
        help="write the account SID, auth token and API key here (mode 600) once ready",
    )
    serve.add_argument("--log-level", default="warning", help="uvicorn log level")
    return parser


def _limit(value: str) -> int | None:
    """A page-size or result limit: a whole number, or ``off``."""
    return None if value.strip().lower() == "off" else int(value)


def _behaviour_arguments(serve: argparse.ArgumentParser) -> None:
    """One option per real-world behaviour (``behaviours.BEHAVIOURS``), named after its field."""
    group = serve.add_argument_group(
        "real-world behaviours",
        "Twilio's behaviour beyond the happy path, each on by default and each switchable "
        "(the same names on EmulatorConfig; GET /_emulator/info reports them). "
        "--happy-path switches them all off.",
    )
    group.add_argument(
        "--happy-path",
        action="store_true",
        help="switch every real-world behaviour off (options below still apply after it)",
    )
    defaults = EmulatorConfig()
    for behaviour in BEHAVIOURS:
        flag = behaviour.name.replace("_", "-")
        default = getattr(defaults, behaviour.name)
        text = f"{behaviour.help} [source: {behaviour.source}]"
        # SUPPRESS: an option not given leaves EmulatorConfig's default (stated in the help).
        common = {"dest": behaviour.name, "default": argparse.SUPPRESS}
        if isinstance(default, bool):
            group.add_argument(f"--no-{flag}", action="store_false", help=text, **common)
        elif behaviour.choices:
            group.add_argument(
                f"--{flag}",
                choices=behaviour.choices,
                help=f"{text} (default: {default})",
                **common,
            )
        elif isinstance(default, float):
            group.add_argument(
                f"--{flag}",
                type=float,
                metavar="RATE" if behaviour.name.endswith("_rate") else "SECONDS",
                help=f"{text} (default: {default})",
                **common,
            )
        else:
            group.add_argument(
                f"--{flag}", type=_limit, metavar="N|off", help=f"{text} (default: {default})",
                **common,
            )  # fmt: skip


def _behaviours(args: argparse.Namespace) -> dict:
    """EmulatorConfig overrides: --happy-path first, then each option given."""
    chosen = all_off() if args.happy_path else {}
    for behaviour in BEHAVIOURS:
        if hasattr(args, behaviour.name):
            chosen[behaviour.name] = getattr(args, behaviour.name)
    return chosen


def _fault_arguments(serve: argparse.ArgumentParser) -> None:
    kinds = "; ".join(f"{kind}: {what}" for kind, what in KINDS.items())
    group = serve.add_argument_group(
        "faults",
        "Inject the failures the real Twilio API produces, on the 2010 API and every product API "
        "(Monitor, Messaging, Conversations, Studio, Verify, Trunking, Insights; never on "
        "/_emulator). Random faults are repeatable: a hash of (seed, URL, times asked). "
        "The whole plan can be read and replaced at runtime: GET, POST (JSON with the same "
        "names: seed, rates, retry_after, latency_ms, max_concurrent, hang_seconds, "
        "revoke_after, close_after, page_size_limit, usage_page_size_limit, retention_days; a "
        "plan only adds faults: it never switches a real-world behaviour off) "
        "or DELETE /_emulator/faults.",
    )
    group.add_argument("--fault-seed", type=int, default=0, help="seed of the random faults")
    group.add_argument(
        "--fault",
        action="append",
        default=[],
        metavar="KIND=RATE",
        help=f"answer this share (0-1) of requests with a fault; repeatable. Kinds: {kinds}",
    )
    group.add_argument(
        "--retry-after", type=int, default=1, help="Retry-After seconds sent with fault 429"
    )
    group.add_argument("--latency-ms", type=int, default=0, help="added to every API request")
    group.add_argument(
        "--max-concurrent",
        type=int,
        help="answer 429 (code 20429, with Twilio-Concurrent-Requests) past N requests in flight",
    )
    group.add_argument(
        "--hang-seconds", type=float, default=30.0, help="longest stall of a timeout fault"
    )
    group.add_argument(
        "--revoke-after",
        type=int,
        help="the credentials stop working (401, code 20003) after N API requests",
    )
    group.add_argument(
        "--close-after",
        action="append",
        default=[],
        metavar="ACCOUNT_SID=N",
        help="an account's resources answer 404 (code 20404) after N requests to them",
    )
    group.add_argument(
        "--page-size-limit", type=int, help="PageSize above N: 400, code 20007 (page size)"
    )
    group.add_argument(
        "--retention-days",
        type=int,
        default=400,
        help="Messages and Recordings dated before this many days: 400, code 20004",
    )


def _pairs(values: list[str], option: str, convert: type) -> dict:
    pairs = {}
    for value in values:
        name, sep, number = value.partition("=")
        if not sep:
            raise ValueError(f"{option} takes NAME=VALUE, got {value!r}")
        pairs[name] = convert(number)
    return pairs


def _fault_plan(args: argparse.Namespace) -> FaultPlan:
    return FaultPlan.from_dict(
        {
            "seed": args.fault_seed,
            "rates": _pairs(args.fault, "--fault", float),
            "retry_after": args.retry_after,
            "latency_ms": args.latency_ms,
            "max_concurrent": args.max_concurrent,
            "hang_seconds": args.hang_seconds,
            "revoke_after": args.revoke_after,
            "close_after": _pairs(args.close_after, "--close-after", int),
            "page_size_limit": args.page_size_limit,
            "retention_days": args.retention_days,
        }
    )


def _config(args: argparse.Namespace) -> EmulatorConfig:
    overrides = {}
    if os.environ.get("TWILIO_EMULATOR_AUTH_TOKEN"):
        overrides["auth_token"] = os.environ["TWILIO_EMULATOR_AUTH_TOKEN"]
    if os.environ.get("TWILIO_EMULATOR_API_KEY_SECRET"):
        overrides["api_key_secret"] = os.environ["TWILIO_EMULATOR_API_KEY_SECRET"]
    return EmulatorConfig(
        seed=args.seed,
        days=args.days,
        messages_per_day=args.messages_per_day,
        calls_per_day=args.calls_per_day,
        customers=args.customers,
        closed_subaccount=args.closed_subaccount,
        closing_after_days=args.closing_after_days,
        now=parse_iso_instant(args.now) if args.now else None,
        webhooks=SenderConfig(
            urls=CallbackUrls(
                message_status=args.status_callback_url,
                call_status=args.call_status_callback_url,
                incoming_message=args.incoming_message_url,
                event_stream=args.event_stream_url,
            ),
            attempts=max(1, args.webhook_attempts),
            queue_size=max(1, args.webhook_queue_size),
        ),
        **_behaviours(args),
        **overrides,
    )


def write_credentials(emu: Emulator, path: Path) -> None:
    key = emu.world.api_keys[0]
    payload = {
        "account_sid": emu.world.main.sid,
        "auth_token": emu.config.auth_token,
        "api_key_sid": key.sid,
        "api_key_secret": key.secret,
        # Webhooks are signed with the auth token of the record's account (subaccounts too).
        "account_auth_tokens": {a.sid: a.auth_token for a in emu.world.accounts},
    }
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump(payload, handle)


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        config = _config(args)
    except ValueError as exc:
        print(f"twilio-emulator: invalid --now value: {exc}", file=sys.stderr)
        return 2
    try:
        faults = _fault_plan(args)
    except ValueError as exc:
        print(f"twilio-emulator: invalid fault option: {exc}", file=sys.stderr)
        return 2
    emu = Emulator(config)
    if args.credentials_file:
        write_credentials(emu, args.credentials_file)
    print(
        f"twilio-emulator: serving http://{args.host}:{args.port} "
        f"(main account {emu.world.main.sid}, seed {config.seed}, {config.days} days"
        f"{', webhooks on' if emu.webhooks else ''})",
        flush=True,
    )
    uvicorn.run(
        create_app(emu, faults),
        host=args.host,
        port=args.port,
        log_level=args.log_level,
        access_log=False,
        date_header=False,  # the app sends Date from the emulator's clock
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

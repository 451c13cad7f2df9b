"""The running emulator: configuration, world, clock and store, built once from options."""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass, field

from . import callbacks
from .activity import TrafficGenerator
from .behaviours import ALERTS_CAP_MODES, EXPORT_DAY_BY, UNDATED_ORDERS
from .bulkexport import BulkExports, Job
from .edge import EdgeSettings
from .lifecycle import Lifecycle
from .sender import SenderConfig, WebhookSender
from .store import RETENTION_DAYS, Clock, Store
from .world import Account, Subaccounts, World, build_world


@dataclass(frozen=True)
class EmulatorConfig:
    seed: int = 42
    days: int = 120  # days of history before the initial clock
    messages_per_day: float = 250.0  # across all accounts
    calls_per_day: float = 60.0
    customers: int = 1500
    closed_subaccount: bool = True  # a closed subaccount whose resources answer 404
    now: int | None = None  # initial clock (epoch seconds); default: wall clock, whole second
    auth_token: str = field(default_factory=lambda: secrets.token_hex(16), repr=False)
    api_key_secret: str = field(default_factory=lambda: secrets.token_hex(16), repr=False)
    webhooks: SenderConfig = field(default_factory=SenderConfig)  # off unless URLs are set
    # Twilio's real-world behaviours, each on by default (behaviours.py: what and why).
    scheduled_messages: bool = True
    pending_messages: bool = True
    failed_before_send: bool = True
    partially_delivered: bool = True
    outbound_call_messages: bool = True
    undated_order: str = "nulls-last"
    deleted_messages: bool = True
    redacted_messages: bool = True
    no_balance_subaccount: bool = True
    suspended_subaccount: bool = True
    closing_subaccount: bool = True
    closing_after_days: float | None = None  # None: it closed two thirds into the history
    usage_price_strings: bool = True
    retention: bool = True  # messages and recordings older than 400 days are gone
    transient_401_rate: float = 0.002
    transient_404_rate: float = 0.002
    usage_page_size_limit: int | None = 100
    verify_page_size_limit: int | None = 25
    alerts_cap: int | None = 10_000
    alerts_cap_mode: str = "stop"
    bulk_export_day: str = "created"  # what puts a record in a BulkExport day file
    bulk_export_job_seconds: float = 30.0  # of the clock, per day an export job exports
    bulk_export_days_per_day: int | None = 366  # job days a parent may request per UTC day

    def __post_init__(self) -> None:
        if self.undated_order not in UNDATED_ORDERS:
            raise ValueError(f"undated_order must be one of {', '.join(UNDATED_ORDERS)}")
        if self.alerts_cap_mode not in ALERTS_CAP_MODES:
            raise ValueError(f"alerts_cap_mode must be one of {', '.join(ALERTS_CAP_MODES)}")
        if self.bulk_export_day not in EXPORT_DAY_BY:
            raise ValueError(f"bulk_export_day must be one of {', '.join(EXPORT_DAY_BY)}")
        if self.bulk_export_job_seconds < 0:
            raise ValueError("bulk_export_job_seconds must be >= 0")

    @property
    def lifecycle(self) -> Lifecycle:
        return Lifecycle(
            scheduled=self.scheduled_messages,
            pending=self.pending_messages,
            failed_before_send=self.failed_before_send,
            partially_delivered=self.partially_delivered,
            outbound_call=self.outbound_call_messages,
            deleted=self.deleted_messages,
            redacted=self.redacted_messages,
        )

    @property
    def edge(self) -> EdgeSettings:
        return EdgeSettings(
            seed=self.seed,
            transient_401_rate=self.transient_401_rate,
            transient_404_rate=self.transient_404_rate,
            usage_page_size_limit=self.usage_page_size_limit,
        )


@dataclass(frozen=True)
class Principal:
    """Who a request authenticated as: the account the credential belongs to."""

    account: Account


class Emulator:
    def __init__(self, config: EmulatorConfig) -> None:
        self.config = config
        start = config.now if config.now is not None else int(time.time())
        self.clock = Clock(start)
        self.world: World = build_world(
            seed=config.seed,
            anchor=start,
            history_days=config.days,
            customers=config.customers,
            auth_token=config.auth_token,
            api_key_secret=config.api_key_secret,
            subaccounts=Subaccounts(
                closed=config.closed_subaccount,
                suspended=config.suspended_subaccount,
                closing=config.closing_subaccount,
                no_balance=config.no_balance_subaccount,
                closing_after_days=config.closing_after_days,
            ),
        )
        self.store = Store(
            self.world,
            self.clock,
            TrafficGenerator(
                self.world,
                messages_per_day=config.messages_per_day,
                calls_per_day=config.calls_per_day,
                lifecycle=config.lifecycle,
            ),
            retention_days=RETENTION_DAYS if config.retention else None,
        )
        self.started_at = start
        self.webhooks = (
            WebhookSender(self.store, config.webhooks) if config.webhooks.urls.any else None
        )
        self.exports = BulkExports(
            store=self.store,
            by=config.bulk_export_day,
            job_seconds=config.bulk_export_job_seconds,
            days_per_day=config.bulk_export_days_per_day,
        )
        self._export_webhooks: WebhookSender | None = None  # started with the first one

    def advance(self, seconds: int) -> int:
        """Move the clock; the status changes it passes become webhooks (in the background)."""
        now = self.clock.advance(seconds)
        if self.webhooks is not None:
            self.webhooks.clock_moved(now - seconds, now)
        for job in self.exports.finished_between(now - seconds, now):
            self._job_finished(job, now)
        for config, file in self.exports.daily_files_between(now - seconds, now):
            assert config.webhook_url is not None
            self._send_export_webhook(
                file.account_sid,
                config.webhook_url,
                config.webhook_method or "POST",
                callbacks.daily_export_params(file),
            )
        return now

    def export_jobs_created(self, job: Job) -> None:
        """A job that finishes at once (no time per day) calls its webhook at once."""
        now = self.clock.now()
        if job.finished_at <= now:
            self._job_finished(job, now)

    def _job_finished(self, job: Job, now: int) -> None:
        if job.webhook_url is None:
            return
        params = callbacks.export_job_params(job, self.exports.empty_days(job, now))
        self._send_export_webhook(
            job.account_sid, job.webhook_url, job.webhook_method or "POST", params
        )

    def _send_export_webhook(
        self, account_sid: str, url: str, method: str, params: dict[str, str]
    ) -> None:
        """Sign with the account's own auth token, as every webhook; deliver in the background."""
        account = self.world.account(account_sid)
        assert account is not None
        if self._export_webhooks is None:
            self._export_webhooks = WebhookSender(self.store, SenderConfig())
        delivery = callbacks.export_delivery(
            url, method, account.auth_token, params, self.world.seed
        )
        self._export_webhooks.send(delivery)

    def webhook_report(self) -> dict:
        """Delivery counters, and what the warehouse must hold once they have all landed."""
        exports = self._export_webhooks
        if self.webhooks is None:
            report: dict = {"enabled": False}
            if exports is not None:
                report["bulk_export"] = exports.snapshot()
            return report
        urls = self.config.webhooks.urls
        return {
            "enabled": True,
            "urls": {
                "message_status": urls.message_status,
                "call_status": urls.call_status,
                "incoming_message": urls.incoming_message,
                "event_stream": urls.event_stream,
            },
            "since": self.started_at,
            "until": self.clock.now(),
            **self.webhooks.snapshot(),
            "truth": callbacks.truth(self.store, self.started_at, self.clock.now()),
            **({"bulk_export": exports.snapshot()} if exports is not None else {}),
        }

    def wait_webhooks(self, seconds: float) -> None:
        """Wait (up to ``seconds`` each) until no webhook of either sender is pending."""
        for sender in (self.webhooks, self._export_webhooks):
            if sender is not None:
                sender.wait_idle(seconds)

    @property
    def history_days(self) -> int:
        return self.store.today - self.world.history_start_day + 1

    def authenticate(self, username: str, password: str) -> Principal | None:
        """Account SID + auth token, or API key SID + secret (constant-time compares)."""
        for account in self.world.accounts:
            if account.sid == username and secrets.compare_digest(account.auth_token, password):
                return Principal(account)
        for key in self.world.api_keys:
            if key.sid == username and secrets.compare_digest(key.secret, password):
                account = self.world.account(key.account_sid)
                return Principal(account) if account else None
        return None

    def visible_accounts(self, principal: Principal) -> list[Account]:
        """A main account sees itself and its subaccounts; a subaccount sees only itself."""
        if principal.account.is_main:
            return [a for a in self.world.accounts if a.owner_sid == principal.account.sid]
        return [principal.account]

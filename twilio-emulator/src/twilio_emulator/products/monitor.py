"""Monitor: alerts raised by failed deliveries and calls, and each account's audit log.

An alert is generated when a message reaches ``failed`` or ``undelivered``
(with the message's error code) or a call ends ``failed``. Twilio keeps alerts
for 30 days: here, the current UTC day and the 29 before it.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..activity import Call, Message, error_message
from ..lifecycle import MAX_LAG_DAYS
from ..store import Store
from ..timefmt import DAY
from ..world import Account, World, make_sid
from . import console_user_sid, messaging, studio, trunking, verify

ALERT_RETENTION_DAYS = 30
CALL_ERRORS = {
    13224: "Dial: Invalid phone number",
    13227: "Geo Permission configuration is not permitting call",
}


@dataclass(frozen=True)
class Alert:
    sid: str
    account_sid: str
    error_code: int
    log_level: str  # error | warning
    text: str
    generated: int
    resource_sid: str
    service_sid: str | None

    @property
    def created(self) -> int:
        """Stored a second after it was generated."""
        return self.generated + 1


def alert_floor(now: int) -> int:
    """The first instant whose alerts Twilio still keeps at ``now``."""
    return (now // DAY - (ALERT_RETENTION_DAYS - 1)) * DAY


def _alerts_of_traffic(
    seed: int, account: Account, messages: list[Message], calls: list[Call]
) -> list[Alert]:
    result = []
    for m in messages:
        if m.error_code is None:
            continue
        level = "error" if m.final_status == "failed" else "warning"
        result.append(
            Alert(
                sid=make_sid("NO", seed, "alert", m.sid),
                account_sid=account.sid,
                error_code=m.error_code,
                log_level=level,
                text=str(error_message(m.error_code)),
                generated=m.final_at,
                resource_sid=m.sid,
                service_sid=m.messaging_service_sid,
            )
        )
    for c in calls:
        if c.final_status != "failed":
            continue
        code = sorted(CALL_ERRORS)[int(c.sid[-1], 16) % len(CALL_ERRORS)]
        result.append(
            Alert(
                sid=make_sid("NO", seed, "alert", c.sid),
                account_sid=account.sid,
                error_code=code,
                log_level="error",
                text=CALL_ERRORS[code],
                generated=c.end,
                resource_sid=c.sid,
                service_sid=None,
            )
        )
    return result


def alerts(store: Store, account: Account, day: int) -> list[Alert]:
    """Alerts generated on ``day`` (from that day's traffic or the evening before)."""

    def build() -> list[Alert]:
        seed = store.world.seed
        found = []
        for d in (day - 1, day):
            traffic = store.traffic(account, d)
            found += _alerts_of_traffic(seed, account, traffic.messages, traffic.calls)
        for d in range(day - MAX_LAG_DAYS, day - 1):  # scheduled or long-queued messages
            found += _alerts_of_traffic(seed, account, store.traffic(account, d).late, [])
        result = [a for a in found if a.generated // DAY == day]
        result.sort(key=lambda a: (a.generated, a.sid))
        return result

    return store.derived("monitor-alerts", account, day, build)


@dataclass(frozen=True)
class AuditEvent:
    sid: str
    account_sid: str
    actor_sid: str
    event_type: str
    resource_type: str
    resource_sid: str
    date: int
    data: dict
    source_ip: str


def audit_log(world: World, account: Account) -> list[AuditEvent]:
    """What the account's owner did in the Console: create the account and its resources."""
    seed = world.seed
    index = account.index
    actor = console_user_sid(seed, account)
    created: list[tuple[str, str, str, int, str]] = [
        ("account.created", "account", account.sid, account.created, account.friendly_name)
    ]
    created += [
        ("phone-number.created", "phone-number", n.sid, n.created, n.friendly_name)
        for n in account.numbers
    ]
    created += [
        ("api-key.created", "api-key", k.sid, k.created, k.friendly_name)
        for k in world.api_keys
        if k.account_sid == account.sid
    ]
    svc = messaging.service(account)
    created.append(
        ("messaging-service.created", "messaging-service", svc.sid, svc.created, svc.friendly_name)
    )
    vsvc = verify.service(seed, account)
    created.append(
        ("verify-service.created", "verify-service", vsvc.sid, vsvc.created, vsvc.friendly_name)
    )
    for flow in studio.flows(seed, account):
        created.append(
            ("studio-flow.created", "studio-flow", flow.sid, flow.created, flow.friendly_name)
        )
    for trunk in trunking.trunks(seed, account):
        created.append(("trunk.created", "trunk", trunk.sid, trunk.created, trunk.friendly_name))
    return [
        AuditEvent(
            sid=make_sid("AE", seed, "event", account.sid, resource_sid, event_type),
            account_sid=account.sid,
            actor_sid=actor,
            event_type=event_type,
            resource_type=resource_type,
            resource_sid=resource_sid,
            date=date,
            data={"friendly_name": {"previous": None, "updated": name}},
            source_ip=f"198.51.100.{10 + index}",
        )
        for event_type, resource_type, resource_sid, date, name in created
    ]

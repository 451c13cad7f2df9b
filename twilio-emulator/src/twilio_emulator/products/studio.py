"""Studio: an IVR flow on each toll-free number, executed by every inbound call to it.

An execution starts when the call is dialled and ends with it; its steps are
the widgets the call went through, so steps always belong to an execution and
an execution to a real call.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..activity import Call
from ..store import Store
from ..timefmt import DAY
from ..world import Account, make_sid


@dataclass(frozen=True)
class Flow:
    sid: str
    account_sid: str
    friendly_name: str
    status: str  # published | draft
    revision: int
    created: int
    updated: int
    number_sid: str | None  # the toll-free number whose calls trigger it


@dataclass(frozen=True)
class Step:
    sid: str
    name: str
    type: str
    transitioned_from: str
    transitioned_to: str
    at: int


@dataclass(frozen=True)
class Execution:
    sid: str
    account_sid: str
    flow: Flow
    call: Call
    contact_sid: str
    steps: tuple[Step, ...]

    @property
    def created(self) -> int:
        return self.call.start

    @property
    def ended(self) -> int:
        return self.call.end


def flows(seed: int, account: Account) -> list[Flow]:
    """A published IVR per toll-free number; the main account also has a draft flow."""
    result = []
    for number in account.numbers:
        if number.kind != "toll-free":
            continue
        created = number.created + 3600
        result.append(
            Flow(
                sid=make_sid("FW", seed, "flow", number.sid),
                account_sid=account.sid,
                friendly_name=f"IVR {number.friendly_name}",
                status="published",
                revision=3,
                created=created,
                updated=created + 14 * DAY,
                number_sid=number.sid,
            )
        )
    if account.is_main:
        created = account.created + 60 * DAY
        result.append(
            Flow(
                sid=make_sid("FW", seed, "flow", account.sid, "draft"),
                account_sid=account.sid,
                friendly_name="Holiday hours (draft)",
                status="draft",
                revision=1,
                created=created,
                updated=created,
                number_sid=None,
            )
        )
    return result


# (name, widget type, from, to) per outcome: what the call went through.
_ANSWERED = (
    ("incomingCall", "trigger", "Trigger", "gather_menu"),
    ("keypress", "gather-input-on-call", "gather_menu", "split_key"),
    ("match", "split-based-on", "split_key", "connect_agent"),
    ("hangup", "connect-call-to", "connect_agent", "Ended"),
)
_UNANSWERED = (
    ("incomingCall", "trigger", "Trigger", "gather_menu"),
    ("hangup", "gather-input-on-call", "gather_menu", "Ended"),
)


def _steps(seed: int, execution_sid: str, call: Call) -> tuple[Step, ...]:
    if call.answered is not None:
        times = [call.start, call.answered + 1, call.answered + 4, call.end]
        plan = _ANSWERED
    else:
        times, plan = [call.start, call.end], _UNANSWERED
    return tuple(
        Step(
            sid=make_sid("FT", seed, "step", execution_sid, i),
            name=name,
            type=kind,
            transitioned_from=src,
            transitioned_to=dst,
            at=min(at, call.end),
        )
        for i, ((name, kind, src, dst), at) in enumerate(zip(plan, times, strict=True))
    )


def executions(store: Store, account: Account, day: int) -> list[Execution]:
    """Executions started on ``day``: one per inbound call to a number with a flow."""

    def build() -> list[Execution]:
        seed = store.world.seed
        by_number = {f.number_sid: f for f in flows(seed, account) if f.number_sid}
        result = []
        for call in store.traffic(account, day).calls:
            flow = by_number.get(call.number_sid)
            if flow is None or call.direction != "inbound" or call.parent_sid is not None:
                continue
            sid = make_sid("FN", seed, "execution", call.sid)
            result.append(
                Execution(
                    sid=sid,
                    account_sid=account.sid,
                    flow=flow,
                    call=call,
                    contact_sid=make_sid("FC", seed, "contact", account.sid, call.customer),
                    steps=_steps(seed, sid, call),
                )
            )
        return result

    return store.derived("studio-executions", account, day, build)

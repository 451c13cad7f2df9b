"""Product API lists declared once, as data: a ``ProductList`` says where a list is
served, which records it holds at the clock and how one renders.

Everything else about the list derives from its declaration: its route (``routes``),
its paging in the ``meta`` envelope, the 404 for a parent that does not exist, the
count of its records in ``/_emulator/truth`` (``counts``, keyed by the tap-twilio
stream that reads it), its entry in ``/_emulator/info`` (``describe``), and the tests
that validate it against Twilio's spec and compare it with the truth. So a new list
is one declaration in its product's resource module, beside its records in
``products/``.

A list under another (``/Workspaces/{WorkspaceSid}/Workers``) names its ``parent``:
the path's last placeholder is a parent record's ``ident``. A declaration without
``key`` is an instance resource: one object per parent record
(``/Voice/Countries/{IsoCountry}``). A ``shared`` list is the same for every account
(Twilio's catalogs): the truth counts it once, under ``shared``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ..apis import PREFIXES
from ..errors import not_found
from ..http import emulator, json_response
from ..paging import MAX_PAGE_SIZE, SequenceListing, meta_envelope
from ..store import Store
from ..world import Account
from .product import account_of, origin, page_request

_PLACEHOLDER = re.compile(r"\{(\w+)\}")


@dataclass(frozen=True)
class Scope:
    """What one request reads: the account, at the clock, and the parent records its path names."""

    store: Store
    account: Account
    now: int
    parents: dict[str, Any] = field(default_factory=dict)  # placeholder -> parent record

    @property
    def seed(self) -> int:
        return self.store.world.seed

    def parent(self, placeholder: str) -> Any:
        return self.parents[placeholder]


@dataclass(frozen=True)
class ProductList:
    """One list (or instance) endpoint of a product API."""

    stream: str  # the tap-twilio stream that reads it: its key in the truth
    product: str  # its API, a key of ``apis.PREFIXES``
    version: str  # "/v1"
    path: str  # under the version: "/Workspaces/{WorkspaceSid}/Workers"
    spec: str  # the OpenAPI spec file it follows (twilio_taskrouter_v1), for the tests
    render: Callable[[Any, Scope, str], dict]  # (record, scope, origin) -> the JSON object
    key: str | None = None  # the records key; None: an instance resource
    rows: Callable[[Scope], Iterable[Any]] = lambda scope: ()  # records listed at scope.now
    order: Callable[[Any], tuple] = lambda row: (row.created, row.sid)  # newest first
    parent: ProductList | None = None
    ident: str = "sid"  # the attribute (and field) naming a record in its children's paths
    shared: bool = False  # the same for every account (a catalog)
    max_page_size: int = MAX_PAGE_SIZE
    # When Twilio forgets a record (a warehouse then keeps more than the list serves).
    forgets: str | None = None
    # Equality filters: query parameter -> the record's value (case-insensitive, as
    # Twilio's friendly names; a repeated or comma-separated parameter matches any value).
    filters: dict[str, Callable[[Any, Scope], object]] = field(default_factory=dict)

    @property
    def url_path(self) -> str:
        """The path under the emulator's root: ``/taskrouter/v1/Workspaces/{WorkspaceSid}/...``."""
        return PREFIXES[self.product] + self.version + self.path

    @property
    def placeholder(self) -> str | None:
        """The placeholder naming the parent record, the path's last."""
        names = _PLACEHOLDER.findall(self.path)
        return names[-1] if names and self.parent is not None else None

    # --- reading ----------------------------------------------------------------------

    def bind(self, scope: Scope, params: dict[str, str]) -> Scope:
        """``scope`` with the parent records ``params`` name; 404 if one does not exist."""
        if self.parent is None or self.placeholder is None:
            return scope
        scope = self.parent.bind(scope, params)
        wanted = params[self.placeholder]
        for row in self.parent.rows(scope):
            if str(getattr(row, self.parent.ident)) == wanted:
                return replace(scope, parents={**scope.parents, self.placeholder: row})
        raise not_found(self.url_path)

    def scopes(self, scope: Scope) -> Iterator[Scope]:
        """A scope per parent record listed at the clock (just ``scope`` at the top)."""
        if self.parent is None or self.placeholder is None:
            yield scope
            return
        for outer in self.parent.scopes(scope):
            for row in self.parent.rows(outer):
                yield replace(outer, parents={**outer.parents, self.placeholder: row})

    def count(self, store: Store, account: Account) -> int:
        """Records a client reading every parent's list whole gets at the clock."""
        top = Scope(store, account, store.clock.now())
        if self.key is None:
            return sum(1 for _ in self.scopes(top))
        return sum(len(list(self.rows(scope))) for scope in self.scopes(top))

    # --- serving ----------------------------------------------------------------------

    async def serve(self, request: Request) -> Response:
        store = emulator(request).store
        scope = Scope(store, account_of(request), store.clock.now())
        scope = self.bind(scope, dict(request.path_params))
        base = origin(request)
        if self.key is None:
            assert self.placeholder is not None
            return json_response(self.render(scope.parent(self.placeholder), scope, base))
        page = page_request(request, self.max_page_size)
        wanted: dict[str, set[str]] = {}
        for name, value in page.filters:
            if name in self.filters:
                wanted.setdefault(name, set()).update(_folded(v) for v in value.split(","))
        rows = [
            row
            for row in self.rows(scope)
            if all(
                _folded(self.filters[name](row, scope)) in values for name, values in wanted.items()
            )
        ]
        ordered = sorted(rows, key=self.order, reverse=True)
        listing = SequenceListing(
            ordered, key_fn=self.order, token_fn=lambda row: str(getattr(row, self.ident))
        )
        return json_response(
            meta_envelope(page, listing, self.key, lambda row: self.render(row, scope, base), base)
        )

    def describe(self) -> dict[str, Any]:
        return {
            "stream": self.stream,
            "path": self.url_path,
            "key": self.key,
            "max_page_size": self.max_page_size if self.key else None,
            "filters": sorted(self.filters),
            "shared": self.shared,
            "forgets": self.forgets,
            "spec": self.spec,
        }


def _folded(value: object) -> str:
    """A filter value as compared: ``True`` is ``true``, names ignore case."""
    return str(value).casefold().strip()


def routes(lists: Iterable[ProductList]) -> list[Route]:
    """A route per declared list, relative to its product's prefix."""
    return [Route(item.version + item.path, item.serve) for item in lists]


def counts(lists: Iterable[ProductList], store: Store, account: Account) -> dict[str, int]:
    """Per stream, what each account-specific list serves ``account`` at the clock."""
    return {item.stream: item.count(store, account) for item in lists if not item.shared}


def forgotten(lists: Iterable[ProductList]) -> dict[str, str]:
    """Per stream, when Twilio forgets the records of the lists that forget any."""
    return {item.stream: item.forgets for item in lists if item.forgets}


def shared_counts(lists: Iterable[ProductList], store: Store) -> dict[str, int]:
    """Per stream, what each catalog serves (every account alike: read as the main one)."""
    return {item.stream: item.count(store, store.world.main) for item in lists if item.shared}

"""The one write path to Mercado Livre: stock targets of a plan, written and read back.

Per target: a listing without variations gets `PUT /items/{id} {"available_quantity": n}`; a variation
gets `PUT /items/{id}/variations/{vid} {"available_quantity": n}`. If Mercado Livre refuses the
per-variation write (and not because the stock is Full), the listing's remaining targets go in one
read-modify-write of the whole `variations` array, built from the LIVE listing with every existing
variation id and only `id` + `available_quantity` (docs/mercado-livre-api.md §6.3). Nothing here creates, deletes or
recreates a variation. Every written listing is read back (multiget, 20 at a time): a quantity that
did not stick, or a variation set that changed, is an error of the run.

Multi-origin sellers (`warehouse_management`, route `warehouse`): PUT /items is accepted and ignored for
them, so each user product's quantity in the chosen seller warehouse is written with
`PUT /user-products/{id}/stock/type/seller_warehouse` and the current `x-version`, once per user product,
and read back with the stock GET (a quantity that did not stick is an error of the run).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import replace
from functools import partial
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from services.errors import MelisyncError, NotConnected
from services.i18n import N_
from services.meli.errors import AnswerLost, MeliApiError
from services.meli.models import Listing, StockLocation, UserProductStock
from services.reasons import Code, Reason
from services.sync.plan import Action, ActionKind, ActionStatus

if TYPE_CHECKING:
    from services.meli.client import ListingFailure

T = TypeVar("T")

# ML's words for stock it will never take through /items (Full, docs/mercado-livre-api.md §6.5): skip, don't retry.
NOT_MODIFIABLE = "not_modifiable"
# Answers to the per-variation endpoint that mean "use the variations array instead" (§6.4 is undocumented).
FALLBACK_STATUSES = frozenset({400, 403, 404, 405, 501})
READ_BACK_BATCH = 20  # written listings read back per multiget (its maximum)
WAREHOUSE_ROUTE = "warehouse"  # multi-origin sellers: the user product's seller_warehouse stock (x-version)
# A 409 on a stock write means the stock moved since it was read (a sale, most often): the absolute quantity
# planned before is never sent again as it was; the engine plans that target again from fresh facts.
CONFLICT = 409
RE_PLANNED = Reason(Code.RE_PLANNED)
STILL_MOVING = Reason(Code.STILL_MOVING)
# A write whose answer was lost (issue 11): the read-back decided, and the row says which way.
LOST_APPLIED = Reason(Code.LOST_APPLIED)
LOST_RESENT = Reason(Code.LOST_RESENT)
NOT_ATTEMPTED_CANCELLED = Reason(Code.NOT_ATTEMPTED_CANCELLED)


class MeliWriter(Protocol):
    async def put_item(self, item_id: str, body: dict[str, Any], *, conflict_retry: bool = True) -> object: ...
    async def put_variation(
        self, item_id: str, variation_id: int, body: dict[str, Any], *, conflict_retry: bool = True
    ) -> object: ...
    async def listing(self, item_id: str) -> Listing: ...
    async def attributes(self, item_id: str, variation_id: int | None = None) -> list[dict[str, Any]]: ...
    async def listings(
        self, ids: list[str], *, failures: list[ListingFailure] | None = None, codes: bool = True
    ) -> list[Listing]: ...
    async def user_product_stock(self, user_product_id: str) -> tuple[UserProductStock, int | None]: ...
    async def put_seller_warehouse_stock(
        self, user_product_id: str, locations: list[StockLocation], x_version: int | None
    ) -> tuple[UserProductStock, int | None]: ...


class NetworkDown(MelisyncError):
    """Mercado Livre could not be reached for a write: the run stops; re-running is safe (absolute values)."""


class StockWriter:
    """Writes the stock actions of a plan. `before` are the listings the plan was made from (to check that
    no variation appeared or vanished); `on_done(action)` is called as each action finishes."""

    def __init__(
        self,
        client: MeliWriter,
        before: Mapping[str, Listing],
        *,
        concurrency: int = 4,
        on_done: Callable[[Action], None] | None = None,
        cancelled: Callable[[], bool] | None = None,
        on_start: Callable[[Action], None] | None = None,
        after_conflict: Reason = RE_PLANNED,
    ):
        self.client = client
        # What a 409 leads to, said after ML's words: planned again (first writes) or left to the next run.
        self.after_conflict = after_conflict
        self.before = before
        self.concurrency = max(1, concurrency)
        self.on_done = on_done or (lambda action: None)
        self.on_start = on_start or (lambda action: None)
        self.cancelled = cancelled or (lambda: False)

    async def write(self, actions: list[Action]) -> list[Action]:
        """Results in the order given; every action comes back done, failed or skipped.

        Listings are written concurrently; every 20 written listings are read back in one multiget, and
        only then are their actions reported (`on_done`), so what is reported is what was verified.
        """
        by_item: dict[str, list[int]] = {}
        followers: list[int] = []  # listings sharing a user product's stock with one written before them
        warehouse: list[int] = []  # multi-origin sellers: written and read back through the user product's stock
        for index, action in enumerate(actions):
            if action.kind != ActionKind.STOCK or action.status != ActionStatus.PLANNED:
                raise ValueError(f"not a planned stock action: {action}")
            if action.data.get("follows"):
                followers.append(index)
            elif action.data.get("route") == WAREHOUSE_ROUTE:
                warehouse.append(index)
            else:
                by_item.setdefault(action.listing_id, []).append(index)
        results: list[Action | None] = [None] * len(actions)
        gate = asyncio.Semaphore(self.concurrency)
        stop: list[BaseException] = []
        ready: list[tuple[list[int], list[Action]]] = []

        async def verify(batch: list[tuple[list[int], list[Action]]]) -> None:
            flat = [(i, a) for indexes, done in batch for i, a in zip(indexes, done, strict=True)]
            checked = await self._read_back([a for _, a in flat])
            for (i, _), result in zip(flat, checked, strict=True):
                results[i] = result
                self.on_done(result)

        async def one(item_id: str, indexes: list[int]) -> None:
            async with gate:
                if stop or self.cancelled():
                    why = NOT_ATTEMPTED_CANCELLED if not stop else Reason(Code.NOT_ATTEMPTED, error=str(stop[0]))
                    done = [actions[i].skipped(why) for i in indexes]
                else:
                    for i in indexes:
                        self.on_start(actions[i])
                    try:
                        done = await self._write_item(item_id, [actions[i] for i in indexes])
                    except (NetworkDown, NotConnected) as exc:
                        stop.append(exc)
                        done = [actions[i].failed(Reason.text(str(exc))) for i in indexes]
            ready.append((indexes, done))
            if len(ready) >= READ_BACK_BATCH:
                batch = ready[:READ_BACK_BATCH]
                del ready[:READ_BACK_BATCH]
                await verify(batch)

        async def through_warehouse(index: int) -> None:
            async with gate:
                if stop or self.cancelled():
                    why = NOT_ATTEMPTED_CANCELLED if not stop else Reason(Code.NOT_ATTEMPTED, error=str(stop[0]))
                    results[index] = actions[index].skipped(why)
                else:
                    self.on_start(actions[index])
                    try:
                        results[index] = await self._write_warehouse(actions[index])
                    except (NetworkDown, NotConnected) as exc:
                        stop.append(exc)
                        results[index] = actions[index].failed(Reason.text(str(exc)))
            done = results[index]
            assert done is not None  # every branch above set it
            self.on_done(done)

        await asyncio.gather(
            *(one(item, idx) for item, idx in by_item.items()), *(through_warehouse(i) for i in warehouse)
        )
        if ready:
            await verify(list(ready))
        if followers:
            led = {actions[i].link_key: results[i] for i in range(len(actions)) if results[i] is not None}
            follow = [(i, _follow(actions[i], led.get(actions[i].data["follows"]))) for i in followers]
            # Siblings of a warehouse write were read back with it (one stock per user product, one GET).
            for i, result in follow:
                if actions[i].data.get("route") == WAREHOUSE_ROUTE:
                    results[i] = result
                    self.on_done(result)
            await verify([([i], [result]) for i, result in follow if actions[i].data.get("route") != WAREHOUSE_ROUTE])
        if stop and isinstance(stop[0], NotConnected):
            raise stop[0]
        return [r for r in results if r is not None]

    async def _write_item(self, item_id: str, actions: list[Action]) -> list[Action]:
        simple = [a for a in actions if a.variation_id is None]
        variations = [a for a in actions if a.variation_id is not None]
        results = [await self._put_item_quantity(a) for a in simple]
        for position, action in enumerate(variations):
            if self.cancelled():
                # A cancel stops new writes at once, also between the variations of one listing (a
                # listing of 40 variations let 39 more writes through); the write under way finished.
                results.append(action.skipped(NOT_ATTEMPTED_CANCELLED))
                continue
            assert action.variation_id is not None  # `variations` holds the actions on a variation
            try:
                note = await self._send(
                    item_id,
                    [action],
                    partial(
                        self.client.put_variation,
                        item_id,
                        action.variation_id,
                        {"available_quantity": action.to},
                        conflict_retry=False,
                    ),
                )
            except MeliApiError as exc:
                if _never_writable(exc):
                    results.append(action.skipped(_refused(exc)))
                    continue
                if exc.status == CONFLICT:
                    results.append(self._moved(action, exc))
                    continue
                if exc.status in FALLBACK_STATUSES:
                    # The per-variation endpoint is undocumented: the rest of this listing goes in one
                    # read-modify-write of the whole array instead.
                    results += await self._write_variations_array(item_id, variations[position:], exc)
                    break
                results.append(action.failed(exc.said, data={**action.data, "error": exc.error}))
                continue
            results.append(
                action.done(data={**action.data, "written_by": "variation"}, **({"reason": note} if note else {}))
            )
        order = {id(a): i for i, a in enumerate(actions)}
        originals = simple + variations
        return [r for _, r in sorted(zip((order[id(a)] for a in originals), results, strict=True))]

    async def _put_item_quantity(self, action: Action) -> Action:
        try:
            note = await self._send(
                action.listing_id,
                [action],
                lambda: self.client.put_item(
                    action.listing_id, {"available_quantity": action.to}, conflict_retry=False
                ),
            )
        except MeliApiError as exc:
            if _never_writable(exc):
                return action.skipped(_refused(exc))
            if exc.status == CONFLICT:
                return self._moved(action, exc)
            return action.failed(exc.said, data={**action.data, "error": exc.error})
        return action.done(data={**action.data, "written_by": "item"}, **({"reason": note} if note else {}))

    async def _send(self, item_id: str, actions: list[Action], send: Callable[[], Awaitable[object]]) -> Reason | None:
        """`send()` a write. When its answer is lost, nothing is decided before the listing is read back: the
        quantities there -> applied (said so); not there -> sent once more. Returns what to tell (None normally)."""
        for attempt in (1, 2):
            try:
                await self._guard(send())
                return None if attempt == 1 else LOST_RESENT
            except AnswerLost as exc:
                live = await self._guard(self.client.listing(item_id))
                if all(_quantity(live, a) == a.to for a in actions):
                    return LOST_APPLIED
                if attempt == 2:
                    raise NetworkDown(N_("{exc}; twice in a row, nothing more is sent"), exc=exc) from None
        return None

    async def _write_variations_array(self, item_id: str, actions: list[Action], cause: MeliApiError) -> list[Action]:
        try:
            live = await self._guard(self.client.listing(item_id))
        except MeliApiError as exc:
            return [a.failed(Reason(Code.ARRAY_NOT_READ, message=ml_words(exc))) for a in actions]
        wanted = {a.variation_id: a.to for a in actions if a.variation_id is not None}  # variations' actions only
        live_ids = [v.id for v in live.variations]
        problem = None
        if not live.variations or any(not isinstance(v, int) or v <= 0 for v in live_ids):
            problem = Reason(Code.NO_ARRAY)
        elif missing := sorted(set(wanted) - set(live_ids)):
            problem = Reason(Code.VARIATIONS_GONE, ids=", ".join(map(str, missing)), count=len(missing))
        if problem:
            # Refuse rather than send an array that would drop or recreate a variation (docs/mercado-livre-api.md §12.2).
            return [a.failed(Reason(Code.NOTHING_SENT, problem=problem)) for a in actions]
        body = {
            "variations": [
                {"id": v.id, "available_quantity": wanted.get(v.id, v.available_quantity)} for v in live.variations
            ]
        }
        try:
            lost = await self._send(item_id, actions, lambda: self.client.put_item(item_id, body, conflict_retry=False))
        except MeliApiError as exc:
            if _never_writable(exc):
                return [a.skipped(_refused(exc)) for a in actions]
            if exc.status == CONFLICT:
                return [self._moved(a, exc) for a in actions]
            return [a.failed(exc.said, data={**a.data, "error": exc.error}) for a in actions]
        note = Reason.join(Reason(Code.VARIATIONS_ARRAY, status=cause.status, error=str(cause.error)), lost)
        return [a.done(reason=note, data={**a.data, "written_by": "variations_array"}) for a in actions]

    async def _write_warehouse(self, action: Action) -> Action:
        """One user product's quantity in the chosen seller_warehouse (x-version from a fresh read; a stale one
        is read again by the client), then read back through the same stock GET: Mercado Livre answering 200
        and keeping another quantity is an error of the run. Full (`meli_facility`) stock is never written."""
        up, store = action.data["user_product_id"], action.data["store_id"]
        try:
            stock, version = await self._guard(self.client.user_product_stock(up))
        except MeliApiError as exc:
            return action.failed(
                Reason(Code.UP_STOCK_NOT_READ, up=up, message=ml_words(exc)),
                data={**action.data, "error": exc.error},
            )
        location = stock.warehouse(store)
        if location is None:
            # No location in this store yet: Mercado Livre creates it on the first seller_warehouse PUT.
            location = StockLocation("seller_warehouse", 0, store, action.data.get("network_node_id"))
        elif location.quantity == action.to:
            # Already there (another tool, or a sale brought it down to the target since the plan was read).
            return action.skipped(Reason(Code.WAREHOUSE_HOLDS, store=store, up=up, quantity=action.to))
        body = [replace(location, quantity=action.to)]  # only the chosen warehouse; Full and the others stay
        try:
            try:
                await self._guard(self.client.put_seller_warehouse_stock(up, body, version))
            except AnswerLost:
                pass  # applied or not: the read-back right below tells, before anything else is decided
            after, _ = await self._guard(self.client.user_product_stock(up))
        except MeliApiError as exc:
            if _never_writable(exc):
                return action.skipped(_refused(exc))
            if exc.status == CONFLICT:
                return self._moved(action, exc)
            return action.failed(exc.said, data={**action.data, "error": exc.error})
        seen = after.warehouse(store)
        if seen is None or seen.quantity != action.to:
            shown = str(seen.quantity) if seen else "-"
            return action.failed(Reason(Code.WAREHOUSE_NOT_KEPT, up=up, seen=shown, store=store, to=action.to))
        written = Reason(Code.WAREHOUSE_WRITTEN, store=store, up=up, before=location.quantity, after=action.to)
        return action.done(
            reason=Reason.join(written, action.reason),
            data={**action.data, "written_by": WAREHOUSE_ROUTE},
        )

    def _moved(self, action: Action, exc: MeliApiError) -> Action:
        """A 409: the stock moved between the read and this write; nothing is sent again as it was."""
        return replace(
            action,
            status=ActionStatus.SKIPPED,
            data={**action.data, "conflict": True},
            reason=Reason(Code.STOCK_MOVED, message=ml_words(exc), next=self.after_conflict),
        )

    async def _guard(self, call: Awaitable[T]) -> T:
        try:
            return await call
        except (MeliApiError, AnswerLost):
            raise
        except NotConnected:
            raise
        except MelisyncError as exc:  # the client gave up reaching Mercado Livre
            raise NetworkDown(str(exc)) from None

    async def _read_back(self, results: list[Action]) -> list[Action]:
        written = list(dict.fromkeys(a.listing_id for a in results if a.status == ActionStatus.DONE))
        if not written:
            return results
        failures: list[ListingFailure] = []
        try:
            # Quantities and variation ids only: the variations' reference codes are not needed (nor read again).
            live = {
                listing.id: listing for listing in await self.client.listings(written, failures=failures, codes=False)
            }
        except MelisyncError as exc:
            return [
                a.failed(Reason(Code.NOT_READ_BACK, error=str(exc))) if a.status == ActionStatus.DONE else a
                for a in results
            ]
        return [self._check(a, live.get(a.listing_id)) if a.status == ActionStatus.DONE else a for a in results]

    def _check(self, action: Action, live: Listing | None) -> Action:
        if live is None:
            return action.failed(Reason(Code.NOT_RETURNED))
        before = self.before.get(action.listing_id)
        if before is not None and [v.id for v in before.variations] != [v.id for v in live.variations]:
            return action.failed(
                Reason(
                    Code.IDS_CHANGED,
                    before=", ".join(str(v.id) for v in before.variations),
                    after=", ".join(str(v.id) for v in live.variations),
                )
            )
        seen: int | None
        if action.variation_id is None:
            seen = live.available_quantity
        else:
            variation = live.variation(action.variation_id)
            seen = variation.available_quantity if variation else None
        if seen != action.to:
            return action.failed(Reason(Code.READ_BACK_MISMATCH, seen=str(seen), to=action.to))
        return action


def _quantity(live: Listing, action: Action) -> int | None:
    if action.variation_id is None:
        return live.available_quantity
    variation = live.variation(action.variation_id)
    return variation.available_quantity if variation else None


def _follow(action: Action, leader: Action | None) -> Action:
    """A sibling listing of a user product ends as its written sibling did (then is read back itself)."""
    if leader is None:
        return action.skipped(Reason(Code.UP_NOT_WRITTEN))
    note = Reason(Code.SHARED_THROUGH, up=str(action.data.get("user_product_id")), leader=str(leader.item_id))
    if leader.status == ActionStatus.DONE:
        return action.done(reason=note)
    return replace(action, status=leader.status, reason=Reason.join(note, leader.reason))


def _never_writable(exc: MeliApiError) -> bool:
    """ML said this stock can't be written through /items at all (e.g. `item.available_quantity.not_modifiable`)."""
    return any(NOT_MODIFIABLE in code for code in [exc.error, *exc.cause_codes])


def _refused(exc: MeliApiError) -> Reason:
    """A write Mercado Livre will never take (kept on the row: not retried every run, users.md 8)."""
    return Reason(Code.ML_REFUSED, message=ml_words(exc))


def ml_words(exc: MeliApiError) -> str:
    """Mercado Livre's own message (and code) for the journal and the operator."""
    causes = "; ".join(str(c.get("message") or c.get("code")) for c in exc.cause if isinstance(c, dict))
    text = f"{exc.status} {exc.error}: {exc.message}".strip()
    return f"{text} ({causes})" if causes and causes not in text else text

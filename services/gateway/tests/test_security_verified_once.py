"""A token is verified once and a live session read at most once a second per replica, and
neither memory weakens a check: expiry on every use, sign-out here at once, elsewhere within
RECHECK_S (the two-replica case is in test_security_tokens.py)."""

from __future__ import annotations

import asyncio
import time

import httpx
import jwt
import pytest

from chainkit.errors import Unauthenticated
from gateway.adapters.live_sessions import LiveSessions
from gateway.core.security import Principal, VerifiedTokens, create_access_token

from .conftest import JWT_SECRET

ALICE = Principal(username="alice", role="customer", customer_id="C-ALICE", sid="s-1")


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_a_kept_token_still_expires() -> None:
    token = create_access_token(ALICE, secret=JWT_SECRET, ttl_s=60)
    clock = Clock(time.time())
    tokens = VerifiedTokens(JWT_SECRET, clock=clock)

    assert tokens.principal(token) == ALICE
    assert tokens.principal(token) == ALICE
    clock.now += 61
    with pytest.raises(Unauthenticated, match="expired"):
        tokens.principal(token)
    with pytest.raises(Unauthenticated, match="expired"):  # dropped, and checked in full
        tokens.principal(token)
    assert len(tokens) == 0


def test_only_valid_tokens_are_kept_and_the_oldest_leave_first() -> None:
    tokens = VerifiedTokens(JWT_SECRET, max_entries=2)
    forged = create_access_token(ALICE, secret="another-key-of-sufficient-length-xxxx", ttl_s=60)
    for bad in (forged, "not-a-jwt", create_access_token(ALICE, secret=JWT_SECRET, ttl_s=-1)):
        with pytest.raises(Unauthenticated):
            tokens.principal(bad)
    assert len(tokens) == 0

    first, second, third = (
        create_access_token(Principal(username=name, role="hq"), secret=JWT_SECRET, ttl_s=60)
        for name in ("a", "b", "c")
    )
    tokens.principal(first)
    tokens.principal(second)
    tokens.principal(first)  # used again: `second` is now the oldest
    tokens.principal(third)
    assert len(tokens) == 2
    assert tokens.principal(first).username == "a"


def test_a_token_of_another_keyring_is_not_taken_from_a_memory() -> None:
    token = create_access_token(ALICE, secret=JWT_SECRET, ttl_s=60)
    VerifiedTokens(JWT_SECRET).principal(token)
    with pytest.raises(Unauthenticated):
        VerifiedTokens("a-different-key-that-is-long-enough-xxxxx").principal(token)


class Store:
    """Sessions by id with the moment each ends; reads counted, and held while `gate` is."""

    def __init__(self) -> None:
        self.ends: dict[str, float] = {"s-1": time.time() + 3600}
        self.reads = 0
        self.gate = asyncio.Event()
        self.gate.set()
        self.looked_up = asyncio.Event()

    async def is_active(self, sid: str) -> float | None:
        self.reads += 1
        ends = self.ends.get(sid)
        self.looked_up.set()
        await self.gate.wait()
        return ends


async def test_a_live_session_is_read_again_after_recheck_s() -> None:
    store, clock = Store(), Clock(100.0)
    live = LiveSessions(store.is_active, recheck_s=1.0, clock=clock)

    assert await live.active("s-1")
    assert await live.active("s-1")
    assert store.reads == 1
    del store.ends["s-1"]  # ended on another replica
    clock.now += 0.9
    assert await live.active("s-1")
    clock.now += 0.2
    assert not await live.active("s-1")
    assert not await live.active("s-1")  # an ended session is read every time
    assert store.reads == 3


async def test_a_session_past_its_end_is_read_again_at_once() -> None:
    store = Store()
    store.ends["s-1"] = time.time() + 0.2
    live = LiveSessions(store.is_active, recheck_s=60.0)
    assert await live.active("s-1")
    await asyncio.sleep(0.25)
    store.ends.clear()
    assert not await live.active("s-1")


async def test_concurrent_checks_share_one_read() -> None:
    store = Store()
    store.gate.clear()
    live = LiveSessions(store.is_active)
    checks = [asyncio.create_task(live.active("s-1")) for _ in range(50)]
    await asyncio.sleep(0)
    checks[0].cancel()  # one caller giving up does not fail the others
    store.gate.set()
    results = await asyncio.gather(*checks[1:])
    assert all(results) and store.reads == 1


async def test_forgetting_refuses_at_once_even_with_a_read_under_way() -> None:
    store = Store()
    live = LiveSessions(store.is_active, recheck_s=60.0)
    assert await live.active("s-1")

    store.gate.clear()
    store.ends.clear()  # revoked in the database ...
    live.forget("s-1")  # ... then forgotten here
    assert not await asyncio.wait_for(_released(live, store), 1)

    # A read begun before the revocation does not put the session back.
    store.ends["s-1"] = time.time() + 3600
    store.gate.clear()
    store.looked_up.clear()
    before = asyncio.create_task(live.active("s-1"))
    await store.looked_up.wait()
    store.ends.clear()
    live.forget("s-1")
    store.gate.set()
    assert await before  # began before the sign-out finished
    assert not await live.active("s-1")


async def _released(live: LiveSessions, store: Store) -> bool:
    check = asyncio.create_task(live.active("s-1"))
    await asyncio.sleep(0)
    store.gate.set()
    return await check


async def test_forget_all_ends_every_remembered_session() -> None:
    store = Store()
    store.ends["s-2"] = time.time() + 3600
    live = LiveSessions(store.is_active, recheck_s=60.0)
    assert await live.active("s-1") and await live.active("s-2")
    store.ends.clear()
    live.forget_all()
    assert not await live.active("s-1")
    assert not await live.active("s-2")


async def test_the_memory_is_bounded() -> None:
    store = Store()
    store.ends.update({f"s-{i}": time.time() + 3600 for i in range(10)})
    live = LiveSessions(store.is_active, recheck_s=60.0, max_entries=3)
    for i in range(10):
        assert await live.active(f"s-{i}")
    reads = store.reads
    assert await live.active("s-9")  # among the newest: remembered
    assert await live.active("s-0")  # the oldest: gone, read again
    assert store.reads == reads + 1


async def test_the_gateway_refuses_a_token_it_has_seen_once_it_expires(
    client: httpx.AsyncClient,
) -> None:
    hq = Principal(username="hq", role="hq")
    # JWT times are whole seconds (exp is truncated), so a 1 s token may have almost no life
    # left; 2 s leaves at least one for the first request.
    token = create_access_token(hq, secret=JWT_SECRET, ttl_s=2)
    headers = {"Authorization": f"Bearer {token}"}
    assert (await client.get("/v1/stores", headers=headers)).status_code == 200  # now kept
    expires = jwt.decode(token, options={"verify_signature": False})["exp"]
    await asyncio.sleep(max(0.0, expires - time.time()) + 0.05)

    late = await client.get("/v1/stores", headers=headers)

    assert late.status_code == 401
    assert late.json()["detail"] == "the access token has expired"

"""Load client for bench/chat_bench.py: many websockets in one asyncio process, open-loop sends.

Run by the bench as ``python -m bench.load_client CONFIG.json``; it reads one JSON command per line on
stdin and answers one JSON line on stdout:

    {"cmd": "connect", "start": 0, "end": 100}         open sockets [start, end) of the flat socket list
    {"cmd": "step", "id": 3, "rate": 1000, "duration": 10, "drain": 5}
                                                       send `rate` messages/s for `duration` s, spread
                                                       over all sockets at fixed times, then wait up to
                                                       `drain` s for every delivery
    {"cmd": "counts"}                                  per room: highest seq seen on each socket
    {"cmd": "stats"}                                   late deliveries so far, open sockets
    {"cmd": "close"}                                   close every socket
    {"cmd": "quit"}

Latency of a delivery = receive time - the time the message was *scheduled* to be sent (not when the
client got round to it), so a late client never hides a slow server. Each message is expected on both
sockets of its room (the sender's acknowledgement and the partner's copy).
"""

from __future__ import annotations

import asyncio
import json
import resource
import sys
import time
from collections import Counter
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, WebSocketException
from websockets.typing import Origin

CONNECT_CONCURRENCY = 50
CONNECT_TIMEOUT = 30.0
BODY_FILLER = "the quick brown fox jumps over the lazy dog"

_dumps = json.JSONEncoder(separators=(",", ":")).encode
_loads = json.loads


class Step:
    def __init__(self, step_id: int) -> None:
        self.id = step_id
        self.sent = 0
        self.send_failed = 0
        self.expected = 0
        self.pending = 0  # expected deliveries not yet seen
        self.delivered = 0
        self.acked = 0  # messages whose sender got them back (stored, for our consumer)
        self.dup = 0
        self.rejected = 0  # messages answered with an error frame (never stored)
        self.latencies: list[float] = []
        self.lags: list[float] = []  # how late the client actually sent vs schedule
        self.errors: Counter[str] = Counter()


class Sock:
    __slots__ = ("closed_code", "index", "last_seq", "pos", "room_idx", "session", "url", "ws")

    def __init__(self, index: int, room_idx: int, pos: int, url: str, session: str) -> None:
        self.index = index
        self.room_idx = room_idx
        self.pos = pos  # 0 mentee, 1 mentor: the bit this socket sets in a message's delivery mask
        self.url = url
        self.session = session
        self.ws: ClientConnection | None = None
        self.last_seq = 0
        self.closed_code: int | None = None


class Client:
    def __init__(self, config: dict[str, Any]) -> None:
        self.mode: str = config["mode"]  # "chat" (our consumer) or "bare"
        self.tag: str = config["tag"]
        port = int(config["port"])
        self.origin = Origin(f"http://127.0.0.1:{port}")
        path = "/ws/rooms/{}/" if self.mode == "chat" else "/ws/bare/{}/"
        self.socks: list[Sock] = []
        for r, room in enumerate(config["rooms"]):
            for pos, member in enumerate(room["members"]):
                url = f"ws://127.0.0.1:{port}" + path.format(room["room"])
                self.socks.append(Sock(len(self.socks), r, pos, url, member["session"]))
        self.room_ids = [room["room"] for room in config["rooms"]]
        # Senders in this order: every room's mentee, then every room's mentor.
        self.order = [s for s in self.socks if s.pos == 0] + [s for s in self.socks if s.pos == 1]
        self.recs: dict[str, list[Any]] = {}  # client_id -> [scheduled, mask, sender pos, Step]
        self.readers: set[asyncio.Task[None]] = set()
        self.late = 0  # deliveries of messages whose step had already been closed
        self.unknown = 0  # frames we cannot attribute
        self.seq_gaps = 0
        self.seq_dups = 0
        self.other: Counter[str] = Counter()
        self.closed = 0
        self.steps_seen: set[int] = set()

    # --- connections ---------------------------------------------------------------------------

    async def connect_range(self, start: int, end: int) -> dict[str, Any]:
        sem = asyncio.Semaphore(CONNECT_CONCURRENCY)
        failures: Counter[str] = Counter()
        t0 = time.monotonic()

        async def one(s: Sock) -> None:
            async with sem:
                try:
                    await self._open(s)
                except (OSError, TimeoutError, WebSocketException, ValueError) as exc:
                    failures[type(exc).__name__ + ":" + str(exc)[:60]] += 1
                    if s.ws is not None:
                        await s.ws.close()
                    s.ws = None

        await asyncio.gather(*(one(s) for s in self.socks[start:end] if s.ws is None))
        ok = sum(1 for s in self.socks[start:end] if s.ws is not None)
        return {
            "connected": ok,
            "failed": sum(failures.values()),
            "failures": dict(failures.most_common(5)),
            "secs": round(time.monotonic() - t0, 2),
        }

    async def _open(self, s: Sock) -> None:
        ws = await connect(
            s.url,
            origin=self.origin,
            additional_headers={"Cookie": f"sessionid={s.session}"},
            compression=None,
            open_timeout=CONNECT_TIMEOUT,
            ping_interval=None,
            max_queue=1024,
        )
        s.ws = ws
        if self.mode == "chat":
            for _ in range(5):  # room.state is the first frame; tolerate a stray one before it
                frame = _loads(await asyncio.wait_for(ws.recv(), CONNECT_TIMEOUT))
                if frame.get("type") == "room.state":
                    s.last_seq = int(frame["last_seq"])
                    break
                self.other[str(frame.get("type"))] += 1
            else:
                raise ValueError("no room.state frame")
        task = asyncio.get_running_loop().create_task(self._read(s))
        self.readers.add(task)
        task.add_done_callback(self.readers.discard)

    async def _read(self, s: Sock) -> None:
        ws = s.ws
        assert ws is not None
        on_frame = self._on_chat if self.mode == "chat" else self._on_bare
        try:
            async for raw in ws:
                on_frame(s, raw, time.monotonic())
        except ConnectionClosed:
            pass
        finally:
            s.closed_code = ws.close_code
            s.ws = None
            self.closed += 1

    # --- receiving -------------------------------------------------------------------------------

    def _on_chat(self, s: Sock, raw: str | bytes, now: float) -> None:
        frame = _loads(raw)
        kind = frame.get("type")
        if kind == "message.new":
            msg = frame["message"]
            seq = msg["seq"]
            if seq <= s.last_seq:
                self.seq_dups += 1
            else:
                if seq != s.last_seq + 1:
                    self.seq_gaps += seq - s.last_seq - 1
                s.last_seq = seq
            self._delivered(s, msg["client_id"], now)
        elif kind == "error":
            self._error(frame)
        else:
            self.other[str(kind)] += 1

    def _on_bare(self, s: Sock, raw: str | bytes, now: float) -> None:
        frame = _loads(raw)
        self._delivered(s, frame["client_id"], now)

    def _delivered(self, s: Sock, client_id: str, now: float) -> None:
        rec = self.recs.get(client_id)
        if rec is None:
            if client_id.startswith(self.tag + "."):
                self.late += 1
            else:
                self.unknown += 1
            return
        bit = 1 << s.pos
        step: Step = rec[3]
        if rec[1] & bit:
            step.dup += 1
            return
        rec[1] |= bit
        step.latencies.append(now - rec[0])
        step.delivered += 1
        step.pending -= 1
        if s.pos == rec[2]:
            step.acked += 1

    def _error(self, frame: dict[str, Any]) -> None:
        code = str(frame.get("code"))
        rec = self.recs.get(str(frame.get("client_id")))
        if rec is None:
            self.other["error:" + code] += 1
            return
        step: Step = rec[3]
        step.errors[code] += 1
        step.rejected += 1
        missing = 2 - bin(rec[1]).count("1")
        rec[1] = 3
        step.pending -= missing
        step.expected -= missing

    # --- load ------------------------------------------------------------------------------------

    async def step(self, step_id: int, rate: float, duration: float, drain: float) -> dict[str, Any]:
        if step_id in self.steps_seen:
            raise ValueError(f"step id {step_id} used twice")
        self.steps_seen.add(step_id)
        st = Step(step_id)
        senders = [s for s in self.order if s.ws is not None]
        if not senders or rate <= 0:
            return {"id": step_id, "error": "no connected sockets"}
        n = len(senders)
        total = int(rate * duration)
        cpu0 = _cpu()
        t0 = time.monotonic() + 0.02
        k = 0
        prefix = f"{self.tag}.{step_id}."
        while k < total:
            now = time.monotonic()
            due = min(total, int((now - t0) * rate) + 1)
            if due <= k:
                await asyncio.sleep(min(0.05, max(0.0, t0 + k / rate - now)))
                continue
            while k < due:
                s = senders[k % n]
                ws = s.ws
                sched = t0 + k / rate
                client_id = prefix + str(k)
                k += 1
                if ws is None:
                    st.send_failed += 1
                    continue
                self.recs[client_id] = [sched, 0, s.pos, st]
                st.sent += 1
                st.expected += 2
                st.pending += 2
                text = _dumps(
                    {"type": "message.send", "client_id": client_id, "body": f"{client_id} {BODY_FILLER}"}
                )
                try:
                    await ws.send(text)
                except ConnectionClosed:
                    st.send_failed += 1
                st.lags.append(time.monotonic() - sched)
            await asyncio.sleep(0)  # let the readers run between bursts
        send_secs = time.monotonic() - t0
        drain_t0 = time.monotonic()
        deadline = drain_t0 + drain
        while st.pending > 0 and time.monotonic() < deadline:  # noqa: ASYNC110  (bounded poll of a counter)
            await asyncio.sleep(0.01)
        drained_in = time.monotonic() - drain_t0
        await asyncio.sleep(0.2)  # catch duplicates that trail the last delivery
        lost = st.pending
        for client_id in [c for c, rec in self.recs.items() if rec[3] is st]:
            del self.recs[client_id]
        cpu1 = _cpu()
        st.lags.sort()
        return {
            "id": step_id,
            "rate": rate,
            "duration": duration,
            "send_secs": round(send_secs, 3),
            "sockets": n,
            "sent": st.sent,
            "send_failed": st.send_failed,
            "expected": st.expected,
            "delivered": st.delivered,
            "acked": st.acked,
            "lost": lost,
            "dup": st.dup,
            "rejected": st.rejected,
            "errors": dict(st.errors),
            "drained_in": round(drained_in, 3),
            "send_lag_p99_ms": round(1000 * _pct(st.lags, 0.99), 2) if st.lags else None,
            "client_cpu_s": round(cpu1 - cpu0, 3),
            "latencies_ms": [round(x * 1000, 3) for x in st.latencies],
            # Running totals (since the client started): the bench takes differences.
            "seq_gaps_total": self.seq_gaps,
            "seq_dups_total": self.seq_dups,
            "late_total": self.late,
            "unknown_total": self.unknown,
            "closed_total": self.closed,
            "open": sum(1 for s in self.socks if s.ws is not None),
        }

    def counts(self) -> dict[str, Any]:
        per_room: dict[str, list[int]] = {}
        for s in self.socks:
            per_room.setdefault(str(self.room_ids[s.room_idx]), [0, 0])[s.pos] = s.last_seq
        return {
            "counts": per_room,
            "other": dict(self.other),
            "close_codes": dict(Counter(str(s.closed_code) for s in self.socks if s.closed_code is not None)),
        }

    async def close(self) -> dict[str, Any]:
        socks = [s.ws for s in self.socks if s.ws is not None]
        await asyncio.wait_for(asyncio.gather(*(ws.close() for ws in socks), return_exceptions=True), 30)
        if self.readers:
            await asyncio.wait(self.readers, timeout=10)
        return {"closed": len(socks)}


def _cpu() -> float:
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return ru.ru_utime + ru.ru_stime


def _pct(sorted_values: list[float], p: float) -> float:
    idx = max(0, min(len(sorted_values) - 1, int(p * len(sorted_values) + 0.999999) - 1))
    return sorted_values[idx]


async def serve(config: dict[str, Any]) -> None:
    client = Client(config)
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    while True:
        line = await reader.readline()
        if not line:
            break
        cmd = json.loads(line)
        name = cmd.get("cmd")
        try:
            if name == "connect":
                reply = await client.connect_range(int(cmd["start"]), int(cmd["end"]))
            elif name == "step":
                reply = await client.step(
                    int(cmd["id"]), float(cmd["rate"]), float(cmd["duration"]), float(cmd["drain"])
                )
            elif name == "stats":
                reply = {"late_total": client.late, "open": sum(1 for s in client.socks if s.ws is not None)}
            elif name == "counts":
                reply = client.counts()
            elif name == "close":
                reply = await client.close()
            elif name == "quit":
                break
            else:
                reply = {"error": f"unknown command {name!r}"}
        except Exception as exc:  # reported to the bench, which stops the run
            reply = {"error": f"{type(exc).__name__}: {exc}"}
        sys.stdout.write(json.dumps(reply) + "\n")
        sys.stdout.flush()


def main() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    with open(sys.argv[1]) as fh:
        config = json.load(fh)
    asyncio.run(serve(config))


if __name__ == "__main__":
    main()

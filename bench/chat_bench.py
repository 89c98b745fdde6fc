"""Chat server load benchmark: our consumer vs the Channels tutorial's bare broadcast (bench/README.md).

    .venv/bin/python bench/chat_bench.py [--quick] [--db sqlite|postgres|both] [--clients N]

Starts its own daphne servers (bench.asgi) on 127.0.0.1, one process at a time, with Redis db 9 as the
channel layer; seeds users, pair rooms and sessions; drives them from a separate load-client process;
prints a table and writes it as JSON to var/bench/chat-<timestamp>.json.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import queue
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

ROOT = Path(__file__).resolve().parent.parent
PY = str(ROOT / ".venv" / "bin" / "python")
DAPHNE = str(ROOT / ".venv" / "bin" / "daphne")
REDIS_URL = "redis://127.0.0.1:6379/9"
PG_DSN = "host=127.0.0.1 port=5432 user=postgres dbname=postgres"
P99_LIMIT_MS = 100.0
NOISY_PCT = 25.0  # CPU % of a core used by processes that are not part of the bench
CLK_TCK = os.sysconf("SC_CLK_TCK")
NCPU = os.cpu_count() or 1
SRC = ROOT  # where the server's code comes from (--src)

_children: list[subprocess.Popen[Any]] = []  # every process we started, stopped on the way out


# --- small helpers ------------------------------------------------------------------------------


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


def raise_nofile() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = hard if hard != resource.RLIM_INFINITY else 65536
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def proc_cpu(pid: int) -> float:
    """User + system CPU seconds of a process (all its threads)."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def proc_rss_kib(pid: int) -> int:
    with open(f"/proc/{pid}/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for {pid}")


def machine_cpu() -> tuple[float, float]:
    """(busy, total) jiffies of the whole machine."""
    with open("/proc/stat") as fh:
        parts = [int(x) for x in fh.readline().split()[1:9]]  # guest time is already in user
    idle = parts[3] + parts[4]
    return float(sum(parts) - idle), float(sum(parts))


def pct(sorted_values: list[float], p: float) -> float | None:
    if not sorted_values:
        return None
    idx = max(0, min(len(sorted_values) - 1, math.ceil(p * len(sorted_values)) - 1))
    return sorted_values[idx]


def stop(proc: subprocess.Popen[Any], timeout: float = 10.0) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
    if proc in _children:
        _children.remove(proc)


# --- side services: Redis, PostgreSQL ----------------------------------------------------------


class Redis:
    def __init__(self) -> None:
        import redis

        self.r = redis.Redis.from_url(REDIS_URL)

    def flush(self) -> None:
        self.r.flushdb()  # db 9 only: presence counters left by a previous server

    def cpu(self) -> float:
        info = self.r.info("cpu")
        return float(info["used_cpu_user"]) + float(info["used_cpu_sys"])


class Postgres:
    def __init__(self, name: str) -> None:
        import psycopg

        self.name = name
        self.conn = psycopg.connect(PG_DSN, autocommit=True)
        self._drop()
        self.conn.execute(f'CREATE DATABASE "{name}"')
        self.url = f"postgres://postgres@127.0.0.1:5432/{name}"

    def backend_cpu(self) -> dict[int, float]:
        rows = self.conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()", [self.name]
        ).fetchall()
        return {int(pid): proc_cpu(int(pid)) for (pid,) in rows}

    def _drop(self) -> None:
        self.conn.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')

    def close(self) -> None:
        try:
            self._drop()
        finally:
            self.conn.close()


# --- the load client processes -----------------------------------------------------------------


class ClientProc:
    def __init__(self, config: dict[str, Any], workdir: Path, n: int) -> None:
        path = workdir / f"client-{config['tag']}.json"
        path.write_text(json.dumps(config))
        self.log = open(workdir / f"client-{config['tag']}.log", "w")
        self.proc = subprocess.Popen(
            [PY, "-m", "bench.load_client", str(path)],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.log,
            text=True,
            preexec_fn=raise_nofile,
        )
        _children.append(self.proc)
        self.sockets = n
        self.lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.put(line)
        self.lines.put("")

    def send(self, cmd: dict[str, Any]) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps(cmd) + "\n")
        self.proc.stdin.flush()

    def recv(self, timeout: float) -> dict[str, Any]:
        try:
            line = self.lines.get(timeout=timeout)
        except queue.Empty:
            raise RuntimeError(f"load client {self.proc.pid} did not answer in {timeout:.0f}s") from None
        if not line:
            raise RuntimeError(f"load client {self.proc.pid} exited (see {self.log.name})")
        reply: dict[str, Any] = json.loads(line)
        if "error" in reply:
            raise RuntimeError(f"load client {self.proc.pid}: {reply['error']}")
        return reply

    def quit(self) -> None:
        try:
            self.send({"cmd": "quit"})
            self.proc.wait(10)
        except (OSError, subprocess.TimeoutExpired):
            pass
        stop(self.proc)
        self.log.close()


def call_all(
    clients: list[ClientProc], make: Callable[[ClientProc], dict[str, Any]], timeout: float
) -> list[dict[str, Any]]:
    for c in clients:
        c.send(make(c))
    return [c.recv(timeout) for c in clients]


# --- one server ---------------------------------------------------------------------------------


class Server:
    def __init__(self, env: dict[str, str], workdir: Path, name: str) -> None:
        self.port = free_port()
        self.log_path = workdir / f"server-{name}.log"
        self.log: IO[str] = open(self.log_path, "w")
        self.proc = subprocess.Popen(
            [
                DAPHNE,
                "-b",
                "127.0.0.1",
                "-p",
                str(self.port),
                "--access-log",
                os.devnull,
                "bench.asgi:application",
            ],
            cwd=SRC,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            preexec_fn=raise_nofile,
        )
        _children.append(self.proc)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited at start: {self.log_path.read_text()[-2000:]}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    break
            except OSError:
                time.sleep(0.1)
        else:
            raise RuntimeError("server did not start listening in 60 s")
        time.sleep(1.0)  # let it settle before the first RSS reading

    @property
    def pid(self) -> int:
        return self.proc.pid

    def log_problems(self) -> int:
        self.log.flush()
        text = self.log_path.read_text(errors="replace")
        return sum(1 for line in text.splitlines() if "Traceback" in line or " ERROR " in line)

    def close(self) -> None:
        stop(self.proc)
        self.log.close()


# --- the bench -------------------------------------------------------------------------------------


class Bench:
    def __init__(self, args: argparse.Namespace, workdir: Path) -> None:
        self.args = args
        self.workdir = workdir
        self.redis = Redis()
        self.pg: Postgres | None = None
        self.step_ids = iter(range(1, 10_000))

    def env(self, database_url: str) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            DJANGO_SETTINGS_MODULE="chatserver.settings",
            SECRET_KEY="bench",
            DEBUG="0",
            ALLOWED_HOSTS="127.0.0.1,localhost",
            REDIS_URL=REDIS_URL,
            DATABASE_URL=database_url,
            VAR_DIR=str(self.workdir / "var"),
            CHAT_RATE_LIMIT=self.args.rate_limit,
            # Redis pub/sub ignores the db number: our own prefix keeps other servers' events apart.
            CHANNEL_PREFIX=f"peerchat-bench-{os.getpid()}",
            LOG_LEVEL="WARNING",
            PYTHONUNBUFFERED="1",
        )
        if SRC != ROOT:  # the server's code from another checkout; bench.* still from this one
            env["PYTHONPATH"] = f"{SRC}{os.pathsep}{ROOT}"
        return env

    def prepare_db(self, kind: str) -> tuple[str, dict[str, Any]]:
        if kind == "sqlite":
            url = f"sqlite:///{self.workdir / 'bench.sqlite3'}"
        else:
            self.pg = Postgres(f"peerchat_bench_{os.getpid()}")
            url = self.pg.url
        env = self.env(url)
        t0 = time.monotonic()
        subprocess.run(
            [PY, "manage.py", "migrate", "--noinput", "-v0"], cwd=SRC, env=env, check=True, timeout=300
        )
        out = self.workdir / f"rooms-{kind}.json"
        subprocess.run(
            [PY, "-m", "bench.dbtool", "seed", "--pairs", str(self.args.pairs), "--out", str(out)],
            cwd=SRC,
            env=env,
            check=True,
            timeout=300,
            stdout=subprocess.DEVNULL,
        )
        log(f"{kind}: migrated and seeded {self.args.pairs} pair rooms in {time.monotonic() - t0:.1f}s")
        return url, json.loads(out.read_text())

    def run_pass(self, name: str, mode: str, db_kind: str, url: str, seed: dict[str, Any]) -> dict[str, Any]:
        log(f"=== {name}: starting server")
        self.redis.flush()
        server = Server(self.env(url), self.workdir, name)
        clients: list[ClientProc] = []
        result: dict[str, Any] = {"name": name, "mode": mode, "db": db_kind, "steps": []}
        try:
            rooms = seed["rooms"]
            k = self.args.clients
            for i in range(k):
                part = rooms[i::k]
                config = {"mode": mode, "tag": f"{name}-{i}", "port": server.port, "rooms": part}
                clients.append(ClientProc(config, self.workdir, 2 * len(part)))
            result["memory"] = self.measure_memory(server, clients)
            log(f"{name}: memory {result['memory']}")
            warm = self.step(server, clients, self.args.steps[0], self.args.warmup_secs)
            result["warmup"] = warm
            log(f"{name}: warm-up {self.fmt_step(warm)}")
            for rate in self.args.steps:
                for attempt in range(1 + self.args.retry_noisy):
                    if attempt:
                        log(
                            f"{name}: step failed while other processes were busy: waiting for quiet, retrying"
                        )
                        self.wait_backlog(clients)
                        wait_quiet()
                    st = self.step(server, clients, rate, self.args.step_secs, retry=attempt > 0)
                    st["attempt"] = attempt + 1
                    log(f"{name}: {self.fmt_step(st)}")
                    if st["pass"] or not st["noisy"]:
                        break
                result["steps"].append(st)
                if not st["pass"]:
                    break
            passed = [s["rate"] for s in result["steps"] if s["pass"]]
            result["sustainable"] = max(passed) if passed else 0
            result["ladder_topped_out"] = bool(result["steps"]) and result["steps"][-1]["pass"]
            result["rss_end_kib"] = proc_rss_kib(server.pid)
            if mode == "chat":
                self.wait_backlog(clients)  # an overloaded last step may still be delivering
                replies = call_all(clients, lambda c: {"cmd": "counts"}, 60)
                counts: dict[str, Any] = {}
                for r in replies:
                    counts.update(r["counts"])
                result["close_codes"] = [r["close_codes"] for r in replies]
                path = self.workdir / f"counts-{name}.json"
                path.write_text(json.dumps(counts))
                out = subprocess.run(
                    [PY, "-m", "bench.dbtool", "verify", "--counts", str(path)],
                    cwd=SRC,
                    env=self.env(url),
                    check=True,
                    timeout=300,
                    capture_output=True,
                    text=True,
                )
                result["verify"] = json.loads(out.stdout)
                log(f"{name}: database check {result['verify']}")
            call_all(clients, lambda c: {"cmd": "close"}, 60)
        finally:
            for c in clients:
                c.quit()
            result["server_log_problems"] = server.log_problems()
            server.close()
        return result

    def measure_memory(self, server: Server, clients: list[ClientProc]) -> dict[str, Any]:
        """RSS of the fresh server, after ~10% of the sockets, after all of them (idle)."""
        rss0 = proc_rss_kib(server.pid)
        warm = call_all(
            clients, lambda c: {"cmd": "connect", "start": 0, "end": max(1, c.sockets // 10)}, 300
        )
        n_warm = sum(r["connected"] for r in warm)
        time.sleep(2)
        rss1 = proc_rss_kib(server.pid)
        rest = call_all(clients, lambda c: {"cmd": "connect", "start": 0, "end": c.sockets}, 600)
        n_all = sum(r["connected"] for r in rest)
        failed = sum(r["failed"] for r in rest) + sum(r["failed"] for r in warm)
        if failed:
            raise RuntimeError(f"{failed} sockets failed to connect: {[r['failures'] for r in warm + rest]}")
        cpu0 = proc_cpu(server.pid)
        time.sleep(3)
        rss2 = proc_rss_kib(server.pid)
        idle_pct = 100 * (proc_cpu(server.pid) - cpu0) / 3
        return {
            "sockets": n_all,
            "connect_secs": round(sum(r["secs"] for r in warm + rest) / len(clients), 2),
            "rss_fresh_mib": round(rss0 / 1024, 1),
            "rss_idle_all_mib": round(rss2 / 1024, 1),
            "kib_per_conn": round((rss2 - rss0) / max(1, n_all), 1),
            "kib_per_conn_marginal": round((rss2 - rss1) / max(1, n_all - n_warm), 1),
            "idle_server_cpu_pct": round(idle_pct, 1),
        }

    def wait_backlog(self, clients: list[ClientProc], limit: float = 60.0) -> None:
        """Wait until the server has stopped delivering a failed step's backlog (late deliveries stop)."""
        deadline = time.monotonic() + limit
        last = -1
        while time.monotonic() < deadline:
            late = sum(r["late_total"] for r in call_all(clients, lambda c: {"cmd": "stats"}, 30))
            if late == last:
                return
            last = late
            time.sleep(1.0)

    def step(
        self, server: Server, clients: list[ClientProc], rate: float, secs: float, retry: bool = False
    ) -> dict[str, Any]:
        step_id = next(self.step_ids)
        share = rate / len(clients)
        srv0, cli0, red0, mach0 = (
            proc_cpu(server.pid),
            [proc_cpu(c.proc.pid) for c in clients],
            self.redis.cpu(),
            machine_cpu(),
        )
        db0 = self.pg.backend_cpu() if self.pg else {}
        t0 = time.monotonic()
        replies = call_all(
            clients,
            lambda c: {
                "cmd": "step",
                "id": step_id,
                "rate": share,
                "duration": secs,
                "drain": self.args.drain,
            },
            secs + self.args.drain + 120,
        )
        wall = time.monotonic() - t0
        srv1, red1, mach1 = proc_cpu(server.pid), self.redis.cpu(), machine_cpu()
        cli_cpu = sum(proc_cpu(c.proc.pid) - a for c, a in zip(clients, cli0, strict=True))
        db_cpu = 0.0
        if self.pg:
            db1 = self.pg.backend_cpu()
            db_cpu = sum(v - db0.get(pid, 0.0) for pid, v in db1.items())
        lat = sorted(x for r in replies for x in r["latencies_ms"])
        total = {
            key: sum(r[key] for r in replies)
            for key in ("sent", "send_failed", "expected", "delivered", "acked", "lost", "dup", "rejected")
        }
        errors: dict[str, int] = {}
        for r in replies:
            for code, n in r["errors"].items():
                errors[code] = errors.get(code, 0) + n
        # Running totals from the clients: keep the previous values to report this step's share.
        keys = ("seq_gaps_total", "seq_dups_total", "late_total", "unknown_total", "closed_total")
        now_totals = {key: sum(r[key] for r in replies) for key in keys}
        prev = getattr(self, "_totals", {key: 0 for key in keys})
        if prev.get("_server") != server.pid:
            prev = {key: 0 for key in keys}
        delta = {key.removesuffix("_total"): now_totals[key] - prev[key] for key in keys}
        self._totals = {**now_totals, "_server": server.pid}
        send_secs = max(r["send_secs"] for r in replies)
        sent = max(1, total["sent"])
        p50, p99 = pct(lat, 0.50), pct(lat, 0.99)
        st: dict[str, Any] = {
            "rate": rate,
            "secs": secs,
            **total,
            "errors": errors,
            **delta,
            "stored_per_s": round(total["acked"] / send_secs, 1),
            "deliveries_per_s": round(total["delivered"] / send_secs, 1),
            "p50_ms": p50,
            "p90_ms": pct(lat, 0.90),
            "p99_ms": p99,
            "max_ms": lat[-1] if lat else None,
            "send_lag_p99_ms": max((r["send_lag_p99_ms"] or 0.0) for r in replies),
            "drained_in_s": max(r["drained_in"] for r in replies),
            "server_cpu_s": round(srv1 - srv0, 3),
            "server_us_per_msg": round(1e6 * (srv1 - srv0) / sent, 1),
            "server_cpu_pct": round(100 * (srv1 - srv0) / wall, 1),
            "client_cpu_pct": round(100 * cli_cpu / wall, 1),
            "redis_cpu_pct": round(100 * (red1 - red0) / wall, 1),
            "db_cpu_pct": round(100 * db_cpu / wall, 1) if self.pg else None,
            "db_us_per_msg": round(1e6 * db_cpu / sent, 1) if self.pg else None,
            # In cores x 100 like the others (200 = both cores of a 2-core machine busy).
            "machine_busy_pct": round(100 * NCPU * (mach1[0] - mach0[0]) / max(1.0, mach1[1] - mach0[1]), 1),
            "wall_s": round(wall, 2),
            "open_sockets": sum(r["open"] for r in replies),
        }
        own = st["server_cpu_pct"] + st["client_cpu_pct"] + st["redis_cpu_pct"] + (st["db_cpu_pct"] or 0.0)
        st["other_cpu_pct"] = round(max(0.0, st["machine_busy_pct"] - own), 1)  # anything else on the machine
        st["noisy"] = st["other_cpu_pct"] > NOISY_PCT
        st["pass"] = bool(
            lat
            and p99 is not None
            and p99 < P99_LIMIT_MS
            and st["lost"] == 0
            and st["dup"] == 0
            and st["rejected"] == 0
            and st["send_failed"] == 0
            and st["seq_gaps"] == 0
            and st["seq_dups"] == 0
            and (st["late"] == 0 or retry)  # a retry may still see the failed attempt's stragglers
            and st["closed"] == 0
        )
        return st

    @staticmethod
    def fmt_step(st: dict[str, Any]) -> str:
        return (
            f"{st['rate']:>6} msg/s: stored {st['stored_per_s']:>7}/s deliv {st['deliveries_per_s']:>7}/s "
            f"p50 {fmt_ms(st['p50_ms'])} p99 {fmt_ms(st['p99_ms'])} lost {st['lost']} dup {st['dup']} "
            f"err {st['rejected']} gaps {st['seq_gaps']} srv {st['server_us_per_msg']}us/msg "
            f"srv {st['server_cpu_pct']}% cli {st['client_cpu_pct']}% other {st['other_cpu_pct']}% "
            f"{'PASS' if st['pass'] else 'FAIL'}"
        )

    def close(self) -> None:
        if self.pg:
            self.pg.close()
            self.pg = None


def fmt_ms(v: float | None) -> str:
    return "   -  " if v is None else f"{v:6.1f}"


def report(results: dict[str, Any]) -> str:
    lines = []
    head = (
        f"{'server':<14}{'rate':>6}{'stored/s':>9}{'deliv/s':>9}{'p50ms':>7}{'p99ms':>7}{'maxms':>8}"
        f"{'lost':>5}{'dup':>4}{'err':>4}{'gap':>4}{'srv us/msg':>11}{'srv%':>6}{'db%':>5}{'redis%':>7}"
        f"{'cli%':>6}{'other%':>7}  ok"
    )
    lines.append(head)
    lines.append("-" * len(head))
    for p in results["passes"]:
        for st in p["steps"]:
            db = "" if st["db_cpu_pct"] is None else f"{st['db_cpu_pct']:.0f}"
            lines.append(
                f"{p['name']:<14}{st['rate']:>6}{st['stored_per_s']:>9.0f}{st['deliveries_per_s']:>9.0f}"
                f"{fmt_ms(st['p50_ms']):>7}{fmt_ms(st['p99_ms']):>7}{st['max_ms'] or 0:>8.1f}"
                f"{st['lost']:>5}{st['dup']:>4}{st['rejected']:>4}{st['seq_gaps']:>4}"
                f"{st['server_us_per_msg']:>11.0f}{st['server_cpu_pct']:>6.0f}{db:>5}{st['redis_cpu_pct']:>7.0f}"
                f"{st['client_cpu_pct']:>6.0f}{st['other_cpu_pct']:>7.0f}  {'yes' if st['pass'] else 'NO'}"
                f"{' (noisy)' if st['noisy'] else ''}"
            )
    if any(st["noisy"] for p in results["passes"] for st in p["steps"]):
        lines.append(
            f"(noisy) = other processes used > {NOISY_PCT:.0f}% of a core during the step: rerun when quiet"
        )
    lines.append("")
    bare = next((p for p in results["passes"] if p["mode"] == "bare"), None)
    for p in results["passes"]:
        top = "≥" if p.get("ladder_topped_out") else ""
        line = f"{p['name']:<14} sustainable {top}{p['sustainable']} msg/s"
        if bare and p is not bare:
            if bare["sustainable"]:
                line += f"   ratio vs bare {p['sustainable'] / bare['sustainable']:.2f}"
                if bare.get("ladder_topped_out"):
                    line += " (bare never failed: an upper bound)"
            else:
                line += "   ratio vs bare: n/a (bare sustained no step)"
        mem = p["memory"]
        line += (
            f"   idle memory {mem['kib_per_conn']} KiB/conn ({mem['kib_per_conn_marginal']} marginal,"
            f" {mem['sockets']} sockets, fresh RSS {mem['rss_fresh_mib']} MiB, idle CPU {mem['idle_server_cpu_pct']}%)"
        )
        if p.get("verify"):
            v = p["verify"]
            line += (
                f"   db: {v['messages_stored']} stored, {v['rooms_bad_seq']} rooms with seq gaps,"
                f" {v['rooms_not_fully_delivered']} not fully delivered"
            )
        if p.get("server_log_problems"):
            line += f"   server log: {p['server_log_problems']} error lines"
        lines.append(line)
    for p in results["passes"]:
        at = next((st for st in p["steps"] if st["rate"] == results["target_rate"]), None)
        if p["mode"] == "chat" and at:
            lines.append(
                f"{p['name']} at {results['target_rate']} msg/s over {at['open_sockets']} sockets: "
                f"p50 {at['p50_ms']} ms, p99 {at['p99_ms']} ms, lost {at['lost']}, dup {at['dup']}, "
                f"server {at['server_us_per_msg']} us/msg -> {'meets' if at['pass'] else 'MISSES'} the target"
            )
    return "\n".join(lines)


@contextmanager
def cleanup_on_signal() -> Iterator[None]:
    def on_term(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    old = signal.signal(signal.SIGTERM, on_term)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, old)
        for proc in list(_children):
            stop(proc, 5)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="smoke run: 200 sockets, 3 short steps")
    ap.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    ap.add_argument("--no-bare", action="store_true", help="skip the bare tutorial consumer")
    ap.add_argument("--steps", help="comma-separated message rates (msg/s), e.g. 250,500,1000")
    ap.add_argument("--step-secs", type=float)
    ap.add_argument("--warmup-secs", type=float)
    ap.add_argument("--drain", type=float, default=5.0, help="seconds to wait for deliveries after a step")
    ap.add_argument("--pairs", type=int, help="pair rooms (2 sockets each)")
    ap.add_argument("--clients", type=int, default=1, help="load-client processes")
    ap.add_argument("--rate-limit", default="1000/1", help="the server's CHAT_RATE_LIMIT (count/seconds)")
    ap.add_argument("--src", help="run the server from this checkout (e.g. a `git archive` of HEAD)")
    ap.add_argument(
        "--retry-noisy",
        type=int,
        default=2,
        help="retry a failed step this often if other processes were busy",
    )
    ap.add_argument("--keep", action="store_true", help="keep the temp dir (logs, sqlite file)")
    args = ap.parse_args(argv)
    if args.quick:
        args.pairs = args.pairs or 100
        args.steps = args.steps or "100,200,400"
        args.step_secs = args.step_secs or 3.0
        args.warmup_secs = args.warmup_secs or 1.0
        args.drain = min(args.drain, 3.0)
    args.pairs = args.pairs or 500
    args.steps = [int(x) for x in (args.steps or "250,500,750,1000,1250,1500,2000,2500,3000,4000").split(",")]
    args.step_secs = args.step_secs or 10.0
    args.warmup_secs = args.warmup_secs or 3.0
    if not 1 <= args.clients <= 8 or args.pairs < args.clients or not 1 <= args.pairs <= 5000:
        ap.error("need 1 ≤ clients ≤ 8, clients ≤ pairs ≤ 5000")
    if len(args.steps) > 20 or any(not 0 < r <= 100_000 for r in args.steps):
        ap.error("at most 20 steps, each 1..100000 msg/s")
    return args


def machine_load(secs: float = 2.0) -> float:
    """Busy CPU of the whole machine over `secs`, in % of one core."""
    b0, t0 = machine_cpu()
    time.sleep(secs)
    b1, t1 = machine_cpu()
    return round(100 * NCPU * (b1 - b0) / max(1.0, t1 - t0), 1)


def wait_quiet(limit: float = 120.0) -> float:
    """Wait (at most `limit` s) until the machine is idle apart from us; returns the last load seen."""
    deadline = time.monotonic() + limit
    load = machine_load()
    while load > NOISY_PCT and time.monotonic() < deadline:
        load = machine_load()
    return load


def main(argv: list[str] | None = None) -> int:
    global SRC
    args = parse_args(argv)
    if args.src:
        SRC = Path(args.src).resolve()
        if not (SRC / "manage.py").is_file():
            raise SystemExit(f"--src {SRC}: no manage.py there")
    raise_nofile()
    dbs = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    workdir = Path(tempfile.mkdtemp(prefix="chat-bench-"))
    stamp = time.strftime("%Y%m%d-%H%M%S")
    results: dict[str, Any] = {
        "started": stamp,
        "host_cpus": os.cpu_count(),
        "sockets": 2 * args.pairs,
        "rooms": args.pairs,
        "steps": args.steps,
        "step_secs": args.step_secs,
        "drain_secs": args.drain,
        "clients": args.clients,
        "rate_limit": args.rate_limit,
        "target_rate": 1000 if not args.quick else args.steps[-1],
        "passes": [],
    }
    log(
        f"workdir {workdir}; {2 * args.pairs} sockets in {args.pairs} rooms; steps {args.steps} x {args.step_secs}s"
    )
    results["load_before_pct"] = wait_quiet(60)
    if results["load_before_pct"] > NOISY_PCT:
        log(
            f"WARNING: the machine is busy before the bench ({results['load_before_pct']}% of a core): "
            "results will be pessimistic; see the other% column"
        )
    bench = Bench(args, workdir)
    t_start = time.monotonic()
    try:
        with cleanup_on_signal():
            for i, kind in enumerate(dbs):
                url, seed = bench.prepare_db(kind)
                if i == 0 and not args.no_bare:
                    results["passes"].append(bench.run_pass("bare", "bare", kind, url, seed))
                results["passes"].append(bench.run_pass(f"ours-{kind}", "chat", kind, url, seed))
                bench.close()
    except KeyboardInterrupt:
        log("interrupted: servers stopped")
        return 130
    finally:
        bench.close()
        if args.keep:
            log(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    results["elapsed_s"] = round(time.monotonic() - t_start, 1)
    table = report(results)
    print()
    print(table)
    out_dir = ROOT / "var" / "bench"
    out_dir.mkdir(parents=True, exist_ok=True)
    out = out_dir / f"chat-{stamp}.json"
    results["table"] = table.splitlines()
    out.write_text(json.dumps(results, indent=1))
    print(f"\nwritten to {out.relative_to(ROOT)} ({results['elapsed_s']} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""A Streamerson service worker in Python, written from docs/PROTOCOL.md.

It joins a consumer group of a topic, reads v1 messages with XREADGROUP, runs
the handler of each message type, and appends replies to the requester's
reply stream in the same pipeline as the XACK. Entries that are not v1
messages are acknowledged and moved to ``<topic>:dlq``.

    python3 worker.py --url redis://127.0.0.1:6380 --topic calc [--group G] [--consumer C]

Needs redis-py (Debian: python3-redis); msgpack payloads need python3-msgpack.
"""

import argparse
import json
import os
import re
import signal
import socket
import sys
import time
from typing import Any, Callable, Dict, List, Optional, Tuple

import redis

from streamerson_v1 import (
    DEADLINE_HEADER,
    ERROR_HEADER,
    STATUS_HEADER,
    TRACEPARENT_HEADER,
    TRACESTATE_HEADER,
    EncodeError,
    Message,
    ProtocolError,
    UnsupportedContentType,
    decode_entry,
    encode_message,
)

DEFAULT_GROUP = "python-worker"
DEFAULT_BLOCK_MS = 1000
DEFAULT_COUNT = 32
# Replies of a batch wait for the batch's later handlers at most this long.
FLUSH_AFTER_S = 0.02
ERROR_PAUSE_S = 0.5
MAX_RECORDS = 1000
MAX_SLEEP_MS = 5000

DEAD_LETTER_PREFIX = "dlq."


class HandlerError(Exception):
    """Raised by a handler to answer with an error reply (section 4): status >= 400, a code, a safe message."""

    def __init__(self, status: int, code: str, message: str, details: Any = None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.details = details


class Result:
    """A handler result with an explicit content type (default: binary for bytes, json otherwise)."""

    def __init__(self, payload: Any, content_type: Optional[str] = None):
        self.payload = payload
        self.content_type = content_type


class Context:
    """What a handler knows about the message besides its payload."""

    def __init__(self, worker: "Worker", message: Message, deadline: Optional[int]):
        self.worker = worker
        self.message = message
        self.deadline = deadline

    def remaining_ms(self) -> Optional[float]:
        return None if self.deadline is None else self.deadline - now_ms()


Handler = Callable[[Any, Context], Any]


def now_ms() -> int:
    return int(time.time() * 1000)


_DECIMAL = re.compile(r"^[0-9]{1,20}$")


def parse_deadline(value: Optional[str]) -> Optional[int]:
    """The ``deadline`` header (Unix ms, decimal); an absent or unreadable one means no deadline."""
    if value is None or not _DECIMAL.match(value):
        return None
    return int(value)


# --- handlers -----------------------------------------------------------------


def _number(payload: Any, name: str) -> float:
    value = payload.get(name) if isinstance(payload, dict) else None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise HandlerError(400, "ERR_STREAMERSON_INVALID_PAYLOAD", f'expected {{"a": number, "b": number}}; "{name}" is not a number')
    return value


def handle_add(payload: Any, ctx: Context) -> Any:
    return {"sum": _number(payload, "a") + _number(payload, "b")}


def handle_divide(payload: Any, ctx: Context) -> Any:
    a, b = _number(payload, "a"), _number(payload, "b")
    if b == 0:
        raise HandlerError(422, "DIVISION_BY_ZERO", "cannot divide by zero", {"dividend": a})
    return {"quotient": a / b}


def handle_upper(payload: Any, ctx: Context) -> Any:
    if not isinstance(payload, str):
        raise HandlerError(400, "ERR_STREAMERSON_INVALID_PAYLOAD", "expected a string")
    # Text stays text and a JSON string stays JSON.
    return Result(payload.upper(), ctx.message.content_type)


def handle_echo(payload: Any, ctx: Context) -> Any:
    return Result(payload, ctx.message.content_type)


def handle_sleep(payload: Any, ctx: Context) -> Any:
    """Sleeps ``{"ms": n}`` (at most 5 s), but never past the request's deadline."""
    ms = payload.get("ms") if isinstance(payload, dict) else None
    if isinstance(ms, bool) or not isinstance(ms, (int, float)) or ms < 0:
        raise HandlerError(400, "ERR_STREAMERSON_INVALID_PAYLOAD", 'expected {"ms": number >= 0}')
    ms = min(ms, MAX_SLEEP_MS)
    remaining = ctx.remaining_ms()
    if remaining is not None and remaining < ms:
        time.sleep(max(0, remaining) / 1000)
        raise HandlerError(504, "ERR_STREAMERSON_TIMEOUT", "the handler did not finish before the deadline", {"deadline": ctx.deadline})
    time.sleep(ms / 1000)
    return {"slept": ms}


def handle_fail(payload: Any, ctx: Context) -> Any:
    raise RuntimeError("an unexpected failure with internals the caller must not see")


def handle_record(payload: Any, ctx: Context) -> Any:
    records = ctx.worker.records
    records.append(payload)
    del records[:-MAX_RECORDS]
    return None


def handle_stats(payload: Any, ctx: Context) -> Any:
    return dict(ctx.worker.counts, records=ctx.worker.records, consumer=ctx.worker.consumer)


HANDLERS: Dict[str, Handler] = {
    "add": handle_add,
    "divide": handle_divide,
    "upper": handle_upper,
    "echo": handle_echo,
    "sleep": handle_sleep,
    "fail": handle_fail,
    "record": handle_record,
    "stats": handle_stats,
}


# --- the worker ---------------------------------------------------------------


def reply_headers(request: Message, status: int, error_code: Optional[str] = None) -> Dict[str, str]:
    """Section 4: ``status``, ``error`` for error replies, trace context copied from the request."""
    headers = {STATUS_HEADER: str(status)}
    if error_code is not None:
        headers[ERROR_HEADER] = error_code
    for name in (TRACEPARENT_HEADER, TRACESTATE_HEADER):
        if name in request.headers:
            headers[name] = request.headers[name]
    return headers


class Worker:
    def __init__(self, client: redis.Redis, topic: str, group: str, consumer: str,
                 source: str, block_ms: int, count: int, handlers: Dict[str, Handler]):
        self.redis = client
        self.topic = topic
        self.group = group
        self.consumer = consumer
        self.source = source
        self.block_ms = block_ms
        self.count = count
        self.handlers = handlers
        self.dead_letter_stream = f"{topic}:dlq"
        self.stopping = False
        self.records: List[Any] = []
        self.counts = {"processed": 0, "replies": 0, "errors": 0, "expired": 0, "unknownType": 0, "deadLettered": 0}
        # Appends as (stream, fields, nomkstream) and entry ids to ack; flushed together.
        self.appends: List[Tuple[str, List[bytes], bool]] = []
        self.acks: List[bytes] = []
        self.first_pending_at: Optional[float] = None

    def log(self, text: str) -> None:
        print(f"[{self.consumer}] {text}", file=sys.stderr, flush=True)

    def ensure_group(self) -> None:
        """XGROUP CREATE … 0 MKSTREAM; an existing group (BUSYGROUP) is fine."""
        try:
            self.redis.execute_command("XGROUP", "CREATE", self.topic, self.group, "0", "MKSTREAM")
        except redis.ResponseError as err:
            if not str(err).startswith("BUSYGROUP"):
                raise

    def read(self, history: Optional[bytes]) -> List[Tuple[bytes, Optional[List[bytes]]]]:
        """One XREADGROUP: this member's own pending entries after the id ``history``, or new ones (``>``) when it is None."""
        args = ["XREADGROUP", "GROUP", self.group, self.consumer, "COUNT", self.count]
        if history is None:
            args += ["BLOCK", self.block_ms]
        reply = self.redis.execute_command(*args, "STREAMS", self.topic, ">" if history is None else history)
        if not reply:
            return []
        # RESP2: [[stream, [[id, [name, value, …] or nil], …]]]
        return [(entry[0], entry[1]) for _, entries in reply for entry in entries]

    def run(self) -> None:
        self.ensure_group()
        self.log(f"ready: topic {self.topic}, group {self.group}")
        print("ready", flush=True)
        # After a restart (or a lost connection), first finish the entries this
        # member read but never acked: its history, from "0" on, then new entries.
        history: Optional[bytes] = b"0"
        need_group = False
        while not self.stopping:
            try:
                if need_group:
                    self.ensure_group()
                    need_group = False
                entries = self.read(history)
                if history is not None:
                    if not entries:
                        history = None
                        continue
                    history = entries[-1][0]
                for entry_id, fields in entries:
                    self.process(entry_id, fields, history is not None)
                    if self.first_pending_at is not None and time.monotonic() - self.first_pending_at > FLUSH_AFTER_S:
                        self.flush()
                self.flush()
            except redis.ResponseError as err:
                if str(err).startswith("NOGROUP"):  # the stream or group was deleted: make them again
                    self.log("group is gone; creating it again")
                    need_group = True
                else:
                    self.log(f"redis error: {err}")
                    self.pause()
                history = b"0"
            except (redis.ConnectionError, redis.TimeoutError) as err:
                # Unacked entries stay pending; they are read again from history.
                self.log(f"connection error: {err}")
                self.drop_outbox()
                history = b"0"
                self.pause()
        self.log("stopped")

    def pause(self) -> None:
        end = time.monotonic() + ERROR_PAUSE_S
        while not self.stopping and time.monotonic() < end:
            time.sleep(0.05)

    def process(self, entry_id: bytes, fields: Optional[List[bytes]], history: bool) -> None:
        eid = entry_id.decode("ascii")
        if fields is None:  # deleted from the stream while pending: nothing to run
            self.ack(entry_id)
            return
        try:
            message = decode_entry(self.topic, eid, fields)
        except ProtocolError as err:
            self.log(f"{eid}: {err.code}: {err}")
            self.dead_letter(entry_id, fields, err.code, str(err), history)
            return
        except UnsupportedContentType as err:
            if err.message.reply_to:
                self.error_reply(err.message, 415, "ERR_STREAMERSON_BAD_PAYLOAD", str(err))
                self.ack(entry_id)
            else:
                self.dead_letter(entry_id, fields, "ERR_STREAMERSON_BAD_PAYLOAD", str(err), history)
            return

        deadline = parse_deadline(message.headers.get(DEADLINE_HEADER))
        if deadline is not None and deadline <= now_ms():
            # Section 4: the requester stopped waiting; acknowledge without running or replying.
            self.counts["expired"] += 1
            self.ack(entry_id)
            return

        handler = self.handlers.get(message.type)
        if handler is None:
            self.counts["unknownType"] += 1
            if message.reply_to:
                self.error_reply(message, 404, "ERR_STREAMERSON_UNKNOWN_TYPE", f'no handler for message type "{message.type}"')
            self.ack(entry_id)
            return

        try:
            result = handler(message.payload, Context(self, message, deadline))
        except HandlerError as err:
            self.counts["errors"] += 1
            if message.reply_to:
                self.error_reply(message, err.status, err.code, str(err), err.details)
            self.ack(entry_id)
            return
        except Exception as err:  # a bug in a handler: the caller learns only that it failed
            self.counts["errors"] += 1
            self.log(f"{eid}: handler {message.type!r} failed: {err!r}")
            if message.reply_to:
                self.error_reply(message, 500, "ERR_STREAMERSON_SERVICE", f'the handler of "{message.type}" failed')
                self.ack(entry_id)
            else:
                self.dead_letter(entry_id, fields, "ERR_STREAMERSON_SERVICE", repr(err), history)
            return

        self.counts["processed"] += 1
        if message.reply_to:
            self.success_reply(message, result)
        self.ack(entry_id)

    def success_reply(self, request: Message, result: Any) -> None:
        payload, content_type = (result.payload, result.content_type) if isinstance(result, Result) else (result, None)
        try:
            fields = encode_message(payload, id=request.id, type=request.type, headers=reply_headers(request, 200),
                                    content_type=content_type, source=self.source)
        except EncodeError as err:
            self.error_reply(request, 500, err.code, "the reply payload cannot be encoded")
            return
        self.reply(request, fields)

    def error_reply(self, request: Message, status: int, code: str, message: str, details: Any = None) -> None:
        """Section 4: status >= 400, header ``error`` = code, JSON payload ``{code, message, details?}``."""
        payload: Dict[str, Any] = {"code": code, "message": message}
        if details is not None:
            payload["details"] = details
        headers = reply_headers(request, status, code)
        try:
            fields = encode_message(payload, id=request.id, type=request.type, headers=headers, content_type="json", source=self.source)
        except EncodeError:
            fields = encode_message({"code": code, "message": message}, id=request.id, type=request.type,
                                    headers=headers, content_type="json", source=self.source)
        self.reply(request, fields)

    def reply(self, request: Message, fields: List[bytes]) -> None:
        # NOMKSTREAM: a requester that is gone has deleted its reply stream; a late
        # reply must not create it again.
        self.counts["replies"] += 1
        self.queue(request.reply_to, fields, True)

    def dead_letter(self, entry_id: bytes, fields: List[bytes], code: str, why: str, history: bool) -> None:
        """The original fields unchanged, then ``dlq.*`` metadata (the layout Streamerson services use)."""
        self.counts["deadLettered"] += 1
        eid = entry_id.decode("ascii")
        meta = [
            ("stream", self.topic), ("entryId", eid), ("errorCode", code), ("errorMessage", why),
            ("deliveries", str(self.deliveries(eid) if history else 1)),
            ("service", self.group), ("group", self.group), ("consumer", self.consumer), ("failedAt", str(now_ms())),
        ]
        extra = [part for name, value in meta for part in ((DEAD_LETTER_PREFIX + name).encode("utf-8"), value.encode("utf-8"))]
        self.queue(self.dead_letter_stream, list(fields) + extra, False)
        self.ack(entry_id)

    def deliveries(self, eid: str) -> int:
        try:
            pending = self.redis.execute_command("XPENDING", self.topic, self.group, eid, eid, 1)
            return int(pending[0][3]) if pending else 1
        except redis.RedisError:
            return 1

    def queue(self, stream: str, fields: List[bytes], nomkstream: bool) -> None:
        if self.first_pending_at is None:
            self.first_pending_at = time.monotonic()
        self.appends.append((stream, fields, nomkstream))

    def ack(self, entry_id: bytes) -> None:
        if self.first_pending_at is None:
            self.first_pending_at = time.monotonic()
        self.acks.append(entry_id)

    def drop_outbox(self) -> None:
        self.appends, self.acks, self.first_pending_at = [], [], None

    def flush(self) -> None:
        """Replies, dead letters and the XACK in one pipeline: one round trip.

        If the connection fails, nothing is acknowledged and the entries are read
        again; an append that Redis refuses (a reply stream that is not a stream)
        is logged, and its entry is acknowledged anyway, since retrying cannot help.
        """
        if not self.appends and not self.acks:
            return
        pipe = self.redis.pipeline(transaction=False)
        for stream, fields, nomkstream in self.appends:
            pipe.execute_command("XADD", stream, *(["NOMKSTREAM"] if nomkstream else []), "*", *fields)
        if self.acks:
            pipe.execute_command("XACK", self.topic, self.group, *self.acks)
        results = pipe.execute(raise_on_error=False)
        for (stream, _, _), result in zip(self.appends, results):
            if isinstance(result, Exception):
                self.log(f"append to {stream} failed: {result}")
        self.drop_outbox()


def parse_args(argv: List[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="A Streamerson v1 worker in Python")
    parser.add_argument("--url", required=True, help="redis://[:password@]host:port[/db]")
    parser.add_argument("--topic", required=True, help="the stream to serve")
    parser.add_argument("--group", default=DEFAULT_GROUP, help=f"consumer group (default {DEFAULT_GROUP})")
    parser.add_argument("--consumer", default=f"{socket.gethostname()}-{os.getpid()}",
                        help="member name in the group, stable across restarts (default <hostname>-<pid>)")
    parser.add_argument("--source", help="instance id written in the s field of replies (default the consumer name)")
    parser.add_argument("--block-ms", type=int, default=DEFAULT_BLOCK_MS,
                        help=f"XREADGROUP BLOCK; bounds how long SIGTERM takes (default {DEFAULT_BLOCK_MS})")
    parser.add_argument("--count", type=int, default=DEFAULT_COUNT, help=f"XREADGROUP COUNT (default {DEFAULT_COUNT})")
    args = parser.parse_args(argv)
    if args.block_ms < 1 or args.count < 1:
        parser.error("--block-ms and --count must be at least 1")
    return args


def main(argv: List[str]) -> int:
    args = parse_args(argv)
    client = redis.Redis.from_url(args.url)
    # Raw RESP replies: redis-py would turn entries into dicts, losing duplicate
    # names of foreign entries, and would misread XPENDING's extended form.
    for command in ("XREADGROUP", "XPENDING"):
        client.response_callbacks.pop(command, None)
    worker = Worker(client, args.topic, args.group, args.consumer, args.source or args.consumer,
                    args.block_ms, args.count, HANDLERS)

    def stop(signum, _frame):
        # The loop ends after the current read (at most --block-ms) and its flush.
        worker.stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        worker.run()
    except redis.ConnectionError as err:
        worker.log(f"cannot reach {args.url}: {err}")
        return 1
    finally:
        client.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

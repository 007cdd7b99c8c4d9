"""Streamerson wire protocol v1 in Python: decode and encode stream entries.

Written from docs/PROTOCOL.md. An entry is the fields ``v i t r h c s p`` in
this order, where every field but ``v`` and ``p`` may be left out when it holds
its default (empty; ``c`` = ``j``); every value is a byte string. ``decode_entry`` turns the flat field
list that XREAD/XREADGROUP return into a :class:`Message` or raises
:class:`ProtocolError` with the code of section 6; ``encode_message`` builds the
flat field list for XADD.

Standard library only, plus the optional ``msgpack`` module (Debian package
``python3-msgpack``) for the ``m`` content type.
"""

import base64
import codecs
import json
import re
from dataclasses import dataclass
from typing import Any, Dict, List, Optional

try:
    import msgpack
except ImportError:  # the m content type is then refused, not mistaken for bytes
    msgpack = None

PROTOCOL_VERSION = 1
FIELD_NAMES = (b"v", b"i", b"t", b"r", b"h", b"c", b"s", b"p")
_FIELD_INDEX = {name: n for n, name in enumerate(FIELD_NAMES)}
_PAYLOAD_INDEX = len(FIELD_NAMES) - 1
CONTENT_TYPES = {b"j": "json", b"t": "text", b"b": "binary", b"m": "msgpack"}
CONTENT_LETTERS = {name: letter for letter, name in CONTENT_TYPES.items()}

STATUS_HEADER = "status"
ERROR_HEADER = "error"
DEADLINE_HEADER = "deadline"
TRACEPARENT_HEADER = "traceparent"
TRACESTATE_HEADER = "tracestate"

BAD_ENTRY = "ERR_STREAMERSON_BAD_ENTRY"
UNSUPPORTED_VERSION = "ERR_STREAMERSON_UNSUPPORTED_VERSION"
BAD_PAYLOAD = "ERR_STREAMERSON_BAD_PAYLOAD"
INVALID_OPTION = "ERR_STREAMERSON_INVALID_OPTION"

HAVE_MSGPACK = msgpack is not None

_VERSION_NUMBER = re.compile(rb"^(?:0|[1-9][0-9]{0,8})$")


def _replace_surrogates(err):
    # A str holding a lone surrogate (json.loads("\"\\ud800\"") makes one) is
    # written as U+FFFD, as section 1 asks; Python's own "replace" would write "?".
    return "\ufffd", err.end


codecs.register_error("streamerson.fffd", _replace_surrogates)


def utf8(text: str) -> bytes:
    """UTF-8 bytes of a str, lone surrogates written as U+FFFD."""
    return text.encode("utf-8", "streamerson.fffd")


def _text(value: bytes) -> str:
    # Section 1: readers decode with replacement of invalid sequences.
    return value.decode("utf-8", "replace")


def _no_constants(name: str):
    # Python's json accepts NaN and Infinity; JSON (and JavaScript) does not.
    raise ValueError(f"{name} is not JSON")


def parse_json(data: bytes) -> Any:
    """Strict JSON: what JavaScript's JSON.parse accepts, nothing more."""
    return json.loads(_text(data), parse_constant=_no_constants)


def _js_numbers(value: Any) -> Any:
    """The value JavaScript would write: NaN/Infinity as null, -0 as 0, 2.0 as 2."""
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            return None
        if value.is_integer() and abs(value) < 2**53:
            return int(value)
        return value
    if isinstance(value, dict):
        return {k: _js_numbers(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_js_numbers(v) for v in value]
    return value


def dump_json(value: Any) -> bytes:
    """Compact JSON with raw UTF-8, as section 2 recommends (JavaScript's JSON.stringify)."""
    text = json.dumps(_js_numbers(value), separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    return utf8(text)


class ProtocolError(Exception):
    """An entry that is not a v1 message; ``code`` is one of the section 6 codes."""

    def __init__(self, code: str, why: str):
        super().__init__(why)
        self.code = code


class UnsupportedContentType(Exception):
    """A valid v1 entry whose payload this process cannot decode (msgpack without the module)."""

    def __init__(self, message: "Message"):
        super().__init__(f"cannot decode {message.content_type} payloads: the msgpack module is not installed")
        self.message = message


class EncodeError(Exception):
    """A message that cannot be written; ``code`` is BAD_PAYLOAD or INVALID_OPTION."""

    def __init__(self, code: str, why: str):
        super().__init__(why)
        self.code = code


@dataclass
class Message:
    """The decoded form of section 1."""

    id: str
    stream: str
    entry_id: str
    type: str
    reply_to: str
    headers: Dict[str, str]
    content_type: str
    source: str
    payload: Any = None
    version: int = PROTOCOL_VERSION

    def as_vector(self) -> Dict[str, Any]:
        """The shape of ``decoded`` in docs/protocol-vectors.v1.json (binary as ``{"base64": …}``)."""
        payload = self.payload
        if self.content_type == "binary":
            payload = {"base64": base64.b64encode(payload).decode("ascii")}
        return {
            "version": self.version,
            "id": self.id,
            "stream": self.stream,
            "entryId": self.entry_id,
            "type": self.type,
            "replyTo": self.reply_to,
            "headers": self.headers,
            "contentType": self.content_type,
            "source": self.source,
            "payload": payload,
        }


def _decode_headers(value: bytes) -> Optional[Dict[str, str]]:
    if value == b"":
        return {}
    try:
        headers = parse_json(value)
    except ValueError:
        return None
    if not isinstance(headers, dict) or not all(isinstance(v, str) for v in headers.values()):
        return None
    return headers


def decode_payload(value: bytes, content_type: str) -> Any:
    """Decodes ``p``; raises ValueError (or a msgpack error) when the bytes do not fit."""
    if content_type == "json":
        return parse_json(value)
    if content_type == "text":
        return _text(value)
    if content_type == "binary":
        return bytes(value)
    # Map keys that are not strings are kept (JavaScript readers turn them into strings).
    return msgpack.unpackb(value, raw=False, strict_map_key=False)


def decode_entry(stream: str, entry_id: str, fields: List[bytes]) -> Message:
    """Decodes one entry read from ``stream``; ``fields`` is the flat list
    ``[name0, value0, name1, value1, …]``. Raises ProtocolError for entries
    that are not v1 messages (section 6 checks, in order) and
    UnsupportedContentType for msgpack without the module."""
    if len(fields) % 2 or len(fields) < 2 or fields[0] != b"v":
        raise ProtocolError(BAD_ENTRY, 'not a Streamerson message (first field is not "v")')
    version = fields[1]
    if version != b"1":
        if _VERSION_NUMBER.match(version):
            raise ProtocolError(UNSUPPORTED_VERSION, f"protocol version {version.decode('ascii')} is not supported")
        raise ProtocolError(BAD_ENTRY, 'field "v" is not a decimal version')
    # Absent fields hold their defaults; pairs after "p" are ignored (section 6, rule 4).
    values = {b"i": b"", b"t": b"", b"r": b"", b"h": b"", b"c": b"j", b"s": b""}
    last = 0
    for k in range(2, len(fields), 2):
        n = _FIELD_INDEX.get(fields[k], -1)
        if n <= last:
            name = _text(fields[k])
            raise ProtocolError(BAD_ENTRY, f'unknown field "{name}" before "p"' if n < 0 else f'field "{name}" repeated or out of order')
        last = n
        values[fields[k]] = fields[k + 1]
        if n == _PAYLOAD_INDEX:
            break
    if last != _PAYLOAD_INDEX:
        raise ProtocolError(BAD_ENTRY, 'no field "p"')
    headers = _decode_headers(values[b"h"])
    if headers is None:
        raise ProtocolError(BAD_ENTRY, 'field "h" is neither empty nor a JSON object of strings')
    content_type = CONTENT_TYPES.get(values[b"c"])
    if content_type is None:
        raise ProtocolError(BAD_ENTRY, f"unknown content type {_text(values[b'c'])!r}")
    message_id = _text(values[b"i"])
    message = Message(
        id=message_id or entry_id,
        stream=stream,
        entry_id=entry_id,
        type=_text(values[b"t"]),
        reply_to=_text(values[b"r"]),
        headers=headers,
        content_type=content_type,
        source=_text(values[b"s"]),
    )
    if content_type == "msgpack" and not HAVE_MSGPACK:
        raise UnsupportedContentType(message)
    try:
        message.payload = decode_payload(values[b"p"], content_type)
    except Exception as err:  # json.JSONDecodeError, msgpack's ExtraData/FormatError/ValueError…
        raise ProtocolError(BAD_PAYLOAD, f"payload is not valid {content_type}: {err}") from err
    return message


def infer_content_type(payload: Any) -> str:
    """Section 2: ``binary`` for bytes, ``json`` for everything else."""
    return "binary" if isinstance(payload, (bytes, bytearray, memoryview)) else "json"


def encode_payload(payload: Any, content_type: str) -> bytes:
    if content_type == "json":
        try:
            return dump_json(payload)
        except (TypeError, ValueError) as err:
            raise EncodeError(BAD_PAYLOAD, f"cannot encode payload as json: {err}") from err
    if content_type == "text":
        if not isinstance(payload, str):
            raise EncodeError(BAD_PAYLOAD, f"cannot encode payload as text: expected a str, got {type(payload).__name__}")
        return utf8(payload)
    if content_type == "binary":
        if not isinstance(payload, (bytes, bytearray, memoryview)):
            raise EncodeError(BAD_PAYLOAD, f"cannot encode payload as binary: expected bytes, got {type(payload).__name__}")
        return bytes(payload)
    if content_type == "msgpack":
        if not HAVE_MSGPACK:
            raise EncodeError(BAD_PAYLOAD, "cannot encode payload as msgpack: the msgpack module is not installed")
        try:
            return msgpack.packb(payload, use_bin_type=True)
        except (TypeError, ValueError, OverflowError) as err:
            raise EncodeError(BAD_PAYLOAD, f"cannot encode payload as msgpack: {err}") from err
    raise EncodeError(INVALID_OPTION, f"content type: expected json, text, binary or msgpack, got {content_type!r}")


def encode_headers(headers: Optional[Dict[str, str]]) -> bytes:
    """The ``h`` field: empty for no headers (never ``{}``), else a JSON object of strings."""
    if not headers:
        return b""
    for name, value in headers.items():
        if not isinstance(value, str):
            raise EncodeError(INVALID_OPTION, f"headers.{name}: header values must be strings, got {type(value).__name__}")
    return dump_json(headers)


def encode_message(
    payload: Any = None,
    *,
    id: str = "",
    type: str = "",
    reply_to: str = "",
    headers: Optional[Dict[str, str]] = None,
    content_type: Optional[str] = None,
    source: str = "",
) -> List[bytes]:
    """The flat field list ``[b"v", b"1", …, b"p", payload]`` of a message, for
    XADD, leaving out every field that holds its default."""
    if reply_to and not id:
        raise EncodeError(INVALID_OPTION, "id: a request (a message with reply_to) needs a message id")
    if content_type is None:
        content_type = infer_content_type(payload)
    if content_type not in CONTENT_LETTERS:
        raise EncodeError(INVALID_OPTION, f"content type: expected json, text, binary or msgpack, got {content_type!r}")
    payload_bytes = encode_payload(payload, content_type)
    fields = [b"v", b"1"]
    for name, value, default in (
        (b"i", utf8(id), b""),
        (b"t", utf8(type), b""),
        (b"r", utf8(reply_to), b""),
        (b"h", encode_headers(headers), b""),
        (b"c", CONTENT_LETTERS[content_type], b"j"),
        (b"s", utf8(source), b""),
    ):
        if value != default:
            fields += [name, value]
    return fields + [b"p", payload_bytes]

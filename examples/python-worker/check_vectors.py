"""Checks streamerson_v1.py against docs/protocol-vectors.v1.json, in both directions.

Every valid vector must decode to its ``decoded`` form and (unless
``decodeOnly``) encode back to exactly the bytes of its entry; every invalid
vector must fail with its error code. Exits 0 when all pass, 1 otherwise.

    python3 check_vectors.py [path/to/protocol-vectors.v1.json]
"""

import base64
import json
import os
import sys

from streamerson_v1 import HAVE_MSGPACK, ProtocolError, decode_entry, encode_message

DEFAULT_VECTORS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "docs", "protocol-vectors.v1.json")


def canonical(value):
    """JSON text that tells 1, 1.0 and true apart, so equality is exact."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def field_bytes(spec):
    return spec["utf8"].encode("utf-8") if "utf8" in spec else base64.b64decode(spec["base64"])


def entry_fields(entry):
    fields = []
    for spec in entry["fields"]:
        fields += [spec["name"].encode("utf-8"), field_bytes(spec)]
    return fields


def check(vector):
    """Returns the failures of one vector (an empty list when it passes)."""
    entry = vector["entry"]
    fields = entry_fields(entry)
    if vector["kind"] == "invalid":
        try:
            decode_entry(vector["stream"], entry["id"], fields)
        except ProtocolError as err:
            return [] if err.code == vector["error"] else [f"failed with {err.code}, expected {vector['error']}"]
        return [f"decoded, expected {vector['error']}"]

    failures = []
    message = decode_entry(vector["stream"], entry["id"], fields)
    if canonical(message.as_vector()) != canonical(vector["decoded"]):
        failures.append(f"decoded to {canonical(message.as_vector())}")
    if vector.get("decodeOnly"):
        return failures

    decoded = vector["decoded"]
    payload = decoded["payload"]
    if decoded["contentType"] == "binary":
        payload = base64.b64decode(payload["base64"])
    encoded = encode_message(
        payload,
        id="" if decoded["id"] == entry["id"] else decoded["id"],
        type=decoded["type"],
        reply_to=decoded["replyTo"],
        headers=decoded["headers"],
        content_type=decoded["contentType"],
        source=decoded["source"],
    )
    if encoded != fields:
        for n in range(0, max(len(encoded), len(fields)), 2):
            got, want = encoded[n:n + 2], fields[n:n + 2]
            if got != want:
                failures.append(f"encoded field {n // 2 + 1} as {got!r}, expected {want!r}")
    return failures


def main(argv):
    path = argv[1] if len(argv) > 1 else DEFAULT_VECTORS
    with open(path, encoding="utf-8") as f:
        doc = json.load(f)
    if doc.get("version") != 1:
        print(f"{path}: not a v1 vector file", file=sys.stderr)
        return 1
    failed = 0
    encoded = 0
    for vector in doc["vectors"]:
        uses_msgpack = any(s["name"] == "c" and s.get("utf8") == "m" for s in vector["entry"]["fields"])
        if uses_msgpack and not HAVE_MSGPACK:
            failures = ["needs the msgpack module (Debian: apt-get install python3-msgpack)"]
        else:
            try:
                failures = check(vector)
            except Exception as err:  # an unexpected exception is a failure of this vector, not of the run
                failures = [f"raised {type(err).__name__}: {err}"]
        if failures:
            failed += 1
            for failure in failures:
                print(f"FAIL {vector['name']}: {failure}", file=sys.stderr)
        elif vector["kind"] != "invalid" and not vector.get("decodeOnly"):
            encoded += 1
    total = len(doc["vectors"])
    print(f"{total - failed}/{total} vectors pass ({encoded} also encode to the same bytes)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

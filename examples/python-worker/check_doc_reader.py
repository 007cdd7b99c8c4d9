"""Runs the Python reader printed in docs/PROTOCOL.md section 7 against every
protocol test vector (decoding only: the snippet has no writer; binary
payloads are not compared), so that the
page's example cannot drift from the format.

Usage: python3 check_doc_reader.py [path/to/PROTOCOL.md] [path/to/protocol-vectors.v1.json]
"""

import base64
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent


def main(argv):
    page = Path(argv[1]) if len(argv) > 1 else ROOT / "docs" / "PROTOCOL.md"
    vectors = Path(argv[2]) if len(argv) > 2 else ROOT / "docs" / "protocol-vectors.v1.json"
    snippet = re.search(r"```python\n(.*?)```", page.read_text(encoding="utf-8"), re.S).group(1)
    scope = {}
    exec(snippet, scope)  # the page's own code, as a reader would copy it
    decode_entry, protocol_error = scope["decode_entry"], scope["ProtocolError"]
    cases = json.loads(vectors.read_text(encoding="utf-8"))["vectors"]
    passed = 0
    for vector in cases:
        fields = []
        for spec in vector["entry"]["fields"]:
            value = base64.b64decode(spec["base64"]) if "base64" in spec else spec["utf8"].encode("utf-8")
            fields += [spec["name"].encode("utf-8"), value]
        try:
            message = decode_entry(vector["stream"], vector["entry"]["id"], fields)
        except protocol_error as err:
            if vector["kind"] == "invalid" and err.code == vector["error"]:
                passed += 1
            else:
                print(f"FAIL {vector['name']}: {err.code}")
            continue
        if vector["kind"] == "invalid":
            print(f"FAIL {vector['name']}: accepted")
            continue
        decoded = vector["decoded"]
        # Binary payloads are written as {"base64": …} in the vectors; the others as their value.
        expected = {k: v for k, v in decoded.items() if k != "payload" or decoded["contentType"] != "binary"}
        got = {k: message[k] for k in expected}
        if got != expected:
            print(f"FAIL {vector['name']}: {got}")
            continue
        passed += 1
    print(f"{passed}/{len(cases)} vectors pass the reader of PROTOCOL.md")
    return 0 if passed == len(cases) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))

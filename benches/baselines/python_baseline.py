"""Python baselines for `cargo xtask bench`, on the same bytes as the Rust benches.

    python3 python_baseline.py FIXTURE_DIR

Prints one JSON object: operation -> nanoseconds per operation.
"""
import base64
import hashlib
import json
import sys
import timeit
from pathlib import Path
from urllib.parse import parse_qsl


def per_op(fn, seconds=1.0):
    """Nanoseconds per call: repeat until `seconds` have passed, best of three runs."""
    n, elapsed = 1, 0.0
    while elapsed < seconds / 10:
        n *= 2
        elapsed = timeit.timeit(fn, number=n)
    reps = max(1, int(n * (seconds / 3) / elapsed))
    best = min(timeit.repeat(fn, number=reps, repeat=3))
    return best / reps * 1e9


def main():
    d = Path(sys.argv[1])
    utf8 = (d / "notification-utf8.form").read_bytes().decode("ascii")
    euckr = (d / "notification-euckr.form").read_bytes().decode("ascii")
    key = (d / "merchant-key.txt").read_text()
    edi, mid, amt = (d / "encrypt-data.txt").read_text().split()
    out = {
        "notification_decode/python_parse_qsl_utf8": per_op(lambda: parse_qsl(utf8, keep_blank_values=True, encoding="utf-8")),
        "notification_decode/python_parse_qsl_euckr": per_op(lambda: parse_qsl(euckr, keep_blank_values=True, encoding="euc-kr")),
        "encrypt_data/python_hashlib_base64": per_op(
            lambda: base64.b64encode(hashlib.sha256((edi + mid + amt + key).encode("utf-8")).digest()).decode("ascii")
        ),
    }
    print(json.dumps(out))


if __name__ == "__main__":
    main()

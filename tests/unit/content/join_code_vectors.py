#!/usr/bin/env python3
"""Known-answer vectors for join codes (DESIGN.md §4), computed independently of the C++ code.

Prints C++ initialisers for tests/unit/content/join_code_test.cpp. Uses only the standard
library (hmac, hashlib), so the vectors do not share a line of code with content/join_code.cpp.
Run: python3 tests/unit/content/join_code_vectors.py
"""

import hashlib
import hmac
import struct

ROUNDS = 8


def step_of(unix_time, period_s):
    # Python's // floors, as the formula does; be64 takes the two's complement of a negative step.
    return (unix_time // period_s) & 0xFFFFFFFFFFFFFFFF


def step_key(secret, n):
    return hmac.new(secret, b"dwell-join" + struct.pack(">Q", n), hashlib.sha256).digest()


def half_bits(digits):
    w = 0
    while 2**w < 10**digits:
        w += 1
    if w % 2:
        w += 1
    return w // 2


def round_value(key, r, x, mask):
    mac = hmac.new(key, struct.pack(">BI", r, x), hashlib.sha256).digest()
    return struct.unpack(">I", mac[:4])[0] & mask


def feistel(key, h, v):
    mask = (1 << h) - 1
    left, right = v >> h, v & mask
    for r in range(ROUNDS):
        left, right = right, left ^ round_value(key, r, right, mask)
    return (left << h) | right


def feistel_inverse(key, h, v):
    mask = (1 << h) - 1
    left, right = v >> h, v & mask
    for r in reversed(range(ROUNDS)):
        left, right = right ^ round_value(key, r, left, mask), left
    return (left << h) | right


def encode(key, digits, slot):
    h = half_bits(digits)
    v = feistel(key, h, slot)
    while v >= 10**digits:
        v = feistel(key, h, v)
    return v


def decode(key, digits, code):
    h = half_bits(digits)
    v = feistel_inverse(key, h, code)
    while v >= 10**digits:
        v = feistel_inverse(key, h, v)
    return v


SECRET_A = bytes(range(32))  # 000102...1f
SECRET_B = hashlib.sha256(b"dwell second test secret").digest()

CASES = [
    # (secret name, secret, digits, period_s, unix times, slots)
    ("secret_a", SECRET_A, 6, 60, [0, 59, 60, 1_700_000_000, 1_767_225_599, 4_102_444_800], [0, 1, 999_999, 123_456]),
    ("secret_a", SECRET_A, 4, 60, [0, 1_700_000_000], [0, 1, 9_999, 1_234]),
    ("secret_a", SECRET_A, 8, 30, [0, 1_700_000_000], [0, 1, 99_999_999, 12_345_678]),
    ("secret_a", SECRET_A, 6, 60, [-1, -61], [0, 123_456]),
    ("secret_a", SECRET_A, 12, 300, [1_700_000_000], [0, 999_999_999_999, 271_828_182_845]),
    ("secret_b", SECRET_B, 6, 60, [0, 1_700_000_000], [0, 1, 999_999, 123_456]),
    ("secret_b", SECRET_B, 6, 15, [1_700_000_000], [0, 42]),
]


def main():
    print("// secret B = " + SECRET_B.hex())
    print("// {secret, digits, period_s, unix_time, slot, code}")
    for name, secret, digits, period_s, times, slots in CASES:
        for t in times:
            key = step_key(secret, step_of(t, period_s))
            for slot in slots:
                code = encode(key, digits, slot)
                assert code < 10**digits and decode(key, digits, code) == slot
                print(f'{{{name}, {digits}, {period_s}, {t}, {slot}, "{code:0{digits}d}"}},')

    print("// step keys: {secret, step, K_n hex}")
    for name, secret, n in [("secret_a", SECRET_A, 0), ("secret_a", SECRET_A, 28_333_333),
                            ("secret_b", SECRET_B, 1), ("secret_a", SECRET_A, 2**64 - 1)]:
        print(f'{{{name}, {n}u, "{step_key(secret, n).hex()}"}},')

    print("// round function: {secret, step, digits, round, x, F}")
    for name, secret, n, digits, r, x in [("secret_a", SECRET_A, 0, 6, 0, 0), ("secret_a", SECRET_A, 0, 6, 7, 1023),
                                          ("secret_a", SECRET_A, 28_333_333, 4, 3, 100),
                                          ("secret_b", SECRET_B, 1, 12, 5, 1_000_000)]:
        h = half_bits(digits)
        print(f"{{{name}, {n}u, {digits}, {r}, {x}u, {round_value(step_key(secret, n), r, x, (1 << h) - 1)}u}},")


if __name__ == "__main__":
    main()

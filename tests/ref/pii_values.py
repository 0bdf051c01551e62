#!/usr/bin/python3
"""Generated payment card numbers and IBANs for tests/unit/test_pii.c,
checked by an independent implementation: python-stdnum (Debian
python3-stdnum), whose Luhn and IBAN validators and IBAN registry
(stdnum/iban.dat, from SWIFT's IBAN registry) are not mlci's code.

Writes tests/ref/pii_values.json:
  iban_valid        per registry country, 3 random IBANs with that country's
                    BBAN layout and correct check digits (stdnum.iban.is_valid
                    with check_country=False: the national check digits some
                    countries add inside the BBAN are not mlci's concern)
  iban_invalid      each valid one with one BBAN character changed, or one
                    character dropped (stdnum says invalid)
  card_valid        per issuer range and length mlci recognises (shared/pii.h),
                    random numbers with a correct Luhn digit; some written in
                    groups with spaces or dashes
  card_bad_luhn     the same with a wrong last digit (stdnum.luhn says invalid)
  card_unknown      Luhn-valid numbers of 13-19 digits whose prefix is no
                    issuer mlci knows (first digit 0, 1, 7, 8 or 9)
  integers_bad_luhn integers of 1-19 digits that fail the Luhn check
The seed is fixed, so the output is the same on every run. Run from the
repository root:  /usr/bin/python3 tests/ref/pii_values.py
"""
import json
import os
import random
import re

import stdnum
from stdnum import iban, luhn

HERE = os.path.dirname(os.path.abspath(__file__))
rng = random.Random(20240603)

DIGITS = "0123456789"
UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def bban(layout):
    out = []
    for n, kind in re.findall(r"(\d+)!([nac])", layout):
        alphabet = {"n": DIGITS, "a": UPPER, "c": DIGITS + UPPER}[kind]
        out.append("".join(rng.choice(alphabet) for _ in range(int(n))))
    return "".join(out)


def registry():
    path = os.path.join(os.path.dirname(stdnum.__file__), "iban.dat")
    for line in open(path):
        m = re.match(r'^([A-Z]{2}) .*bban="([^"]*)"', line)
        if m:
            yield m.group(1), m.group(2)


def ibans():
    valid, invalid = [], []
    for cc, layout in registry():
        for _ in range(3):
            b = bban(layout)
            number = cc + iban.calc_check_digits(cc + "00" + b) + b
            assert iban.is_valid(number, check_country=False), number
            valid.append(number)
            # one BBAN character changed
            i = rng.randrange(4, len(number))
            alphabet = DIGITS if number[i].isdigit() else UPPER
            c = rng.choice([x for x in alphabet if x != number[i]])
            bad = number[:i] + c + number[i + 1:]
            assert not iban.is_valid(bad, check_country=False), bad
            invalid.append(bad)
            # one character dropped
            j = rng.randrange(4, len(number))
            short = number[:j] + number[j + 1:]
            assert not iban.is_valid(short, check_country=False), short
            invalid.append(short)
    return valid, invalid


# (issuer, prefixes as (low, high) inclusive ranges of a fixed width, lengths)
ISSUERS = [
    ("visa", [(4, 4)], [13, 16, 19]),
    ("mastercard", [(51, 55), (2221, 2720)], [16]),
    ("amex", [(34, 34), (37, 37)], [15]),
    ("discover", [(6011, 6011), (644, 649), (65, 65)], [16, 19]),
    ("diners", [(300, 305), (36, 36), (38, 39)], [14, 16]),
    ("jcb", [(3528, 3589)], [16, 19]),
    ("unionpay", [(62, 62)], [16, 19]),
]


def with_check(body):
    return body + luhn.calc_check_digit(body)


def grouped(number):
    sep = rng.choice([" ", "-"])
    if len(number) == 15:
        parts = [number[:4], number[4:10], number[10:]]
    else:
        parts = [number[i:i + 4] for i in range(0, len(number), 4)]
    return sep.join(parts)


def cards():
    valid, bad = [], []
    for _, ranges, lengths in ISSUERS:
        for low, high in ranges:
            for n in lengths:
                for k in range(3):
                    p = str(rng.randint(low, high))
                    body = p + "".join(rng.choice(DIGITS)
                                       for _ in range(n - 1 - len(p)))
                    number = with_check(body)
                    assert luhn.is_valid(number)
                    wrong = number[:-1] + str((int(number[-1]) + rng.randint(1, 9)) % 10)
                    assert not luhn.is_valid(wrong)
                    if k == 2:
                        number, wrong = grouped(number), grouped(wrong)
                    valid.append(number)
                    bad.append(wrong)
    unknown = []
    for first in "01789":
        for n in (13, 16, 19):
            body = first + "".join(rng.choice(DIGITS) for _ in range(n - 2))
            number = with_check(body)
            assert luhn.is_valid(number)
            unknown.append(number)
    return valid, bad, unknown


def integers():
    out = []
    for n in range(1, 20):
        while True:
            s = str(rng.randint(1, 9)) + "".join(rng.choice(DIGITS) for _ in range(n - 1))
            if n > 1 and not luhn.is_valid(s):
                break
            if n == 1:
                break
        out.append(s)
    # a few well-known shapes: long ID-like numbers that fail Luhn
    for s in ("4111111111111112", "5500000000000005", "378282246310006"):
        assert not luhn.is_valid(s)
        out.append(s)
    return out


def main():
    iv, ii = ibans()
    cv, cb, cu = cards()
    out = {
        "generator": "tests/ref/pii_values.py with python-stdnum %s" % stdnum.__version__,
        "iban_valid": iv,
        "iban_invalid": ii,
        "card_valid": cv,
        "card_bad_luhn": cb,
        "card_unknown": cu,
        "integers_bad_luhn": integers(),
    }
    with open(os.path.join(HERE, "pii_values.json"), "w") as f:
        json.dump(out, f, indent=1, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()

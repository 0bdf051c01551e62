#!/usr/bin/python3
"""A CSV with personal data planted in known shares, and the shares an
independent implementation finds, for tests/steps/t-validate-pii.sh.

Writes tests/ref/pii_planted.csv (60 rows) and tests/ref/pii_planted.json:
for each column, the non-missing "values", the "matches" per type and their
"share", and whether the column is "flagged" (a share of at least 0.5, as
mlci's default threshold). The planted values and their checkers:

  email  45 generated addresses, 9 near misses, 6 missing; valid when
         Python's email.headerregistry parses the addr-spec, it has no
         blank, and its domain has a dot and a top-level label of at
         least two letters
  card   36 card numbers from tests/ref/pii_values.json ("card_valid", some
         written in groups), 12 with a wrong Luhn digit ("card_bad_luhn",
         ungrouped), 12 missing; valid when python-stdnum's luhn accepts the
         digits
  iban   30 IBANs ("iban_valid") and 20 broken ones ("iban_invalid"), 10
         missing; valid when stdnum.iban.is_valid (no national check)
  ip     20 addresses and 40 near misses; valid when Python's ipaddress
         reads it (so this column stays under the threshold: its values
         are not masked)
  city   a category column with no personal data
The seed is fixed, so the output is the same on every run. Run from the
repository root: /usr/bin/python3 tests/ref/pii_planted.py"""
import csv
import ipaddress
import json
import os
import random
import re
from email.headerregistry import Address

from stdnum import iban, luhn

HERE = os.path.dirname(os.path.abspath(__file__))
rng = random.Random(20240611)
vals = json.load(open(os.path.join(HERE, "pii_values.json")))
N = 60

FIRST = ["ann", "bob", "chen", "dara", "eli", "fay", "gus", "hana", "ivo", "jun"]
LAST = ["lee", "marsh", "okafor", "patel", "quist", "ruiz", "stone", "tran"]
DOMAINS = ["mail.example.org", "post.example.net", "corp.example.com", "example.io"]


def email_ok(s):
    try:
        a = Address(addr_spec=s)
    except Exception:
        return False
    return (" " not in s and "." in a.domain and
            re.fullmatch(r"[A-Za-z]{2,}", a.domain.rsplit(".", 1)[1]) is not None)


def ip_ok(s):
    try:
        ipaddress.ip_address(s)
        return True
    except ValueError:
        return False


def column(valid, invalid, missing):
    cells = valid + invalid + [""] * missing
    assert len(cells) == N
    rng.shuffle(cells)
    return cells


emails = sorted({"%s.%s%d@%s" % (rng.choice(FIRST), rng.choice(LAST), rng.randint(1, 99),
                                 rng.choice(DOMAINS)) for _ in range(80)})[:45]
bad_emails = ["not an email", "jane.doe@", "@example.com", "a@b", "x@@y.example",
              "first last@example.com", "user@localhost", "user@example.c",
              "user.@example.com"]
cards = rng.sample(vals["card_valid"], 36)
bad_cards = rng.sample([c for c in vals["card_bad_luhn"] if c.isdigit()], 12)
ibans = rng.sample(vals["iban_valid"], 30)
bad_ibans = rng.sample(vals["iban_invalid"], 20)
ips = ["10.%d.%d.%d" % (rng.randint(0, 255), rng.randint(0, 255), rng.randint(1, 254))
       for _ in range(15)] + ["2001:db8::%x" % rng.randint(1, 65535) for _ in range(5)]
bad_ips = ["10.0.0.%d" % rng.randint(256, 999) for _ in range(20)] + \
          ["1.2.%d" % rng.randint(0, 9) for _ in range(10)] + \
          ["host-%d" % rng.randint(1, 999) for _ in range(10)]

table = {
    "id": [str(i + 1) for i in range(N)],
    "email": column(emails, bad_emails, 6),
    "card": column(cards, bad_cards, 12),
    "iban": column(ibans, bad_ibans, 10),
    "ip": column(ips, bad_ips, 0),
    "city": [rng.choice(["north", "south", "east", "west"]) for _ in range(N)],
    "label": [rng.choice(["yes", "no"]) for _ in range(N)],
}
checks = {"email": ("email", email_ok),
          "card": ("card", lambda s: luhn.is_valid(re.sub(r"[ -]", "", s))),
          "iban": ("iban", lambda s: iban.is_valid(s, check_country=False)),
          "ip": ("ip", ip_ok)}

with open(os.path.join(HERE, "pii_planted.csv"), "w", newline="") as f:
    w = csv.writer(f, lineterminator="\n")
    w.writerow(list(table))
    for i in range(N):
        w.writerow([table[c][i] for c in table])

out = {"rows": N, "columns": {}}
for name, (t, ok) in checks.items():
    present = [v for v in table[name] if v != ""]
    m = sum(1 for v in present if ok(v))
    out["columns"][name] = {"values": len(present), "matches": {t: m},
                            "share": {t: m / len(present)},
                            "flagged": [t] if m / len(present) >= 0.5 else []}
out["flagged"] = [c for c in checks if out["columns"][c]["flagged"]]
with open(os.path.join(HERE, "pii_planted.json"), "w") as f:
    json.dump(out, f, indent=1, sort_keys=True)
    f.write("\n")

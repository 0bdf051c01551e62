#!/usr/bin/python3
"""Validate mlci artifacts against the JSON Schemas in shared/schemas/.

usage: check_schema.py ARTIFACT.json...
Each artifact is checked against the envelope schema and the schema of its
kind (shared/schemas/<kind without 'mlci.'>.schema.json); an mlci.schema,
a contract without run fields, and an mlci.baseline-note, against its
kind's schema alone. Prints one line
per problem and exits 1 if any artifact is invalid."""
import json, os, sys
from urllib.parse import urljoin
from jsonschema import Draft202012Validator
from jsonschema.validators import RefResolver

top = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sdir = os.path.join(top, "shared", "schemas")
store = {}
for name in os.listdir(sdir):
    if name.endswith(".schema.json"):
        with open(os.path.join(sdir, name)) as f:
            s = json.load(f)
        store[s["$id"]] = s
        # a $ref into another schema's document ("data-report.schema.json#/...")
        # makes RefResolver join that document's relative $id onto itself for
        # the refs inside it: register that spelling too
        store[urljoin(s["$id"], s["$id"])] = s

bad = 0
for path in sys.argv[1:]:
    with open(path) as f:
        art = json.load(f)
    kind = art.get("kind", "")
    sid = "mlci/%s.schema.json" % kind.removeprefix("mlci.")
    # a schema is a contract to commit, not a run record: it carries no
    # envelope run fields (created, inputs, git), only its kind's schema
    # nor is a baseline note, the record of another artifact
    ids = (sid,) if kind in ("mlci.schema", "mlci.baseline-note") else ("mlci/envelope.schema.json", sid)
    for schema_id in ids:
        if schema_id not in store:
            print("%s: no schema %s" % (path, schema_id)); bad = 1; continue
        v = Draft202012Validator(store[schema_id],
                                 resolver=RefResolver("", store[schema_id], store=store))
        for e in sorted(v.iter_errors(art), key=lambda e: list(e.path)):
            print("%s: %s: %s" % (path, "/".join(map(str, e.path)) or "(root)", e.message))
            bad = 1
sys.exit(bad)

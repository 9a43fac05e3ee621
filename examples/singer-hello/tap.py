#!/usr/bin/env python3
"""singer-hello: a Singer tap, standard library only, that greets.

    python3 tap.py --config CONFIG --discover
    python3 tap.py --config CONFIG [--catalog CATALOG] [--state STATE]

One stream, `greetings`, keyed by `id` and replicated INCREMENTAL by `id`: each sync emits
`count` greetings after the bookmark in its state, a STATE after every `every`, and a last
STATE when done. Run it as a Flow capture with `flowkit shim singer -- python3 tap.py`
(see flow.yaml).
"""
import argparse
import json
import sys

SCHEMA = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "message": {"type": "string"},
        "price": {"type": ["number", "null"]},
    },
}

CATALOG = {
    "streams": [
        {
            "tap_stream_id": "greetings",
            "stream": "greetings",
            "schema": SCHEMA,
            "key_properties": ["id"],
            "metadata": [
                {"breadcrumb": [], "metadata": {"inclusion": "available", "valid-replication-keys": ["id"]}},
                {"breadcrumb": ["properties", "id"], "metadata": {"inclusion": "automatic"}},
                {"breadcrumb": ["properties", "message"], "metadata": {"inclusion": "available"}},
                {"breadcrumb": ["properties", "price"], "metadata": {"inclusion": "available"}},
            ],
        }
    ]
}


def emit(message):
    sys.stdout.write(json.dumps(message) + "\n")


def load(path, default=None):
    if path is None:
        return default
    with open(path) as f:
        return json.load(f)


def selected(catalog):
    for entry in catalog["streams"]:
        for item in entry.get("metadata", []):
            if item["breadcrumb"] == [] and item["metadata"].get("selected"):
                yield entry


def sync(config, catalog, state):
    greeting, count, every = config.get("greeting", "hello"), config.get("count", 5), config.get("every", 2)
    for entry in selected(catalog):
        emit({"type": "SCHEMA", "stream": entry["stream"], "schema": SCHEMA, "key_properties": ["id"]})
        bookmarks = state.setdefault("bookmarks", {})
        start = bookmarks.get(entry["tap_stream_id"], {}).get("replication_key_value", 0)
        for i in range(start + 1, start + count + 1):
            emit({"type": "RECORD", "stream": entry["stream"], "record": {"id": i, "message": "%s #%d" % (greeting, i), "price": i * 0.25}})
            bookmarks[entry["tap_stream_id"]] = {"replication_key": "id", "replication_key_value": i}
            if i % every == 0:
                emit({"type": "STATE", "value": state})
    emit({"type": "STATE", "value": state})


def main():
    parser = argparse.ArgumentParser(prog="tap-singer-hello")
    parser.add_argument("--config", required=True)
    parser.add_argument("--discover", action="store_true")
    parser.add_argument("--catalog")
    parser.add_argument("--state")
    args = parser.parse_args()
    config = load(args.config)
    if args.discover:
        json.dump(CATALOG, sys.stdout, indent=2)
        return 0
    sys.stderr.write("INFO syncing greetings\n")
    sync(config, load(args.catalog, CATALOG), load(args.state, {}))
    return 0


if __name__ == "__main__":
    sys.exit(main())

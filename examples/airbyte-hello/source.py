#!/usr/bin/env python3
"""A small Airbyte source: one stream of greetings, read incrementally by id, with per-stream
STATE messages. It stands for any existing Airbyte source image or package: flowkit runs it
unchanged through `flowkit shim airbyte -- python3 source.py`."""
import json
import sys


def emit(message):
    print(json.dumps(message), flush=False)


def arg(name):
    return sys.argv[sys.argv.index(name) + 1] if name in sys.argv else None


def load(name):
    path = arg(name)
    return json.load(open(path)) if path else None


SPEC = {
    "documentationUrl": "https://example.com/airbyte-hello",
    "connectionSpecification": {
        "type": "object",
        "properties": {
            "greeting": {"type": "string", "default": "hello"},
            "per_run": {"type": "integer", "default": 10, "minimum": 1},
            "token": {"type": "string", "airbyte_secret": True},
        },
    },
}
STREAM = {
    "name": "greetings",
    "json_schema": {"type": "object", "properties": {"id": {"type": "integer"}, "text": {"type": "string"}}},
    "supported_sync_modes": ["full_refresh", "incremental"],
    "source_defined_cursor": True,
    "default_cursor_field": ["id"],
    "source_defined_primary_key": [["id"]],
}


def read(config, state):
    cursor = 0
    for message in state or []:
        if message.get("type") == "STREAM" and message["stream"]["stream_descriptor"]["name"] == "greetings":
            cursor = message["stream"]["stream_state"]["id"]
    emit({"type": "LOG", "log": {"level": "INFO", "message": "reading greetings after id %d" % cursor}})
    for i in range(cursor + 1, cursor + config.get("per_run", 10) + 1):
        emit({"type": "RECORD", "record": {"stream": "greetings", "data": {"id": i, "text": "%s #%d" % (config.get("greeting", "hello"), i)}, "emitted_at": 0}})
        if i % 5 == 0:
            emit({"type": "STATE", "state": {"type": "STREAM", "stream": {"stream_descriptor": {"name": "greetings"}, "stream_state": {"id": i}}}})


command = sys.argv[1]
if command == "spec":
    emit({"type": "SPEC", "spec": SPEC})
elif command == "check":
    emit({"type": "CONNECTION_STATUS", "connectionStatus": {"status": "SUCCEEDED"}})
elif command == "discover":
    emit({"type": "CATALOG", "catalog": {"streams": [STREAM]}})
elif command == "read":
    read(load("--config"), load("--state"))

#!/usr/bin/env python3
"""Validates JSON lines against a JSON Schema: prints "ok" or "bad <reason>" for each line of
LINES_FILE that is not blank or a comment (the verdict word at its start is skipped)."""
import json
import sys

import jsonschema


def main() -> int:
    schema_path, lines_path = sys.argv[1], sys.argv[2]
    with open(schema_path, encoding="utf-8") as f:
        schema = json.load(f)
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    with open(lines_path, encoding="utf-8") as f:
        for raw in f:
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            text = line.split(" ", 1)[1]
            errors = list(validator.iter_errors(json.loads(text)))
            print("ok" if not errors else "bad " + errors[0].message.replace("\n", " "))
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Prints the OpenAPI document without what core/openapi/pending.json lists: the operations,
parameters, headers, responses and error codes the document states ahead of this branch's code
(built on other branches). scripts/test-openapi.sh gives Schemathesis this copy unless
TENANTRY_OPENAPI_PENDING=1, since the servers here do not answer those yet: a `dry_run=maybe`
they ignore would read as negative data accepted.
    openapi-without-pending.py DOCUMENT PENDING > OUT
"""
import json
import sys


def main(document_path, pending_path):
    with open(document_path, encoding="utf-8") as f:
        doc = json.load(f)
    with open(pending_path, encoding="utf-8") as f:
        pending = json.load(f)
    for method, path in pending["operations"]:
        del doc["paths"][path][method]
        if set(doc["paths"][path]) <= {"parameters"}:
            del doc["paths"][path]
    dropped = {
        f"#/components/{kind}/{name}"
        for kind in ("parameters", "headers", "responses")
        for name in pending[kind]
    }
    codes = set(pending["codes"])
    for item in doc["paths"].values():
        for method, operation in item.items():
            if method == "parameters":
                continue
            params = [p for p in operation.get("parameters", []) if p.get("$ref") not in dropped]
            if params:
                operation["parameters"] = params
            else:
                operation.pop("parameters", None)
            responses = operation["responses"]
            for status in list(responses):
                response = responses[status]
                if response.get("$ref") in dropped:
                    del responses[status]
                    continue
                headers = response.get("headers", {})
                for name in [n for n, h in headers.items() if h.get("$ref") in dropped]:
                    del headers[name]
                schema = response.get("content", {}).get("application/json", {}).get("schema", {})
                for part in schema.get("allOf", []):
                    code = part.get("properties", {}).get("code", {})
                    if "enum" in code:
                        code["enum"] = [c for c in code["enum"] if c not in codes]
                        if not code["enum"]:
                            del responses[status]
    for kind in ("parameters", "headers", "responses"):
        for name in pending[kind]:
            del doc["components"][kind][name]
    json.dump(doc, sys.stdout, indent=2)


if __name__ == "__main__":
    main(*sys.argv[1:])

"""Schemathesis hooks for scripts/test-openapi.sh (loaded through SCHEMATHESIS_HOOKS).

The run authenticates with one platform key, `TENANTRY_OPENAPI_KEY`. Schemathesis reuses ids it
saw in earlier answers, and `GET /v1/api-keys` lists that key too; a `DELETE` of it would revoke
the run's own credential, and every later request would be 401, testing nothing. So that one
request is sent for the nil UUID instead (answered 404 like any unknown key). Revoking a key, the
key in use included, is covered by the conformance suite (tests/), and Schemathesis still revokes
every key it issues itself.
"""
import os
import uuid

import schemathesis

_SECRET = os.environ["TENANTRY_OPENAPI_KEY"]
# `tnty_<id as 32 hex digits>_<secret>`.
OWN_KEY_ID = str(uuid.UUID(hex=_SECRET.split("_")[1]))


@schemathesis.hook
def before_call(context, case, kwargs):
    key_id = str((case.path_parameters or {}).get("id", "")).lower()
    if case.method.upper() == "DELETE" and case.path == "/v1/api-keys/{id}" and key_id == OWN_KEY_ID:
        case.path_parameters["id"] = str(uuid.UUID(int=0))

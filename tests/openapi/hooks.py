"""Schemathesis hooks for scripts/test-openapi.sh (loaded through SCHEMATHESIS_HOOKS).

The run authenticates with one platform key, `TENANTRY_OPENAPI_KEY`. Schemathesis reuses ids it
saw in earlier answers, and `GET /v1/api-keys` lists that key too; a `DELETE` of it would revoke
the run's own credential, and every later request would be 401, testing nothing. So no case of
`DELETE /v1/api-keys/{id}` is drawn for that one id (the script checks afterwards that the key
still works). Revoking a key, the key in use included, is covered by the conformance suite
(tests/), and Schemathesis still revokes every key it issues itself.
"""
import os
import uuid

import schemathesis

_SECRET = os.environ["TENANTRY_OPENAPI_KEY"]
# `tnty_<id as 32 hex digits>_<secret>`.
OWN_KEY_ID = str(uuid.UUID(hex=_SECRET.split("_")[1]))


@schemathesis.hook
def filter_path_parameters(context, path_parameters):
    operation = context.operation
    if operation is None or operation.method.upper() != "DELETE" or operation.path != "/v1/api-keys/{id}":
        return True
    return str((path_parameters or {}).get("id", "")).lower() != OWN_KEY_ID

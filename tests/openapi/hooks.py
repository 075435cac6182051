"""Schemathesis hooks for scripts/test-openapi.sh (loaded through SCHEMATHESIS_HOOKS).

The run authenticates with one platform key, `TENANTRY_OPENAPI_KEY`. Schemathesis reuses ids it
saw in earlier answers, and `GET /v1/api-keys` lists that key too; a `DELETE` of it would revoke
the run's own credential, and every later request would be 401, testing nothing. So no case of
`DELETE /v1/api-keys/{id}` is drawn for that one id, and since the coverage phase builds some
cases without that filter (it took the id from a list and revoked the key), a case that would
still send it is pointed at a key that does not exist (404) just before it is sent. The script
checks afterwards that the key still works. Revoking a key, the key in use included, is covered by the conformance suite
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


# A UUID no key has: a revocation of it answers 404, as the document says.
_NO_SUCH_KEY = "00000000-0000-4000-8000-000000000000"


@schemathesis.hook
def before_call(context, case, kwargs):
    operation = context.operation
    if operation is None or operation.method.upper() != "DELETE" or operation.path != "/v1/api-keys/{id}":
        return
    parameters = case.path_parameters or {}
    if str(parameters.get("id", "")).lower() == OWN_KEY_ID:
        parameters["id"] = _NO_SUCH_KEY

"""Schemathesis hooks for scripts/test-openapi.sh (loaded through SCHEMATHESIS_HOOKS).

The run authenticates with one platform key, `TENANTRY_OPENAPI_KEY`. Schemathesis reuses ids it
saw in earlier answers, and `GET /v1/api-keys` lists that key too; a `DELETE` of it would revoke
the run's own credential, and every later request would be 401, testing nothing. So no case of
`DELETE /v1/api-keys/{id}` is drawn for that one id, and since the coverage phase builds some
cases without that filter (it took the id from a list and revoked the key), a case that would
still send it is pointed at a key that does not exist (404) just before it is sent. The script
checks afterwards that the key still works.

The stateful phase follows the document's links from one answer to the next request: a created
tenant is read, a deleted one must be gone. A dry run (`?dry_run=true`) answers what the real call
would, and writes nothing, by design; followed by a link, its would-be tenant is "not found" and
a dry-run delete leaves the tenant "still available". An `Idempotency-Key` drawn again in another
scenario replays the first create's answer, whose tenant that scenario may have deleted since.
So in that phase alone a drawn `dry_run` and `Idempotency-Key` are taken off the request, which
is then the one real create or change the links assume. The other phases send both as drawn, and
the conformance suite (tests/) checks dry runs and replays, on every way in. Revoking a key, the key in use included, is covered by the conformance suite
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
    phase = case.meta.phase.name.value if case.meta is not None else None
    if phase == "stateful":
        if case.query:
            case.query.pop("dry_run", None)
        if case.headers:
            for name in [n for n in case.headers if n.lower() == "idempotency-key"]:
                del case.headers[name]
    operation = context.operation
    if operation is None or operation.method.upper() != "DELETE" or operation.path != "/v1/api-keys/{id}":
        return
    parameters = case.path_parameters or {}
    if str(parameters.get("id", "")).lower() == OWN_KEY_ID:
        parameters["id"] = _NO_SUCH_KEY

// The new-tenant view: every keystroke asks the WASM build of tenantry-core (the same validation
// and Cedar policies the API runs) what POST /v1/tenants would answer, and, a moment after the
// typing stops, the server itself with a dry run (`?dry_run=true`: every check, nothing written),
// which alone knows whether the slug is free; "Create tenant" asks the API for real. No rule is
// written here: this file only reads the form and shows answers.
import { requestFields, validateDraft, previewDecision } from "./pkg/tenantry_core.js";
import { $, api, el, errorView, focusFirstError, list, session, unreachable } from "./ui.js";

const form = $("tenant-form");
// The request's fields come from core (`requestFields()`); until the WASM has loaded, or if it
// cannot, the form's own inputs that show field messages stand in, so Create still works.
let FIELDS = [...form.querySelectorAll("input")].map((input) => input.id).filter((id) => $(`${id}-msg`));
let REQUIRED = new Set(FIELDS.filter((id) => $(id).required));
// Messages show for fields the user has left or typed in, or for all after a Create: nobody
// wants a form full of "is required" before typing a letter.
const touched = new Set();
let previewReady = false;
/** How long typing must pause before the server is asked, so a word is one request, not five. */
const DRY_RUN_DELAY_MS = 300;
let dryRunTimer = null;
/** Numbers the dry runs, so that a late answer to an older draft never overwrites a newer one. */
let dryRunsSent = 0;

/** The body exactly as Create will send it: required fields as typed, empty optional ones left out. */
function draft() {
  const body = {};
  for (const field of FIELDS) {
    const value = $(field).value;
    if (REQUIRED.has(field) || value !== "") body[field] = value;
  }
  return body;
}

function caller() {
  return {
    tenant_is_master: $("caller_master").checked,
    scopes: $("caller_scopes").value.split(/[\s,]+/).filter(Boolean),
  };
}

function showFieldMessages(fields) {
  for (const field of FIELDS) {
    const message = touched.has(field) ? fields[field] : undefined;
    const input = $(field);
    $(`${field}-msg`).textContent = message ? `${labelOf(field)} ${message}` : "";
    input.setAttribute("aria-invalid", message ? "true" : "false");
  }
  // Problems of the body as a whole (not a field of the form) would show in the verdict.
}

function labelOf(field) {
  return $(field).labels[0].firstChild.textContent.trim();
}

/** Asks the server, a moment after the last change, what creating this draft would answer. */
function scheduleDryRun() {
  clearTimeout(dryRunTimer);
  if (!session.apiKey) {
    showServerVerdict("muted", "Sign in to ask the server.");
    return;
  }
  dryRunTimer = setTimeout(dryRun, DRY_RUN_DELAY_MS);
}

async function dryRun() {
  const sent = ++dryRunsSent;
  showServerVerdict("muted", "Asking the server…");
  let answer;
  try {
    answer = await api("POST", "/v1/tenants?dry_run=true", { body: draft() });
  } catch (error) {
    if (sent === dryRunsSent) showServerVerdict("bad", `Could not reach the API: ${error.message ?? error}`);
    return;
  }
  if (sent !== dryRunsSent) return;
  const { response, body } = answer;
  if (response.ok) {
    showServerVerdict("good", `${response.status} Created: the slug `, el("code", {}, body.slug), " is free and the policies allow it");
  } else {
    showServerVerdict("bad", `${response.status} ${body?.code ?? "error"}: ${body?.message ?? ""}`);
  }
}

function showServerVerdict(kind, ...parts) {
  const verdict = $("server-verdict");
  verdict.className = `verdict ${kind}`;
  verdict.replaceChildren(...parts);
}

function update() {
  scheduleDryRun();
  if (!previewReady) return;
  let preview, decision;
  try {
    preview = validateDraft(draft());
    decision = previewDecision(draft(), caller());
  } catch (error) {
    $("verdict").textContent = `The preview failed: ${error.message ?? error}`;
    return;
  }
  showFieldMessages(preview.fields);

  const slug = $("preview-slug");
  slug.replaceChildren();
  if (preview.slug) {
    slug.append(el("code", {}, preview.slug), preview.slug_derived ? " (derived from the name)" : " (as given)");
    if (preview.slug_reserved) {
      slug.append(el("span", { className: "warn" },
        preview.slug_derived ? " reserved: a free variant will be chosen" : " reserved: the API will answer 409"));
    }
  } else {
    slug.textContent = "—";
  }
  $("preview-values").textContent = preview.values ? JSON.stringify(preview.values, null, 2) : "— (fix the fields first)";

  const problems = Object.keys(preview.fields).length;
  const verdict = $("verdict");
  verdict.className = "verdict";
  if (!preview.valid) {
    verdict.classList.add("bad");
    verdict.textContent = `400 ${preview.error.code}: ${problems} ${problems === 1 ? "field needs" : "fields need"} attention (${Object.keys(preview.fields).join(", ")})`;
  } else if (!decision.allowed) {
    verdict.classList.add("bad");
    verdict.textContent = `403 forbidden: the policies deny this key`;
  } else {
    verdict.classList.add("good");
    verdict.textContent = "201 Created, unless the slug is already taken (only the server knows)";
  }

  const box = $("decision");
  box.replaceChildren();
  if (!decision.evaluated) {
    box.append(el("p", { className: "muted" }, "Policy decision: not reached yet. The API checks the fields before the policies."));
  } else {
    box.append(el("p", { className: decision.allowed ? "allow" : "deny" },
      `Policy decision: ${decision.allowed ? "allow" : "deny"}`));
    if (decision.policies.length) box.append(el("p", { className: "small" }, "Determining policies: ", ...decision.policies.map((id) => el("code", {}, id, " "))));
    if (decision.notices.length) box.append(list(decision.notices, "notices"));
  }
}

async function create(event) {
  event.preventDefault();
  FIELDS.forEach((field) => touched.add(field));
  update();
  focusFirstError(form);
  const result = $("result");
  const button = $("create");
  button.disabled = true;
  result.replaceChildren(el("p", { className: "muted", role: "status" }, "Sending…"));
  try {
    const { response, body } = await api("POST", "/v1/tenants", { body: draft() });
    result.replaceChildren(...(response.ok ? created(response, body) : failed(response, body)));
    // What a second Create would answer has changed (the slug is taken now).
    scheduleDryRun();
  } catch (error) {
    result.replaceChildren(unreachable(error));
  } finally {
    button.disabled = false;
    $("result-title").focus();
  }
}

function created(response, tenant) {
  const rows = ["id", "name", "slug", "locale", "owner_email", "owner_user_id", "sso_start_url", "sso_region", "created_at"]
    .flatMap((key) => [el("dt", {}, key), el("dd", {}, el("code", {}, String(tenant[key])))]);
  return [
    el("p", { className: "allow", id: "result-status" }, `${response.status} Created: tenant `, el("code", {}, tenant.slug)),
    el("dl", { className: "values" }, ...rows),
    el("p", {}, el("a", { href: `#/tenants/${tenant.id}` }, "Open its page")),
  ];
}

/** The API's error, and for a taken slug the free ones it suggests, one click away. */
function failed(response, body) {
  const suggestions = body?.details?.suggestions ?? [];
  const extra = suggestions.length ? [
    el("p", { className: "small" }, "Free slugs you could use instead:"),
    el("ul", { className: "suggestions" }, ...suggestions.map((slug) => el("li", {},
      el("button", { type: "button", className: "link", onclick: () => useSlug(slug) }, slug)))),
  ] : [];
  const view = errorView(response, body, extra);
  view.firstChild.id = "result-status";
  return [view];
}

function useSlug(slug) {
  $("slug").value = slug;
  touched.add("slug");
  update();
  $("slug").focus();
}

function listen() {
  for (const field of FIELDS) {
    $(field).addEventListener("input", () => { touched.add(field); update(); });
    $(field).addEventListener("blur", () => { touched.add(field); update(); });
  }
}
$("caller_master").addEventListener("change", update);
$("caller_scopes").addEventListener("input", update);
form.addEventListener("submit", create);

/** Wires the view once core's WASM has loaded (`ready`) or failed to (create still works). */
export function setupCreate(ready) {
  if (ready) {
    const fields = requestFields();
    const missing = fields.filter((field) => !$(field.name));
    if (missing.length) throw new Error(`the form has no input for ${missing.map((f) => f.name).join(", ")}`);
    FIELDS = fields.map((field) => field.name);
    REQUIRED = new Set(fields.filter((field) => field.required).map((field) => field.name));
  }
  listen();
  previewReady = ready;
}

/** Describes the signed-in key in the policy preview, as sign-in found it. */
export function describeCaller() {
  $("caller_master").checked = session.caller?.tenant_is_master ?? false;
  $("caller_scopes").value = (session.caller?.scopes ?? []).join(" ");
  update();
}

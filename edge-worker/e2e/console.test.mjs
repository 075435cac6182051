// The operator console in headless Chromium (Debian's, through playwright-core) against a running
// server: the worker in workerd, or `tenantry serve`. Sign-in, paging and search, the new-tenant
// form's live WASM preview, an edit with a stale If-Match, keys issued, used and revoked, a
// delete, and axe-core's accessibility check on every view.
//   TENANTRY_URL=http://127.0.0.1:8799 TENANTRY_KEY_JSON='{"tenant_id":…,"api_key":…}' node --test e2e/
// scripts/test-browser.sh starts the servers, bootstraps the keys and runs this.
// TENANTRY_SCREENSHOTS=dir also saves screenshots of the main views there.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { chromium } from "playwright-core";

const base = process.env.TENANTRY_URL;
const key = JSON.parse(process.env.TENANTRY_KEY_JSON ?? "null");
const shots = process.env.TENANTRY_SCREENSHOTS;
const WAIT_MS = 10_000;
/** More tenants than the console's page of 20, with the platform tenant and the ones created here. */
const SEEDED = 22;
const run = Date.now().toString(36);

let browser;
let page;

async function apiCall(method, path, body, headers = {}) {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { "X-API-Key": key.api_key, "X-Tenant-ID": key.tenant_id, "Content-Type": "application/json", ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { response, body: response.status === 204 ? null : await response.json() };
}

async function signIn(apiKey, tenantId) {
  await page.getByLabel("API key", { exact: true }).fill(apiKey);
  await page.getByLabel("Tenant id", { exact: true }).fill(tenantId);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.locator("#who").getByText("Signed in").waitFor();
}

async function signOut() {
  await page.getByRole("button", { name: "Sign out" }).click();
  await page.locator("#signin-view").waitFor();
}

async function screenshot(name) {
  if (shots) await page.screenshot({ path: `${shots}/console-${name}.png`, fullPage: true });
}

/** axe-core on the view shown now: no serious or critical violation. */
async function accessible(view) {
  const violations = await page.evaluate(async () => {
    const { violations } = await window.axe.run(document, { resultTypes: ["violations"] });
    return violations.filter((v) => v.impact === "serious" || v.impact === "critical")
      .map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
  });
  assert.deepEqual(violations, [], `axe found serious violations on ${view}`);
}

before(async () => {
  assert.ok(base, "set TENANTRY_URL to the running server");
  assert.ok(key?.api_key && key?.tenant_id, "set TENANTRY_KEY_JSON to the output of `tenantry init`");
  await Promise.all(Array.from({ length: SEEDED }, (_, i) => apiCall("POST", "/v1/tenants", {
    name: `Seed ${run} ${String(i).padStart(2, "0")}`,
    slug: `seed-${run}-${String(i).padStart(2, "0")}`,
    owner_email: `owner${i}@seed.test`,
    owner_name: "Seed Owner",
  }).then(({ response }) => assert.equal(response.status, 201))));
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    timeout: WAIT_MS,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  page.setDefaultTimeout(WAIT_MS);
  const problems = [];
  page.on("pageerror", (error) => problems.push(error.message));
  await page.goto(`${base}/`);
  await page.waitForSelector("body[data-preview]");
  assert.equal(await page.getAttribute("body", "data-preview"), "ready",
    `the WASM preview did not load: ${await page.textContent("#engine")} ${problems.join("; ")}`);
  await page.addScriptTag({ content: await readFile(new URL("../node_modules/axe-core/axe.min.js", import.meta.url), "utf8") });
});

after(async () => {
  await browser?.close();
});

test("a wrong key is refused with the API's 401 and advice", async () => {
  await accessible("sign-in");
  await screenshot("sign-in");
  await page.getByLabel("API key", { exact: true }).fill("tnty_nope");
  await page.getByLabel("Tenant id", { exact: true }).fill(key.tenant_id);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.locator("#signin-result").getByText("401").waitFor();
  assert.match(await page.textContent("#signin-result"), /unauthenticated[\s\S]*sign in with a valid key/);
});

test("signing in keeps the key in memory only, and pages through the tenants", async () => {
  await signIn(key.api_key, key.tenant_id);
  await page.locator("#tenants-status").getByText("Page 1").waitFor();
  const stored = await page.evaluate(() => [localStorage.length, sessionStorage.length, document.cookie]);
  assert.deepEqual(stored, [0, 0, ""]);
  assert.ok(!page.url().includes(key.api_key));
  const first = await page.locator("#tenants-body th").allTextContents();
  assert.equal(first.length, 20);
  await accessible("tenants");
  await screenshot("tenants");

  await page.getByRole("button", { name: "Next page" }).click();
  await page.locator("#tenants-status").getByText("Page 2").waitFor();
  const second = await page.locator("#tenants-body th").allTextContents();
  assert.ok(second.length > 0);
  assert.ok(second.every((name) => !first.includes(name)), "a tenant shown on two pages");
  await page.getByRole("button", { name: "Previous page" }).click();
  await page.locator("#tenants-status").getByText("Page 1").waitFor();
  assert.deepEqual(await page.locator("#tenants-body th").allTextContents(), first);
});

test("the slug search finds one tenant, and says so when none matches", async () => {
  await page.getByLabel("Find by slug").fill(`SEED-${run}-07`);
  await page.getByRole("button", { name: "Search" }).click();
  await page.locator("#tenants-status").getByText("Page 1: 1 shown").waitFor();
  assert.deepEqual(await page.locator("#tenants-body th").allTextContents(), [`Seed ${run} 07`]);
  await page.getByLabel("Find by slug").fill("no-such-tenant");
  await page.getByRole("button", { name: "Search" }).click();
  await page.locator("#tenants-status").getByText("No tenant matches.").waitFor();
  await page.getByRole("button", { name: "Show all" }).click();
  await page.locator("#tenants-status").getByText("Page 1").waitFor();
});

test("the new-tenant form previews with core's WASM, creates, and offers free slugs on a 409", async () => {
  await page.getByRole("link", { name: "New tenant" }).click();
  await page.locator("#name").fill("Acme Browser");
  await page.getByLabel("Email").pressSequentially("ann@");
  await page.locator("#owner_email-msg").getByText("must be a valid email address").waitFor();
  assert.match(await page.textContent("#verdict"), /^400 invalid_input/);
  await page.locator("#slug").fill(`acme-${run}`);
  await page.getByLabel("Email").fill("Ann@ACME.test");
  await page.getByLabel("Full name").fill("Ann Example");
  await page.locator("#verdict").getByText("201 Created").waitFor();
  // The server's dry run: the slug is free, and nothing was created by asking.
  await page.locator("#server-verdict").getByText("201 Created").waitFor();
  assert.match(await page.textContent("#server-verdict"), new RegExp(`acme-${run}`));
  const before = await apiCall("GET", `/v1/tenants?slug=acme-${run}`);
  assert.deepEqual(before.body.data, [], "a dry run created the tenant");
  await accessible("new tenant");
  await screenshot("new-tenant");
  await page.getByRole("button", { name: "Create tenant" }).click();
  await page.locator("#result-status").getByText("201 Created").waitFor();
  // Asked again, the server now knows the slug is taken, before anyone presses Create.
  await page.locator("#server-verdict").getByText("409 slug_taken").waitFor();
  await page.getByRole("button", { name: "Create tenant" }).click();
  await page.locator("#result-status").getByText("409").waitFor();
  const suggestions = await page.locator("#result .suggestions button").allTextContents();
  assert.ok(suggestions.length > 0 && suggestions.every((s) => s.startsWith(`acme-${run}-`)), suggestions.join(", "));

  await page.getByLabel("The key belongs to the platform (master) tenant").uncheck();
  await page.locator("#verdict").getByText("403 forbidden").waitFor();
  assert.match(await page.textContent("#decision"), /only-platform-tenant-creates-tenants/);
  await page.getByLabel("The key belongs to the platform (master) tenant").check();
});

/** Opens the page of a seeded tenant from the table, found by its slug. */
async function openSeed(n) {
  await page.getByRole("link", { name: "Tenants", exact: true }).click();
  await page.getByLabel("Find by slug").fill(`seed-${run}-${n}`);
  await page.getByRole("button", { name: "Search" }).click();
  await page.locator("#tenants-status").getByText("Page 1: 1 shown").waitFor();
  await page.getByRole("link", { name: `Seed ${run} ${n}` }).click();
  await page.locator("#tenant-details").getByText(`seed-${run}-${n}`).waitFor();
}

test("an edit is previewed live, and a stale If-Match answers 412 with a reload", async () => {
  await openSeed("03");
  await page.getByLabel("Locale", { exact: true }).fill("not a locale!!");
  await page.locator("#edit-locale-msg").getByText("locale").waitFor();
  assert.equal(await page.getAttribute("#edit-locale", "aria-invalid"), "true");
  await page.getByLabel("Locale", { exact: true }).fill("fr-fr");
  await page.locator("#edit-verdict").getByText("200 OK").waitFor();
  await accessible("tenant");
  await screenshot("tenant");

  // Someone else renames it meanwhile: this page's ETag is now stale.
  const id = page.url().split("/").pop();
  const other = await apiCall("PUT", `/v1/tenants/${id}`, { name: "Renamed Elsewhere" });
  assert.equal(other.response.status, 200);
  await page.getByRole("button", { name: "Save changes" }).click();
  await page.locator("#edit-result").getByText("412").waitFor();
  assert.match(await page.textContent("#edit-result"), /precondition_failed[\s\S]*reload/i);
  await page.getByRole("button", { name: "Reload the tenant" }).click();
  await page.locator("#tenant-details").getByText("Renamed Elsewhere").waitFor();

  await page.getByLabel("Locale", { exact: true }).fill("fr-fr");
  await page.getByRole("button", { name: "Save changes" }).click();
  await page.locator("#edit-result").getByText("Saved").waitFor();
  assert.match(await page.textContent("#tenant-details"), /fr-FR/);
});

test("a key is issued with core's scopes, shown once, sees only its tenant, and is revoked", async () => {
  await openSeed("04");
  const boxes = await page.locator("#key-scopes label").allTextContents();
  assert.ok(boxes.includes("tenants:read") && boxes.includes("keys:revoke"), boxes.join(", "));
  await page.getByLabel("Key name").fill("console child");
  await page.getByLabel("tenants:read").check();
  await page.getByLabel("keys:read").check();
  await page.getByRole("button", { name: "Issue key" }).click();
  await page.locator("#issue-result").getByText("only time the secret is shown").waitFor();
  const secret = await page.inputValue("#issued-secret");
  assert.match(secret, /^tnty_/);
  await page.locator("#keys-body").getByText("console child").waitFor();
  assert.ok(!(await page.textContent("#keys-body")).includes(secret));
  await screenshot("keys");
  const tenantId = page.url().split("/").pop();

  await signOut();
  await signIn(secret, tenantId);
  await page.getByRole("link", { name: "Tenants", exact: true }).click();
  await page.locator("#tenants-status").getByText("Page 1").waitFor();
  assert.deepEqual(await page.locator("#tenants-body th").allTextContents(), [`Seed ${run} 04`]);
  assert.ok(await page.locator("#search-form").isHidden());
  await signOut();
  await signIn(key.api_key, key.tenant_id);

  await openSeed("04");
  page.once("dialog", (dialog) => dialog.accept());
  await page.getByRole("button", { name: "Revoke key console child" }).click();
  await page.locator("#keys-result").getByText("revoked").waitFor();
  assert.equal(await page.locator("#keys-body").getByRole("button", { name: "Revoke key console child" }).count(), 0);
  const used = await fetch(`${base}/v1/tenants/${tenantId}`, { headers: { "X-API-Key": secret, "X-Tenant-ID": tenantId } });
  assert.equal(used.status, 401);
});

test("delete asks for the slug, then the tenant is gone", async () => {
  await openSeed("05");
  assert.ok(await page.getByRole("button", { name: "Delete tenant" }).isDisabled());
  await page.getByLabel("Slug to confirm").fill("wrong");
  assert.ok(await page.getByRole("button", { name: "Delete tenant" }).isDisabled());
  await page.getByLabel("Slug to confirm").fill(`seed-${run}-05`);
  await page.getByRole("button", { name: "Delete tenant" }).click();
  await page.locator("#flash").getByText(`Tenant seed-${run}-05 deleted.`).waitFor();
  const { body } = await apiCall("GET", `/v1/tenants?slug=seed-${run}-05`);
  assert.deepEqual(body.data, []);
});

test("the console fits a 360 px wide screen", async () => {
  await page.setViewportSize({ width: 360, height: 800 });
  await openSeed("06");
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `the page scrolls sideways by ${overflow}px`);
  await accessible("tenant at 360 px");
  await screenshot("tenant-narrow");
  await page.setViewportSize({ width: 1440, height: 900 });
});

// The new-tenant page in headless Chromium (Debian's, through playwright-core) against the worker
// in workerd: live feedback from the WASM preview, a real create, and the 409 of a second one.
//   TENANTRY_EDGE_URL=http://127.0.0.1:8799 TENANTRY_KEY_JSON='{"tenant_id":…,"api_key":…}' \
//     node --test e2e/
// scripts/test-browser.sh starts the worker, bootstraps the key and runs this.
// TENANTRY_SCREENSHOT=path also saves a screenshot of the live feedback there.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { chromium } from "playwright-core";

const base = process.env.TENANTRY_EDGE_URL;
const key = JSON.parse(process.env.TENANTRY_KEY_JSON ?? "null");
const WAIT_MS = 10_000;

let browser;
let page;

before(async () => {
  assert.ok(base, "set TENANTRY_EDGE_URL to the running worker");
  assert.ok(key?.api_key && key?.tenant_id, "set TENANTRY_KEY_JSON to the output of `tenantry init`");
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    timeout: WAIT_MS,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  page = await browser.newPage({ viewport: { width: 900, height: 1000 } });
  page.setDefaultTimeout(WAIT_MS);
  const problems = [];
  page.on("pageerror", (error) => problems.push(error.message));
  await page.goto(`${base}/`);
  await page.waitForSelector("body[data-preview]");
  assert.equal(await page.getAttribute("body", "data-preview"), "ready",
    `the WASM preview did not load: ${await page.textContent("#engine")} ${problems.join("; ")}`);
});

after(async () => {
  await browser?.close();
});

test("an invalid email shows its message as it is typed, with the derived slug", async () => {
  await page.locator("#name").fill("Acme Corp");
  await page.getByLabel("Email").pressSequentially("ann@");
  const message = page.locator("#owner_email-msg");
  await message.getByText("must be a valid email address").waitFor();
  assert.equal(await page.getAttribute("#owner_email", "aria-invalid"), "true");
  assert.match(await page.textContent("#preview-slug"), /acme-corp/);
  assert.match(await page.textContent("#verdict"), /^400 invalid_input/);
  if (process.env.TENANTRY_SCREENSHOT) {
    await page.screenshot({ path: process.env.TENANTRY_SCREENSHOT, fullPage: true });
  }
});

test("a valid form previews an allow, then creates the tenant", async () => {
  await page.locator("#name").fill("Acme Browser");
  await page.getByLabel("Slug").fill("Acme-Browser");
  await page.getByLabel("Email").fill("Ann@ACME.test");
  await page.getByLabel("Full name").fill("Ann Example");
  await page.getByLabel("API key").fill(key.api_key);
  await page.getByLabel("Your tenant id").fill(key.tenant_id);
  await page.locator("#verdict").getByText("201 Created").waitFor();
  assert.match(await page.textContent("#decision"), /allow/);
  assert.equal(await page.textContent("#owner_email-msg"), "");

  await page.getByRole("button", { name: "Create tenant" }).click();
  await page.locator("#result-status").getByText("201 Created").waitFor();
  const result = await page.textContent("#result");
  assert.match(result, /acme-browser/);
  assert.match(result, /Ann@acme\.test/);
});

test("creating it again answers 409 with free slugs to choose", async () => {
  await page.getByRole("button", { name: "Create tenant" }).click();
  await page.locator("#result-status").getByText("409").waitFor();
  assert.match(await page.textContent("#result"), /slug_taken/);
  const suggestions = await page.locator("#result .suggestions button").allTextContents();
  assert.ok(suggestions.length > 0, "no suggestions shown");
  assert.ok(suggestions.every((s) => s.startsWith("acme-browser-")), suggestions.join(", "));

  // A suggestion is one keypress away, and the preview follows.
  await page.locator("#result .suggestions button").first().click();
  assert.equal(await page.inputValue("#slug"), suggestions[0]);
  assert.match(await page.textContent("#preview-slug"), new RegExp(suggestions[0]));
});

test("the policy preview explains a deny for a key of another tenant", async () => {
  await page.getByLabel("The key belongs to the platform (master) tenant").uncheck();
  await page.locator("#verdict").getByText("403 forbidden").waitFor();
  assert.match(await page.textContent("#decision"), /only-platform-tenant-creates-tenants/);
  assert.match(await page.textContent("#decision"), /platform \(master\) tenant/);
  await page.getByLabel("The key belongs to the platform (master) tenant").check();
});

// The API reference at /docs in headless Chromium against a running server (the worker in
// workerd, or `tenantry serve`): Redoc, served by the server itself, renders the server's
// /openapi.json, and the page asks nothing of any other host (no CDN, no fonts from elsewhere).
//   TENANTRY_URL=http://127.0.0.1:8799 node --test e2e/docs.test.mjs
// scripts/test-browser.sh starts the servers and runs this with the console's tests.
// TENANTRY_SCREENSHOTS=dir also saves a screenshot of the page there (api-reference.png).
import { test } from "node:test";
import assert from "node:assert/strict";
import { chromium } from "playwright-core";

const base = process.env.TENANTRY_URL;
const shots = process.env.TENANTRY_SCREENSHOTS;
const WAIT_MS = 20_000;

test("/docs renders the OpenAPI document offline", async () => {
  assert.ok(base, "set TENANTRY_URL to the running server");
  const origin = new URL(base).origin;
  const document = await (await fetch(`${base}/openapi.json`)).json();
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    timeout: WAIT_MS,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    page.setDefaultTimeout(WAIT_MS);
    const elsewhere = [];
    const problems = [];
    // Every request to another origin is refused and recorded: the page must not need one.
    await page.route("**/*", (route) => {
      const url = route.request().url();
      if (url.startsWith("data:") || url.startsWith("blob:") || url.startsWith(`${origin}/`)) {
        return route.continue();
      }
      elsewhere.push(url);
      return route.abort();
    });
    page.on("pageerror", (error) => problems.push(error.message));
    const answer = await page.goto(`${base}/docs`);
    assert.equal(answer.status(), 200);
    // Redoc renders each operation's summary as a heading; these come from the document.
    for (const operation of [document.paths["/v1/tenants"].post, document.paths["/v1/api-keys/{id}"].delete]) {
      await page.locator("h2", { hasText: operation.summary }).first().waitFor();
    }
    await page.getByText(document.info.title).first().waitFor();
    if (shots) await page.screenshot({ path: `${shots}/api-reference.png` });
    assert.deepEqual(elsewhere, [], "the page asked other hosts");
    assert.deepEqual(problems, [], "the page threw");
  } finally {
    await browser.close();
  }
});

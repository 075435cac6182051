// The tenants table: a page at a time with the API's cursors, a slug search, and a row per tenant
// with the columns an operator scans. A child tenant's key sees just its own tenant.
import { Pager } from "./pager.js";
import { $, el, session, when } from "./ui.js";

/** How many tenants a page shows: enough to scan, few enough to fit a laptop screen. */
const PAGE_SIZE = 20;

function row(tenant) {
  return el("tr", {},
    el("th", { scope: "row" }, el("a", { href: `#/tenants/${tenant.id}` }, tenant.name)),
    el("td", {}, el("code", {}, tenant.slug)),
    el("td", {}, tenant.locale),
    el("td", {}, tenant.sso_region ?? "—"),
    el("td", {}, tenant.owner_email ?? "—"),
    el("td", {}, when(tenant.created_at)));
}

let slug = "";
const pager = new Pager({ prefix: "tenants", label: "Tenant" }, (query) => {
  query.set("limit", PAGE_SIZE);
  if (slug) query.set("slug", slug);
  return `/v1/tenants?${query}`;
}, row, "No tenant matches.");

$("search-form").addEventListener("submit", (event) => {
  event.preventDefault();
  slug = $("search").value.trim();
  pager.restart();
});
$("search-clear").addEventListener("click", () => {
  $("search").value = "";
  slug = "";
  pager.restart();
});

/** Shows the list: every tenant for a platform key, its own tenant for a child key. */
export function showTenants() {
  const platform = session.caller?.tenant_is_master;
  $("search-form").hidden = !platform;
  if (platform) return pager.restart();
  pager.show({ data: [session.ownTenant], next_cursor: null, has_more: false });
}

// Cursor paging for the console's tables: the API's opaque `next_cursor` goes forward, and the
// cursors already used go back, so "Previous" shows exactly the page seen before.
import { $, api, busy, el, errorView, unreachable } from "./ui.js";

export class Pager {
  /**
   * Builds the status line and the Previous/Next buttons after the table `#PREFIX-table`, whose
   * rows go into `#PREFIX-body`.
   * @param {{ prefix: string, label: string }} names the ids' prefix, and what the pages are of
   * @param {(query: URLSearchParams) => string} path the list's path for a query
   * @param {(item: object) => HTMLTableRowElement} row one row per item
   * @param {string} empty what the status says when the list has nothing
   */
  constructor({ prefix, label }, path, row, empty) {
    const button = (which, text) => el("button", { id: `${prefix}-${which}`, type: "button", className: "secondary", disabled: true }, text);
    const previous = button("previous", "Previous page");
    const next = button("next", "Next page");
    const status = el("div", { id: `${prefix}-status`, className: "status", role: "status", ariaLive: "polite" });
    const region = $(`${prefix}-table`);
    region.after(status, el("nav", { className: "pager", ariaLabel: `${label} pages` }, previous, next));
    Object.assign(this, { body: $(`${prefix}-body`), status, previous, next, region, path, row, empty });
    this.cursors = [null];
    previous.addEventListener("click", () => { this.cursors.pop(); this.load(); });
    next.addEventListener("click", () => { this.cursors.push(this.nextCursor); this.load(); });
  }

  /** From the first page again (a new search, a new tenant). */
  restart() {
    this.cursors = [null];
    return this.load();
  }

  async load() {
    const query = new URLSearchParams();
    const cursor = this.cursors.at(-1);
    if (cursor) query.set("cursor", cursor);
    this.status.replaceChildren(el("span", { className: "muted" }, "Loading…"));
    this.next.disabled = true;
    this.previous.disabled = true;
    await busy(this.region, null, async () => {
      try {
        const { response, body } = await api("GET", this.path(query));
        if (!response.ok) {
          this.body.replaceChildren();
          this.status.replaceChildren(errorView(response, body));
          return;
        }
        this.show(body);
      } catch (error) {
        this.status.replaceChildren(unreachable(error));
      }
    });
  }

  /** Shows a page the caller already has (a child key's own tenant), without paging. */
  show(page) {
    this.nextCursor = page.next_cursor;
    this.body.replaceChildren(...page.data.map(this.row));
    const n = this.cursors.length;
    this.status.textContent = page.data.length
      ? `Page ${n}: ${page.data.length} shown${page.has_more ? ", more on the next page" : ""}.`
      : this.empty;
    this.previous.disabled = n === 1;
    this.next.disabled = !page.has_more;
  }
}

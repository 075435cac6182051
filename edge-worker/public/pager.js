// Cursor paging for the console's tables: the API's opaque `next_cursor` goes forward, and the
// cursors already used go back, so "Previous" shows exactly the page seen before.
import { api, busy, el, errorView, unreachable } from "./ui.js";

export class Pager {
  /**
   * @param {object} parts the table's body, the status line, the buttons and the busy region
   * @param {(query: URLSearchParams) => string} path the list's path for a query
   * @param {(item: object) => HTMLTableRowElement} row one row per item
   * @param {string} empty what the status says when the list has nothing
   */
  constructor({ body, status, previous, next, region }, path, row, empty) {
    Object.assign(this, { body, status, previous, next, region, path, row, empty });
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

// The memory panel: search the notes (GET /api/memory/search) and open a
// note at the lines a result found (GET /api/memory/file), or today's
// daily log. A note is shown as its numbered lines, as plain text.

import { json, ApiError } from "./api.js";
import { el } from "./chat.js";

/** marked splits a snippet at memory search's «» markers into text and <mark>s. */
function marked(snippet) {
  const frag = document.createDocumentFragment();
  snippet.split(/(«[^»]*»)/).forEach((part) => {
    if (part.startsWith("«") && part.endsWith("»")) frag.append(el("mark", "", part.slice(1, -1)));
    else if (part) frag.append(document.createTextNode(part));
  });
  return frag;
}

/** Memory is the side panel. */
export class Memory {
  constructor(opts) {
    this.opts = opts; // {panel, form, query, results, stats, note, notePath, noteBody, back, toast, opened}
    opts.form.addEventListener("submit", (e) => {
      e.preventDefault();
      this.search(opts.query.value.trim());
    });
    opts.back.addEventListener("click", () => this.showResults());
  }

  async search(q) {
    const { results, stats } = this.opts;
    this.showResults();
    results.textContent = "";
    if (!q) return;
    results.setAttribute("aria-busy", "true");
    try {
      const data = await json("/api/memory/search?q=" + encodeURIComponent(q) + "&limit=20");
      results.textContent = "";
      stats.textContent = data.total ? `${data.total} result${data.total === 1 ? "" : "s"}` + (data.note ? " · " + data.note : "") : "";
      if (!data.results.length) {
        results.append(el("p", "muted", `Nothing in your notes matches “${q}”.`));
        return;
      }
      const list = el("ul", "hits");
      list.setAttribute("aria-label", "Notes matching " + q);
      for (const r of data.results) {
        const li = el("li");
        const b = el("button", "hit");
        b.type = "button";
        const where = r.line_start === r.line_end ? `${r.file}:${r.line_start}` : `${r.file}:${r.line_start}–${r.line_end}`;
        b.append(el("span", "hit-file", where));
        if (r.heading) b.append(el("span", "hit-heading", r.heading));
        const snip = el("span", "hit-snippet");
        snip.append(marked(r.snippet || r.content.slice(0, 200)));
        b.append(snip);
        const terms = Array.from((r.snippet || "").matchAll(/«([^»]+)»/g), (m) => m[1].toLowerCase());
        b.addEventListener("click", () => this.open(r.file, r.line_start, r.line_end, terms));
        li.append(b);
        list.append(li);
      }
      results.append(list);
    } catch (err) {
      results.textContent = "";
      results.append(el("p", "error-text", err.message));
    } finally {
      results.removeAttribute("aria-busy");
    }
  }

  showResults() {
    this.opts.note.hidden = true;
    this.opts.results.hidden = false;
    this.opts.stats.hidden = false;
  }

  /**
   * open shows a note with lines from…to marked, and in view the first of
   * them holding one of terms (the words the search matched).
   */
  async open(path, from = 0, to = 0, terms = []) {
    const { note, notePath, noteBody, results, stats } = this.opts;
    this.opts.opened();
    let content;
    try {
      content = (await json("/api/memory/file?path=" + encodeURIComponent(path))).content;
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) {
        this.opts.toast(`${path} does not exist yet.`);
        return;
      }
      this.opts.toast(err.message);
      return;
    }
    results.hidden = true;
    stats.hidden = true;
    note.hidden = false;
    notePath.textContent = path;
    noteBody.textContent = "";
    const lines = content.replace(/\n$/, "").split("\n");
    const frag = document.createDocumentFragment();
    let first = null, focus = null;
    lines.forEach((line, i) => {
      const n = i + 1;
      const inside = n >= from && n <= to;
      const row = el("div", "line" + (inside ? " match" : ""));
      row.dataset.line = n;
      row.append(el("span", "ln", String(n)), el("span", "lt", line || " "));
      if (n === from) first = row;
      if (inside && !focus && terms.some((t) => line.toLowerCase().includes(t))) {
        focus = row;
        row.classList.add("focus");
      }
      frag.append(row);
    });
    noteBody.append(frag);
    if (focus || first) (focus || first).scrollIntoView({ block: "center" });
    else noteBody.scrollTop = 0;
    noteBody.focus({ preventScroll: true });
  }

  /** today opens today's daily log, or says it has nothing yet. */
  async today() {
    try {
      const t = await json("/api/memory/today");
      if (!t.exists) {
        this.opts.toast(`Nothing in today's log yet (${t.path}). LocalGPT writes there when it saves something for you.`);
        return;
      }
      await this.open(t.path);
    } catch (err) {
      this.opts.toast(err.message);
    }
  }
}

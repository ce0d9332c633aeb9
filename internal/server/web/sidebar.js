// The sidebar's list of chats: newest first, grouped by day, each with
// rename and delete; or, while the search box has text, the chats whose
// title or messages match (GET /api/sessions/search, the search of
// `localgpt session search`).

import { json, call } from "./api.js";
import { el, icon } from "./chat.js";

const dayFormat = new Intl.DateTimeFormat(undefined, { weekday: "long", day: "numeric", month: "long" });
const oldDayFormat = new Intl.DateTimeFormat(undefined, { day: "numeric", month: "long", year: "numeric" });
const timeFormat = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit" });

/** dayLabel names the day of date as the list groups it. */
export function dayLabel(date, now = new Date()) {
  const day = (d) => new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime();
  const diff = Math.round((day(now) - day(date)) / 86400000);
  if (diff <= 0) return "Today";
  if (diff === 1) return "Yesterday";
  if (date.getFullYear() === now.getFullYear()) return dayFormat.format(date);
  return oldDayFormat.format(date);
}

/** titleOf is what the list calls a session. */
export function titleOf(s) {
  if (s.title) return s.title;
  if (s.error) return "Unreadable chat " + s.id;
  return "Empty chat · " + timeFormat.format(new Date(s.created));
}

/** Sidebar lists the sessions; opts.open(id, message) opens one. */
export class Sidebar {
  constructor(box, searchInput, opts) {
    this.box = box;
    this.search = searchInput;
    this.opts = opts;
    this.sessions = [];
    this.current = "";
    this.query = "";
    this.timer = 0;
    searchInput.addEventListener("input", () => {
      clearTimeout(this.timer);
      this.timer = setTimeout(() => this.find(searchInput.value.trim()), 180);
    });
    searchInput.addEventListener("keydown", (e) => {
      if (e.key === "Escape" && searchInput.value) {
        e.stopPropagation();
        searchInput.value = "";
        this.find("");
      }
    });
  }

  /** load fetches the list again and shows it (or the search's results). */
  async load() {
    const data = await json("/api/sessions");
    this.sessions = data.sessions;
    if (!this.query) this.showList();
    return this.sessions;
  }

  find(q) {
    this.query = q;
    if (!q) {
      this.showList();
      return;
    }
    json("/api/sessions/search?q=" + encodeURIComponent(q) + "&limit=200")
      .then((data) => { if (this.query === q) this.showResults(data.results); })
      .catch((err) => this.opts.toast(err.message));
  }

  setCurrent(id) {
    this.current = id;
    for (const li of this.box.querySelectorAll("li[data-id]")) {
      const on = li.dataset.id === id;
      li.classList.toggle("active", on);
      const link = li.querySelector(".session-link");
      if (on) link.setAttribute("aria-current", "page");
      else link.removeAttribute("aria-current");
    }
  }

  showList() {
    this.box.textContent = "";
    if (!this.sessions.length) {
      this.box.append(el("p", "muted small empty", "Your chats will be listed here."));
      return;
    }
    let group = null, label = "";
    for (const s of this.sessions) {
      const l = dayLabel(new Date(s.updated));
      if (l !== label) {
        label = l;
        const section = el("section", "group");
        const h = el("h2", "group-title", l);
        h.id = "group-" + this.box.childElementCount;
        group = el("ul", "session-list");
        group.setAttribute("aria-labelledby", h.id);
        section.append(h, group);
        this.box.append(section);
      }
      group.append(this.item(s));
    }
    this.setCurrent(this.current);
  }

  showResults(hits) {
    this.box.textContent = "";
    const h = el("h2", "group-title", hits.length ? "Matching chats" : "No chat matches");
    h.id = "search-results-title";
    const list = el("ul", "session-list");
    list.setAttribute("aria-labelledby", h.id);
    this.box.append(h, list);
    const seen = new Map();
    for (const hit of hits) {
      let entry = seen.get(hit.id);
      if (!entry) {
        const s = this.sessions.find((x) => x.id === hit.id) || { id: hit.id, title: hit.title };
        const li = this.item(s, hit.message >= 0 ? hit.message : -1);
        const line = el("p", "hit-line", hit.message < 0 ? "in the title" : hit.line);
        li.querySelector(".session-link").append(line);
        list.append(li);
        entry = { li, n: 0, line };
        seen.set(hit.id, entry);
      }
      entry.n++;
      if (entry.n === 2) entry.line.after(el("span", "hit-more muted small"));
      if (entry.n > 1) entry.li.querySelector(".hit-more").textContent = `${entry.n} matches`;
    }
    this.setCurrent(this.current);
  }

  item(s, message = -1) {
    const li = el("li", "session");
    li.dataset.id = s.id;
    const link = el("a", "session-link");
    link.href = "#/s/" + encodeURIComponent(s.id) + (message >= 0 ? "/" + message : "");
    const title = el("span", "session-title", titleOf(s));
    link.append(title);
    link.title = titleOf(s) + (s.model ? " · " + s.model : "") + (s.messages !== undefined ? " · " + s.messages + " messages" : "");
    const rename = el("button", "icon-btn small");
    rename.type = "button";
    rename.setAttribute("aria-label", "Rename " + titleOf(s));
    rename.append(icon("M4 20h4L19 9l-4-4L4 16zM14 6l4 4"));
    rename.addEventListener("click", () => this.rename(s, li, title));
    const del = el("button", "icon-btn small danger");
    del.type = "button";
    del.setAttribute("aria-label", "Delete " + titleOf(s));
    del.append(icon("M5 7h14M10 7V4h4v3M7 7l1 13h8l1-13"));
    del.addEventListener("click", () => this.remove(s));
    const actions = el("span", "session-actions");
    actions.append(rename, del);
    li.append(link, actions);
    return li;
  }

  rename(s, li, title) {
    const input = el("input", "rename-input");
    input.value = s.title || "";
    input.setAttribute("aria-label", "New title for " + titleOf(s));
    input.maxLength = 200;
    li.classList.add("renaming");
    title.replaceWith(input);
    input.focus();
    input.select();
    let done = false;
    const finish = async (save) => {
      if (done) return;
      done = true;
      input.replaceWith(title);
      li.classList.remove("renaming");
      const value = input.value.trim();
      if (!save || value === (s.title || "")) return;
      try {
        const info = await json("/api/sessions/" + encodeURIComponent(s.id), { method: "PATCH", body: { title: value } });
        Object.assign(s, info);
        title.textContent = titleOf(s);
        this.opts.renamed(s);
        await this.load();
      } catch (err) {
        this.opts.toast("Could not rename the chat: " + err.message);
      }
    };
    input.addEventListener("keydown", (e) => {
      if (e.key === "Enter") { e.preventDefault(); finish(true); li.querySelector(".session-link").focus(); }
      if (e.key === "Escape") { e.preventDefault(); e.stopPropagation(); finish(false); li.querySelector(".session-link").focus(); }
    });
    input.addEventListener("blur", () => finish(true));
  }

  async remove(s) {
    const ok = await this.opts.confirm(`“${titleOf(s)}” and its ${s.messages || 0} messages will be deleted from this computer. What LocalGPT saved to your memory from it stays.`);
    if (!ok) return;
    try {
      await call("/api/sessions/" + encodeURIComponent(s.id), { method: "DELETE" });
      this.opts.deleted(s);
      await this.load();
      if (this.query) this.find(this.query);
    } catch (err) {
      this.opts.toast("Could not delete the chat: " + err.message);
    }
  }
}

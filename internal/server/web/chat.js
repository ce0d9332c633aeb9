// The conversation view: turns (the user's message, then the answer's
// text and tool calls in the order they ran), built from a session the
// server sends or from a stream as it arrives. Everything a model or a
// tool produced reaches the page as text (textContent) or through
// markdown.js's sanitizer, never as raw HTML.

import { renderInto } from "./markdown.js";

const statusText = {
  cancelled: "Stopped",
  failed: "Failed",
  iteration_limit: "Stopped at the tool-call limit",
};

/** el makes an element with a class and, optionally, text. */
export function el(tag, className, text) {
  const e = document.createElement(tag);
  if (className) e.className = className;
  if (text !== undefined) e.textContent = text;
  return e;
}

/** icon makes an inline SVG icon of one path, hidden from screen readers. */
export function icon(path) {
  const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("aria-hidden", "true");
  const p = document.createElementNS("http://www.w3.org/2000/svg", "path");
  p.setAttribute("d", path);
  svg.append(p);
  return svg;
}

const icons = {
  copy: "M8 8h11v12H8zM5 16V4h11",
  edit: "M4 20h4L19 9l-4-4L4 16zM14 6l4 4",
  retry: "M4 12a8 8 0 1 0 3-6.2M4 4v5h5",
};

function actionButton(kind, label, action) {
  const b = el("button", "act");
  b.type = "button";
  b.dataset.action = action;
  b.setAttribute("aria-label", label);
  b.title = label;
  b.append(icon(icons[kind]));
  return b;
}

/** argsText shows a tool call's arguments on one line, shortened. */
function argsText(args) {
  let s = typeof args === "string" ? args : JSON.stringify(args);
  if (s === "{}") return "";
  s = s.replace(/\s+/g, " ");
  return s.length > 90 ? s.slice(0, 89) + "…" : s;
}

function prettyArgs(args) {
  if (typeof args === "string") return args;
  return JSON.stringify(args, null, 2);
}

/**
 * turnsOf builds the page's turns from GET /api/sessions/{id}: each turn
 * the server reports (messages start…start+count), and, for messages of
 * older sessions that belong to no turn, one turn per user message.
 */
export function turnsOf(view) {
  const msgs = view.messages;
  const spans = view.turns.map((t) => ({ ...t }));
  const covered = new Uint8Array(msgs.length);
  for (const s of spans) covered.fill(1, s.start, s.start + s.count);
  for (let i = 0; i < msgs.length; i++) {
    if (covered[i]) continue;
    let j = i + 1;
    while (j < msgs.length && !covered[j] && msgs[j].role !== "user") j++;
    spans.push({ start: i, count: j - i, status: "answered" });
    i = j - 1;
  }
  spans.sort((a, b) => a.start - b.start);
  return spans.map((s) => {
    const turn = { user: "", items: [], status: s.status, error: s.error || "", tokens: s.tokens || null, model: s.model || "", start: s.start };
    const tools = new Map();
    for (let k = s.start; k < s.start + s.count; k++) {
      const m = msgs[k];
      if (k === s.start && m.role === "user") {
        turn.user = m.content;
      } else if (m.role === "assistant") {
        if (m.content) turn.items.push({ kind: "text", text: m.content });
        for (const c of m.tool_calls || []) {
          const item = { kind: "tool", id: c.id, name: c.name, args: c.arguments, result: null, isError: false, done: true };
          tools.set(c.id, item);
          turn.items.push(item);
        }
      } else if (m.role === "tool") {
        for (const r of m.tool_results || []) {
          const item = tools.get(r.call_id);
          if (item) Object.assign(item, { result: r.content, isError: !!r.is_error });
        }
      } else if (m.role === "user" && m.content) {
        turn.items.push({ kind: "text", text: m.content });
      }
    }
    return turn;
  });
}

// A long conversation opens fast when only the answers near the end are
// rendered at once: the others show as plain text until they come near
// the screen (rendering markdown is the costly part: parsing,
// sanitizing, highlighting).
const eagerTurns = 8;

/** View shows one conversation in its container. */
export class View {
  constructor(container, scroller) {
    this.box = container;
    this.scroller = scroller;
    this.turns = [];
    this.dirty = new Set();
    this.frame = 0;
    this.lazy = new IntersectionObserver((entries) => {
      for (const e of entries) {
        if (!e.isIntersecting) continue;
        this.lazy.unobserve(e.target);
        this.renderLazy(e.target);
      }
    }, { root: scroller, rootMargin: "1200px 0px" });
  }

  renderLazy(node) {
    const item = node.lazyItem;
    if (!item) return;
    delete node.lazyItem;
    node.classList.remove("lazy");
    node.textContent = "";
    renderInto(node, item.text);
  }

  clear() {
    this.turns = [];
    this.lazy.disconnect();
    this.box.textContent = "";
  }

  /** show replaces the conversation with turns and scrolls to its end. */
  show(turns) {
    this.clear();
    const frag = document.createDocumentFragment();
    turns.forEach((t, i) => frag.append(this.turnElement(t, i < turns.length - eagerTurns)));
    this.turns = turns;
    this.box.append(frag);
    this.refreshActions();
    this.scrollToEnd();
  }

  /** begin adds a turn for a message being sent and returns it. */
  begin(user) {
    const turn = { user, items: [], status: "streaming", error: "", tokens: null, model: "" };
    this.turns.push(turn);
    this.box.append(this.turnElement(turn));
    this.refreshActions();
    this.scrollToEnd();
    return turn;
  }

  /** dropLast removes the last turn (it is being replaced). */
  dropLast() {
    const t = this.turns.pop();
    if (t) t.el.remove();
    return t;
  }

  last() { return this.turns[this.turns.length - 1]; }

  text(turn, piece) {
    let item = turn.items[turn.items.length - 1];
    if (!item || item.kind !== "text") {
      item = { kind: "text", text: "" };
      turn.items.push(item);
      turn.parts.append(this.itemElement(item));
    }
    item.text += piece;
    this.dirty.add(item);
    this.schedule();
  }

  toolStart(turn, data) {
    this.flush();
    const item = { kind: "tool", id: data.id, name: data.name, args: data.arguments, result: null, isError: false, done: false };
    turn.items.push(item);
    turn.parts.append(this.itemElement(item));
    this.follow();
  }

  toolEnd(turn, data) {
    const item = turn.items.find((i) => i.kind === "tool" && i.id === data.id && !i.done);
    if (!item) return;
    Object.assign(item, { done: true, isError: data.is_error, ms: data.duration_ms, result: data.preview, preview: true });
    this.updateTool(item);
  }

  /** end marks how a streamed turn ended. */
  end(turn, status, error, tokens, model) {
    this.flush();
    Object.assign(turn, { status, error: error || "", tokens: tokens || turn.tokens, model: model || turn.model });
    turn.el.querySelector(".msg.assistant").removeAttribute("aria-busy");
    this.updateStatus(turn);
    this.refreshActions();
  }

  /**
   * settle swaps a streamed turn for the one the server kept: the same,
   * with the whole tool results (the stream carries their start) and, for
   * a stopped answer, the text as the server saved it. Open tool calls
   * stay open.
   */
  settle(turn, saved) {
    const i = this.turns.indexOf(turn);
    if (i < 0) return;
    const open = new Set(turn.items.filter((t) => t.kind === "tool" && t.el.open).map((t) => t.id));
    saved.status = saved.status || turn.status;
    const fresh = this.turnElement(saved);
    for (const item of saved.items) {
      if (item.kind === "tool" && open.has(item.id)) item.el.open = true;
    }
    turn.el.replaceWith(fresh);
    this.turns[i] = saved;
    this.refreshActions();
  }

  schedule() {
    if (!this.frame) this.frame = requestAnimationFrame(() => this.flush());
  }

  /** flush renders the text that arrived since the last frame. */
  flush() {
    if (this.frame) cancelAnimationFrame(this.frame);
    this.frame = 0;
    for (const item of this.dirty) renderInto(item.el, item.text);
    this.dirty.clear();
    this.follow();
  }

  // follow keeps the end in view while the reader is at the end; one who
  // scrolled up to read is left where they are.
  follow() {
    const s = this.scroller;
    if (s.scrollHeight - s.scrollTop - s.clientHeight < 120) s.scrollTop = s.scrollHeight;
  }

  // scrollToEnd shows the end. Turns off screen are not laid out
  // (content-visibility), so their height is a guess until they are: the
  // end is sought again once the turns near it have their real size.
  scrollToEnd() {
    const s = this.scroller;
    s.scrollTop = s.scrollHeight;
    requestAnimationFrame(() => { s.scrollTop = s.scrollHeight; });
  }

  turnElement(turn, lazy = false) {
    const art = el("article", "turn");
    const user = el("div", "msg user");
    const bubble = el("div", "bubble", turn.user);
    user.append(bubble, el("div", "actions"));
    const reply = el("div", "msg assistant");
    if (turn.status === "streaming") reply.setAttribute("aria-busy", "true");
    const parts = el("div", "parts");
    for (const item of turn.items) parts.append(this.itemElement(item, lazy));
    reply.append(parts, el("div", "status"), el("div", "meta"));
    art.append(user, reply);
    Object.assign(turn, { el: art, parts });
    this.updateStatus(turn);
    return art;
  }

  itemElement(item, lazy = false) {
    if (item.kind === "text") {
      item.el = el("div", "md");
      if (lazy && item.text) {
        // Plain text, about as tall, until it comes near the screen.
        item.el.classList.add("lazy");
        item.el.textContent = item.text;
        item.el.lazyItem = item;
        this.lazy.observe(item.el);
      } else if (item.text) {
        renderInto(item.el, item.text);
      }
      return item.el;
    }
    const d = el("details", "tool");
    const sum = el("summary");
    sum.append(el("span", "tool-name", item.name), el("span", "tool-args", argsText(item.args)), el("span", "tool-state"));
    const body = el("div", "tool-body");
    d.append(sum, body);
    // The arguments and result are put in only when opened: a session of
    // hundreds of tool calls opens fast.
    d.addEventListener("toggle", () => { if (d.open) this.fillTool(item); });
    item.el = d;
    this.updateTool(item);
    return d;
  }

  updateTool(item) {
    const d = item.el;
    const state = d.querySelector(".tool-state");
    d.classList.toggle("error", !!item.isError);
    d.classList.toggle("running", !item.done);
    state.textContent = !item.done ? "running…" : item.result === null ? "no result" :
      (item.isError ? "failed" : "done") + (item.ms !== undefined ? " · " + formatMs(item.ms) : "");
    if (d.open) this.fillTool(item);
  }

  fillTool(item) {
    const body = item.el.querySelector(".tool-body");
    body.textContent = "";
    const label = item.preview ? "Result (the start; the whole result shows once the answer is done)" : "Result";
    const result = item.result === null ? (item.done ? "(no result: the turn stopped before this call finished)" : "(running…)") : item.result;
    const args = el("pre", "", prettyArgs(item.args));
    const out = el("pre", item.isError ? "error" : "", result);
    // Both may scroll: keyboards must reach them.
    args.tabIndex = out.tabIndex = 0;
    args.setAttribute("aria-label", "Arguments of " + item.name);
    out.setAttribute("aria-label", "Result of " + item.name);
    body.append(el("div", "tool-label", "Arguments"), args, el("div", "tool-label", label), out);
  }

  updateStatus(turn) {
    const status = turn.el.querySelector(".status");
    const known = statusText[turn.status];
    status.textContent = "";
    status.className = "status" + (known ? " " + turn.status : "");
    if (known) {
      status.append(el("strong", "", known));
      if (turn.error) status.append(document.createTextNode(": " + turn.error));
    }
    const meta = turn.el.querySelector(".meta");
    meta.textContent = "";
    if (turn.status === "streaming") return;
    const t = turn.tokens;
    const parts = [];
    if (t && (t.prompt || t.completion)) parts.push(`${fmt(t.prompt)} in · ${fmt(t.completion)} out tokens`);
    if (turn.model) parts.push(turn.model);
    const info = el("span", "usage", parts.join(" · "));
    if (parts.length) info.title = t ? `prompt ${t.prompt}, completion ${t.completion}, total ${t.total} tokens` : "";
    meta.append(info, el("span", "spacer"), actionButton("copy", "Copy the answer", "copy"));
  }

  /** refreshActions puts edit and regenerate on the last turn only. */
  refreshActions() {
    this.turns.forEach((turn, i) => {
      const last = i === this.turns.length - 1 && turn.status !== "streaming";
      const actions = turn.el.querySelector(".msg.user .actions");
      actions.textContent = "";
      if (last) actions.append(actionButton("edit", "Edit and resend this message", "edit"));
      const meta = turn.el.querySelector(".meta");
      const regen = meta.querySelector('[data-action="regenerate"]');
      if (last && !regen && meta.childElementCount) meta.append(actionButton("retry", "Regenerate the answer", "regenerate"));
      if (!last && regen) regen.remove();
    });
  }

  /** answerText is the text of a turn's answer, for the copy button. */
  answerText(turn) {
    return turn.items.filter((i) => i.kind === "text").map((i) => i.text).join("\n\n");
  }

  turnOf(node) {
    const art = node.closest(".turn");
    return this.turns.find((t) => t.el === art);
  }
}

function fmt(n) { return (n || 0).toLocaleString("en-US"); }

function formatMs(ms) { return ms < 1000 ? ms + " ms" : (ms / 1000).toFixed(1) + " s"; }

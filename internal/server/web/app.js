// LocalGPT's chat page: wires the sidebar (chats), the conversation (a
// reply streamed from POST /api/chat/stream), the model picker, the
// memory panel, themes and keyboard shortcuts. No build step: ES modules
// and the libraries in vendor/, served by the daemon (internal/server).
// The open chat is in the address (#/s/ID), so a reload keeps it.

import { call, json, stream, whenLoggedOut } from "./api.js";
import { View, turnsOf, el } from "./chat.js";
import { Sidebar, titleOf } from "./sidebar.js";
import { Memory } from "./memory.js";

const $ = (id) => document.getElementById(id);
const narrow = matchMedia("(max-width: 800px)");
const systemDark = matchMedia("(prefers-color-scheme: dark)");

const state = {
  sessionId: "",
  controller: null, // the reply streaming in, if any
  models: [], // from /v1/models
  opening: 0, // the latest open request, so a slow older one is dropped
  model: "", // the open chat's model, as the session names it
};

const view = new View($("messages"), $("scroller"));

// ---- small helpers ----

let toastTimer = 0;
function toast(message) {
  const t = $("toast");
  t.textContent = message;
  t.classList.add("show");
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => t.classList.remove("show"), 6000);
}

function confirmDialog(text) {
  const d = $("confirm-dialog");
  $("confirm-text").textContent = text;
  d.returnValue = "";
  d.showModal();
  $("confirm-ok").focus();
  return new Promise((resolve) => d.addEventListener("close", () => resolve(d.returnValue === "ok"), { once: true }));
}

async function copyText(text, what) {
  try {
    await navigator.clipboard.writeText(text);
    toast(what + " copied.");
  } catch (_) {
    toast("The browser did not allow copying.");
  }
}

whenLoggedOut(() => { $("login-needed").hidden = false; });

// ---- layout: sidebar, panel, theme ----

function sidebarOpen() { return !$("app").classList.contains(narrow.matches ? "sidebar-closed-narrow" : "sidebar-closed"); }

function setSidebar(open, { focus = false, remember = true } = {}) {
  const app = $("app");
  if (narrow.matches) {
    app.classList.toggle("sidebar-closed-narrow", !open);
    $("backdrop").hidden = !open;
  } else {
    app.classList.toggle("sidebar-closed", !open);
    if (remember) localStorage.setItem("localgpt.sidebar", open ? "open" : "closed");
  }
  $("sidebar").inert = !open;
  const t = $("toggle-sidebar");
  t.setAttribute("aria-expanded", String(open));
  t.hidden = open && !narrow.matches;
  if (open && focus) $("new-chat").focus();
  if (!open && focus) t.focus();
}

function initSidebar() {
  const apply = () => setSidebar(narrow.matches ? false : localStorage.getItem("localgpt.sidebar") !== "closed", { remember: false });
  apply();
  narrow.addEventListener("change", apply);
  $("toggle-sidebar").addEventListener("click", () => setSidebar(!sidebarOpen(), { focus: true }));
  $("close-sidebar").addEventListener("click", () => setSidebar(false, { focus: true }));
  $("backdrop").addEventListener("click", () => setSidebar(false));
}

/** closeSidebarIfNarrow gets the sidebar out of the way on a phone once a choice is made. */
function closeSidebarIfNarrow() { if (narrow.matches && sidebarOpen()) setSidebar(false); }

// The theme follows the system unless the toggle chose one; a choice is
// kept in a cookie, from which the server serves the page already themed
// (html[data-theme]), so it is there at the first paint.
function theme() { return document.documentElement.dataset.theme || (systemDark.matches ? "dark" : "light"); }

function showThemeButton() {
  const next = theme() === "dark" ? "light" : "dark";
  $("theme-label").textContent = next === "dark" ? "Dark theme" : "Light theme";
  $("theme-toggle").setAttribute("aria-label", "Switch to the " + next + " theme");
}

function toggleTheme() {
  const next = theme() === "dark" ? "light" : "dark";
  // Choosing the system's own theme goes back to following the system.
  if (next === (systemDark.matches ? "dark" : "light")) {
    delete document.documentElement.dataset.theme;
    document.cookie = "localgpt-theme=; Path=/; Max-Age=0; SameSite=Strict";
  } else {
    document.documentElement.dataset.theme = next;
    document.cookie = `localgpt-theme=${next}; Path=/; Max-Age=31536000; SameSite=Strict`;
  }
  showThemeButton();
}

function openPanel() {
  const p = $("memory-panel");
  p.hidden = false;
  $("app").classList.add("panel-open");
  closeSidebarIfNarrow();
}

function closePanel() {
  $("memory-panel").hidden = true;
  $("app").classList.remove("panel-open");
  $("open-memory").focus();
}

// ---- models ----

function modelLabelMatches(option, label) {
  return option.value === label || option.dataset.provider + "/" + option.value === label;
}

/** selectModel shows label (a session's model) in the picker. */
function selectModel(label) {
  state.model = label;
  const sel = $("model");
  if (!label) {
    sel.value = "";
    return;
  }
  let opt = Array.from(sel.options).find((o) => modelLabelMatches(o, label));
  if (!opt) {
    opt = new Option(label, label);
    opt.dataset.provider = "";
    sel.append(opt);
  }
  sel.value = opt.value;
}

async function loadModels() {
  const sel = $("model");
  try {
    const [models, status] = await Promise.all([json("/v1/models"), json("/api/status").catch(() => null)]);
    const groups = new Map();
    for (const m of models.data) {
      if (m.id === "localgpt") continue;
      if (!groups.has(m.owned_by)) groups.set(m.owned_by, []);
      groups.get(m.owned_by).push(m);
    }
    sel.textContent = "";
    const def = new Option(status ? "Default (" + status.model + ")" : "Default model", "");
    def.dataset.provider = "";
    sel.append(def);
    for (const [provider, list] of groups) {
      const g = document.createElement("optgroup");
      g.label = provider;
      for (const m of list) {
        const o = new Option(m.id, m.id);
        o.dataset.provider = provider;
        g.append(o);
      }
      sel.append(g);
    }
  } catch (err) {
    toast("Could not list the models: " + err.message);
  }
}

// ---- sessions ----

const sidebar = new Sidebar($("sessions"), $("session-search"), {
  toast,
  confirm: confirmDialog,
  renamed: (s) => { if (s.id === state.sessionId) $("chat-title").textContent = titleOf(s); },
  deleted: (s) => { if (s.id === state.sessionId) location.hash = ""; },
});

function showWelcome(on) {
  $("welcome").hidden = !on;
  $("messages").hidden = on;
}

function newChat() {
  if (state.controller) state.controller.abort();
  state.opening++;
  state.sessionId = "";
  view.clear();
  showWelcome(true);
  $("chat-title").textContent = "New chat";
  document.title = "LocalGPT";
  selectModel(localStorage.getItem("localgpt.model") || "");
  sidebar.setCurrent("");
  if (!narrow.matches) $("input").focus(); // on a phone it would pop the keyboard up
}

/** goNewChat starts a new chat, through the address when a chat is open. */
function goNewChat() {
  if (location.hash) location.hash = ""; // route() starts it
  else newChat();
}

async function openSession(id, message) {
  if (state.controller) state.controller.abort();
  const ticket = ++state.opening;
  performance.clearMarks("session-open");
  performance.mark("session-open");
  let v;
  try {
    v = await json("/api/sessions/" + encodeURIComponent(id));
  } catch (err) {
    toast(err.message);
    if (ticket === state.opening) location.hash = "";
    return;
  }
  if (ticket !== state.opening) return;
  state.sessionId = v.id;
  const turns = turnsOf(v);
  showWelcome(turns.length === 0);
  view.show(turns);
  $("chat-title").textContent = titleOf(v);
  document.title = titleOf(v) + " · LocalGPT";
  selectModel(v.model);
  sidebar.setCurrent(v.id);
  if (message !== undefined) {
    const turn = [...turns].reverse().find((t) => t.start <= message);
    if (turn) {
      turn.el.scrollIntoView({ block: "center" });
      turn.el.classList.add("flash");
      setTimeout(() => turn.el.classList.remove("flash"), 2000);
    }
  }
  requestAnimationFrame(() => performance.measure("session-opened", "session-open"));
}

function route() {
  const m = /^#\/s\/([^/]+)(?:\/(\d+))?$/.exec(location.hash);
  closeSidebarIfNarrow();
  if (!m) {
    newChat();
    return;
  }
  const id = decodeURIComponent(m[1]);
  if (id === state.sessionId && m[2] === undefined && !state.controller) return;
  openSession(id, m[2] === undefined ? undefined : Number(m[2]));
}

// ---- sending ----

function setSending(on) {
  $("send").hidden = on;
  $("stop").hidden = !on;
  $("composer").classList.toggle("busy", on);
}

/** send streams the answer to text; with replace, it takes the last turn's place. */
async function send(text, replace = false) {
  if (state.controller) return;
  const controller = new AbortController();
  state.controller = controller;
  setSending(true);
  showWelcome(false);
  const model = $("model").value;
  if (!state.sessionId) {
    // A new chat gets its session first, so a reply stopped before it is
    // done still belongs to it.
    try {
      const s = await json("/api/sessions", { method: "POST", body: { model: model || undefined } });
      state.sessionId = s.id;
      history.replaceState(null, "", "#/s/" + encodeURIComponent(s.id));
      if (model) localStorage.setItem("localgpt.model", model);
      else localStorage.removeItem("localgpt.model");
    } catch (err) {
      toast(err.message);
      state.controller = null;
      setSending(false);
      return;
    }
  }
  const id = state.sessionId;
  const turn = view.begin(text);
  let usage = { prompt: 0, completion: 0, total: 0 };
  let ended = false;
  const body = { message: text, session_id: id };
  if (model) body.model = model;
  if (replace) body.replace_last_turn = true;
  try {
    await stream(body, (name, data) => {
      switch (name) {
        case "text": view.text(turn, data.text); break;
        case "tool_start": view.toolStart(turn, data); break;
        case "tool_end": view.toolEnd(turn, data); break;
        case "usage":
          usage = { prompt: usage.prompt + data.prompt, completion: usage.completion + data.completion, total: usage.total + data.total };
          break;
        case "done":
          ended = true;
          view.end(turn, data.warning ? "iteration_limit" : "answered", data.warning, data.tokens, data.model);
          break;
        case "error":
          ended = true;
          view.end(turn, "failed", data.error.message, usage);
          break;
      }
    }, controller.signal);
    if (!ended) view.end(turn, "failed", "the connection to LocalGPT ended before the answer did", usage);
  } catch (err) {
    if (err.name === "AbortError") view.end(turn, "cancelled", "", usage);
    else view.end(turn, "failed", err.message, usage);
  } finally {
    if (state.controller === controller) state.controller = null;
    setSending(false);
  }
  if (state.sessionId !== id) return; // the reader moved on
  sidebar.load().then(() => {
    const s = sidebar.sessions.find((x) => x.id === id);
    if (s) {
      $("chat-title").textContent = titleOf(s);
      document.title = titleOf(s) + " · LocalGPT";
    }
    sidebar.setCurrent(id);
  }).catch(() => {});
  settle(id, turn);
}

/**
 * settle shows the turn as the session kept it (whole tool results, a
 * stopped answer's text as saved). A stopped turn is saved a moment after
 * the stream ends, so it is asked for again until it is there.
 */
async function settle(id, turn) {
  for (let attempt = 0; attempt < 6; attempt++) {
    if (attempt) await new Promise((r) => setTimeout(r, 150 * attempt));
    if (state.sessionId !== id || view.last() !== turn) return;
    let saved;
    try {
      saved = turnsOf(await json("/api/sessions/" + encodeURIComponent(id)));
    } catch (_) {
      return;
    }
    const last = saved[saved.length - 1];
    if (saved.length === view.turns.length && last && last.user === turn.user && last.status === turn.status) {
      if (state.sessionId === id && view.last() === turn) view.settle(turn, last);
      return;
    }
  }
}

function submit() {
  const input = $("input");
  const text = input.value.trim();
  if (!text || state.controller) return;
  input.value = "";
  autosize();
  send(text);
}

function stop() {
  if (state.controller) state.controller.abort();
}

function regenerate() {
  const last = view.last();
  if (!last || state.controller) return;
  view.dropLast();
  send(last.user, true);
}

function editLast(turn) {
  if (state.controller || turn !== view.last()) return;
  const user = turn.el.querySelector(".msg.user");
  const bubble = user.querySelector(".bubble");
  const box = el("div", "edit-box");
  const area = el("textarea", "edit-area");
  area.value = turn.user;
  area.setAttribute("aria-label", "Edit your message");
  const save = el("button", "btn primary", "Send");
  save.type = "button";
  const cancel = el("button", "btn", "Cancel");
  cancel.type = "button";
  const buttons = el("div", "edit-actions");
  buttons.append(cancel, save);
  box.append(area, buttons);
  bubble.hidden = true;
  user.querySelector(".actions").hidden = true;
  user.append(box);
  area.focus();
  area.setSelectionRange(area.value.length, area.value.length);
  const close = () => {
    box.remove();
    bubble.hidden = false;
    user.querySelector(".actions").hidden = false;
  };
  const go = () => {
    const text = area.value.trim();
    if (!text) return;
    view.dropLast();
    send(text, true);
  };
  cancel.addEventListener("click", () => { close(); user.querySelector('[data-action="edit"]').focus(); });
  save.addEventListener("click", go);
  area.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) { e.preventDefault(); go(); }
    if (e.key === "Escape") { e.preventDefault(); e.stopPropagation(); close(); }
  });
}

function autosize() {
  const input = $("input");
  input.style.height = "auto";
  input.style.height = Math.min(input.scrollHeight, Math.round(innerHeight * 0.4)) + "px";
}

// ---- events ----

function isTyping(target) {
  return target instanceof HTMLElement && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));
}

function onKey(e) {
  if (document.querySelector("dialog[open]")) return; // a dialog has the keys
  const mod = e.ctrlKey || e.metaKey;
  const key = e.key.toLowerCase();
  if (mod && e.shiftKey && key === "o") {
    e.preventDefault();
    goNewChat();
  } else if (mod && e.shiftKey && key === "s") {
    e.preventDefault();
    setSidebar(!sidebarOpen(), { focus: true });
  } else if (mod && !e.shiftKey && key === "k") {
    e.preventDefault();
    if (!sidebarOpen()) setSidebar(true);
    $("session-search").focus();
  } else if (mod && key === "/") {
    e.preventDefault();
    $("shortcuts-dialog").showModal();
  } else if (e.key === "Escape" && e.shiftKey) {
    e.preventDefault();
    $("input").focus();
  } else if (e.key === "Escape" && state.controller) {
    e.preventDefault();
    stop();
  } else if (e.key === "Escape" && narrow.matches && sidebarOpen()) {
    setSidebar(false, { focus: true });
  } else if (e.key === "Escape" && !$("memory-panel").hidden && $("memory-panel").contains(document.activeElement)) {
    closePanel();
  } else if (e.key === "/" && !mod && !isTyping(e.target)) {
    e.preventDefault();
    $("input").focus();
  }
}

function onMessagesClick(e) {
  const code = e.target.closest(".copy-code");
  if (code) {
    copyText(code.closest(".code-block").querySelector("code").textContent, "Code");
    return;
  }
  const act = e.target.closest("[data-action]");
  if (!act) return;
  const turn = view.turnOf(act);
  if (!turn) return;
  if (act.dataset.action === "copy") copyText(view.answerText(turn), "Answer");
  else if (act.dataset.action === "regenerate") regenerate();
  else if (act.dataset.action === "edit") editLast(turn);
}

function init() {
  initSidebar();
  showThemeButton();
  systemDark.addEventListener("change", showThemeButton);
  $("theme-toggle").addEventListener("click", toggleTheme);
  $("shortcuts-btn").addEventListener("click", () => $("shortcuts-dialog").showModal());
  $("new-chat").addEventListener("click", () => {
    goNewChat();
    closeSidebarIfNarrow();
  });
  $("model").addEventListener("change", () => { state.model = $("model").value; });
  $("composer").addEventListener("submit", (e) => { e.preventDefault(); submit(); });
  $("input").addEventListener("keydown", (e) => {
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) { e.preventDefault(); submit(); }
  });
  $("input").addEventListener("input", autosize);
  $("stop").addEventListener("click", stop);
  $("messages").addEventListener("click", onMessagesClick);
  // On a phone, a chat picked in the sidebar (the open one too) closes it.
  $("sessions").addEventListener("click", (e) => { if (e.target.closest(".session-link")) closeSidebarIfNarrow(); });
  for (const b of document.querySelectorAll(".example")) b.addEventListener("click", () => send(b.dataset.prompt));
  document.addEventListener("keydown", onKey);
  window.addEventListener("hashchange", route);

  const memory = new Memory({
    form: $("memory-form"), query: $("memory-query"), results: $("memory-results"), stats: $("memory-stats"),
    note: $("note-view"), notePath: $("note-path"), noteBody: $("note-body"), back: $("back-to-results"),
    toast, opened: openPanel,
  });
  $("open-memory").addEventListener("click", () => { openPanel(); $("memory-query").focus(); });
  $("today-log").addEventListener("click", () => memory.today());
  $("close-panel").addEventListener("click", closePanel);

  loadModels().then(() => selectModel(state.model));
  sidebar.load().catch((err) => toast(err.message));
  route();
}

init();

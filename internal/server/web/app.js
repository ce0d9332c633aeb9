// LocalGPT's chat page: streams replies from POST /api/chat/stream (SSE
// over fetch), lists sessions and searches memory. No dependencies.
"use strict";

const $ = (id) => document.getElementById(id);
const state = { sessionId: "", controller: null };

// api calls the server. The page is logged in by the session cookie the
// server set at /login (HttpOnly: this script never sees a token), so
// there is nothing to ask for; a 401 means the login has expired.
async function api(path, options = {}) {
  const headers = Object.assign({ "Content-Type": "application/json" }, options.headers || {});
  const res = await fetch(path, Object.assign({}, options, { headers, credentials: "same-origin" }));
  if (res.status === 401) {
    throw new Error("Not logged in: run `localgpt daemon login` on this computer and open the link it prints.");
  }
  if (!res.ok) {
    let msg = res.status + " " + res.statusText;
    try { const body = await res.json(); msg = body.error.message; } catch (_) { /* not JSON */ }
    throw new Error(msg);
  }
  return res;
}

function addMessage(role, text) {
  const div = document.createElement("div");
  div.className = "msg " + role;
  div.textContent = text;
  $("messages").appendChild(div);
  $("messages").scrollTop = $("messages").scrollHeight;
  return div;
}

function addTool(parent, text) {
  const div = document.createElement("div");
  div.className = "tool";
  div.textContent = text;
  parent.appendChild(div);
}

// readEvents parses a text/event-stream body, calling onEvent(name, data).
async function readEvents(body, onEvent) {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buf = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buf += decoder.decode(value, { stream: true });
    let end;
    while ((end = buf.indexOf("\n\n")) >= 0) {
      const block = buf.slice(0, end);
      buf = buf.slice(end + 2);
      let name = "message";
      const data = [];
      for (const line of block.split("\n")) {
        if (line.startsWith("event: ")) name = line.slice(7);
        else if (line.startsWith("data: ")) data.push(line.slice(6));
      }
      if (data.length) onEvent(name, JSON.parse(data.join("\n")));
    }
  }
}

async function send(text) {
  addMessage("user", text);
  const reply = addMessage("assistant", "");
  reply.classList.add("streaming");
  const answer = document.createElement("span");
  answer.className = "answer";
  reply.appendChild(answer);
  state.controller = new AbortController();
  $("send").disabled = true;
  $("stop").hidden = false;
  try {
    const body = { message: text };
    if (state.sessionId) body.session_id = state.sessionId;
    const res = await api("/api/chat/stream", { method: "POST", body: JSON.stringify(body), signal: state.controller.signal });
    await readEvents(res.body, (name, data) => {
      if (name === "text") answer.textContent += data.text;
      else if (name === "tool_start") addTool(reply, "⚙ " + data.name + " " + JSON.stringify(data.arguments));
      else if (name === "tool_end" && data.is_error) addTool(reply, "✗ " + data.name + ": " + data.preview);
      else if (name === "done") {
        state.sessionId = data.session_id;
        $("session-label").textContent = "session " + data.session_id;
        reply.dataset.done = "true";
      } else if (name === "error") {
        reply.classList.add("error");
        addTool(reply, data.error.message);
      }
    });
  } catch (err) {
    if (err.name !== "AbortError") { reply.classList.add("error"); addTool(reply, err.message); }
  } finally {
    reply.classList.remove("streaming");
    state.controller = null;
    $("send").disabled = false;
    $("stop").hidden = true;
    loadSessions();
  }
}

async function loadSessions() {
  try {
    const data = await (await api("/api/sessions")).json();
    const list = $("sessions");
    list.textContent = "";
    for (const s of data.sessions) {
      const li = document.createElement("li");
      li.textContent = s.title || s.id;
      li.title = s.id + " · " + s.model + " · " + s.messages + " messages";
      li.dataset.id = s.id;
      if (s.id === state.sessionId) li.className = "active";
      li.onclick = () => openSession(s.id);
      list.appendChild(li);
    }
  } catch (err) { console.error(err); }
}

async function openSession(id) {
  const data = await (await api("/api/sessions/" + encodeURIComponent(id))).json();
  state.sessionId = data.id;
  $("messages").textContent = "";
  $("session-label").textContent = "session " + data.id;
  for (const m of data.messages) {
    if ((m.role === "user" || m.role === "assistant") && m.content) addMessage(m.role, m.content);
  }
  loadSessions();
}

async function search(q) {
  const list = $("search-results");
  list.textContent = "";
  if (!q) return;
  try {
    const data = await (await api("/api/memory/search?q=" + encodeURIComponent(q) + "&limit=10")).json();
    if (!data.results.length) { const li = document.createElement("li"); li.textContent = "No matches."; list.appendChild(li); }
    for (const r of data.results) {
      const li = document.createElement("li");
      const file = document.createElement("div");
      file.className = "file";
      file.textContent = r.file + ":" + r.line_start;
      const snip = document.createElement("div");
      snip.textContent = r.snippet || r.content.slice(0, 200);
      li.append(file, snip);
      list.appendChild(li);
    }
  } catch (err) { const li = document.createElement("li"); li.textContent = err.message; list.appendChild(li); }
}

$("chat-form").addEventListener("submit", (e) => {
  e.preventDefault();
  const text = $("input").value.trim();
  if (!text || state.controller) return;
  $("input").value = "";
  send(text);
});
$("input").addEventListener("keydown", (e) => {
  if (e.key === "Enter" && !e.shiftKey) { e.preventDefault(); $("chat-form").requestSubmit(); }
});
$("stop").onclick = () => state.controller && state.controller.abort();
$("new-chat").onclick = () => { state.sessionId = ""; $("messages").textContent = ""; $("session-label").textContent = ""; loadSessions(); };
$("search-form").addEventListener("submit", (e) => { e.preventDefault(); search($("search-input").value.trim()); });

api("/api/status").then((r) => r.json()).then((s) => { $("model").textContent = s.model; }).catch(() => {});
loadSessions();

// The page's one way to the server: JSON calls and the chat stream. The
// page is logged in by the cookie /login set (HttpOnly: this script never
// sees a token), so a 401 means the login has gone and onLoggedOut shows
// how to log in again.

let onLoggedOut = () => {};

/** whenLoggedOut sets what happens when the server says the login is gone. */
export function whenLoggedOut(fn) { onLoggedOut = fn; }

/** ApiError is a failed call, with the server's status and error code. */
export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/** call fetches path and returns the response, throwing ApiError on failure. */
export async function call(path, { method = "GET", body, signal } = {}) {
  const init = { method, signal, credentials: "same-origin", headers: {} };
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const res = await fetch(path, init);
  if (res.ok) return res;
  let code = "", message = `${res.status} ${res.statusText}`;
  try {
    const e = (await res.json()).error;
    code = e.code;
    message = e.message;
  } catch (_) { /* not JSON */ }
  if (res.status === 401) onLoggedOut();
  throw new ApiError(res.status, code, message);
}

/** json calls path and decodes the answer. */
export async function json(path, options) {
  return (await call(path, options)).json();
}

/**
 * stream posts a chat request to /api/chat/stream and calls
 * onEvent(name, data) for each Server-Sent Event as it arrives.
 */
export async function stream(body, onEvent, signal) {
  const res = await call("/api/chat/stream", { method: "POST", body, signal });
  const reader = res.body.getReader();
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

// The one place the client tests learn where LocalGPT is and how to
// authenticate: internal/server/clients_test.go starts the server and
// passes its address and token. Every client is built from these.
export const url = process.env.LOCALGPT_URL;
export const baseURL = url + "/v1";
export const token = process.env.LOCALGPT_TOKEN;
// headers for clients that take raw headers instead of an API key.
export const headers = { Authorization: `Bearer ${token}` };

// timed runs fn and reports how long it took, for the figures in the
// Go test's log (each test's own deadline is its `timeout` option).
export async function timed(label, fn) {
  const start = performance.now();
  try {
    return await fn();
  } finally {
    const ms = Math.round(performance.now() - start);
    console.log(`timing ${label} ${ms} ms`);
  }
}

// rejectsWithin asserts that promise rejects, and that check(err) holds.
export async function rejectsWith(promise, check) {
  try {
    await promise;
  } catch (err) {
    if (!check(err)) throw new Error("unexpected error: " + (err?.stack ?? err));
    return err;
  }
  throw new Error("the call succeeded; it should have failed");
}

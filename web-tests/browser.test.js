// Headless Chromium (Debian's /usr/bin/chromium, driven by
// playwright-core) on LocalGPT's web page, served by
// internal/server/clients_test.go with a fake provider that answers
// slowly, in many small pieces.
import { test } from "node:test";
import assert from "node:assert/strict";
import { chromium } from "playwright-core";

const url = process.env.LOCALGPT_URL;
const executablePath = process.env.CHROMIUM || "/usr/bin/chromium";

test("web chat page", async (t) => {
  const browser = await chromium.launch({
    executablePath,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
      "--disable-component-update", "--disable-sync", "--no-first-run"],
  });
  t.after(() => browser.close());
  const context = await browser.newContext();
  // Offline but for the server itself: the page needs nothing else.
  const outside = [];
  await context.route("**/*", (route) => {
    const u = route.request().url();
    if (u.startsWith(url)) return route.continue();
    outside.push(u);
    return route.abort();
  });
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  // Before the login the page itself is refused (401), which Chromium
  // logs; after it, no error at all is expected.
  let loggedIn = false;
  page.on("console", (m) => { if (m.type() === "error" && (loggedIn || !/status of 401/.test(m.text()))) errors.push(m.text()); });
  // The page never asks for anything: it is logged in by its cookie.
  page.on("dialog", (d) => { errors.push("dialog: " + d.message()); d.dismiss(); });

  await t.test("the page needs a login", async () => {
    const res = await page.goto(url + "/");
    assert.equal(res.status(), 401);
    assert.match(await page.textContent("body"), /localgpt daemon login/);
  });

  await t.test("the one-time login link opens the page", async () => {
    const res = await page.goto(process.env.LOCALGPT_LOGIN);
    assert.equal(res.status(), 200);
    assert.equal(page.url(), url + "/");
    const cookies = await context.cookies();
    assert.equal(cookies.length, 1);
    assert.equal(cookies[0].httpOnly, true);
    assert.equal(cookies[0].sameSite, "Strict");
    assert.equal(await page.evaluate(() => document.cookie), "", "the script can read the cookie");
    loggedIn = true;
  });

  await t.test("sends a message and sees the reply stream in", async () => {
    await page.fill("#input", "Tell me about the web page");
    await page.press("#input", "Enter");
    await page.waitForSelector(".msg.user");
    assert.equal(await page.textContent(".msg.user"), "Tell me about the web page");
    // Part of the answer is shown before the stream is done.
    await page.waitForFunction(() => {
      const a = document.querySelector(".msg.assistant .answer");
      return a && a.textContent.length > 0 && !a.parentElement.dataset.done;
    });
    const partial = await page.textContent(".msg.assistant .answer");
    await page.waitForSelector(".msg.assistant[data-done=true]", { timeout: 30000 });
    const full = await page.textContent(".msg.assistant .answer");
    assert.equal(full, "This reply was streamed to the page piece by piece.");
    assert.ok(partial.length < full.length, `partial ${JSON.stringify(partial)}`);
    assert.match(await page.textContent("#session-label"), /session \d{8}-/);
  });

  await t.test("lists the session", async () => {
    await page.waitForSelector("#sessions li");
    assert.equal(await page.locator("#sessions li").count(), 1);
    assert.match(await page.textContent("#sessions li"), /Tell me about the web page/);
  });

  await t.test("searches memory", async () => {
    await page.fill("#search-input", "zebra");
    await page.press("#search-input", "Enter");
    await page.waitForSelector("#search-results .file");
    assert.match(await page.textContent("#search-results"), /notes\/animals\.md/);
  });

  await t.test("continues the session after a reload", async () => {
    await page.reload();
    await page.click("#sessions li");
    await page.waitForSelector(".msg.assistant");
    await page.fill("#input", "And again");
    await page.press("#input", "Enter");
    await page.waitForFunction(() => document.querySelectorAll(".msg.assistant[data-done=true]").length === 1 &&
      document.querySelectorAll(".msg.assistant").length === 2);
    assert.equal(await page.locator("#sessions li").count(), 1);
  });

  await t.test("the login link works once", async () => {
    const other = await browser.newContext();
    const p2 = await other.newPage();
    const res = await p2.goto(process.env.LOCALGPT_LOGIN);
    assert.equal(res.status(), 401);
    assert.match(await p2.textContent("body"), /expired or was already used/);
    await other.close();
  });

  assert.deepEqual(errors, []);
  assert.deepEqual(outside, []);
});

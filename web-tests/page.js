// Helpers of the web page's browser tests: Debian's Chromium driven by
// playwright-core, kept offline (any request that is not to LocalGPT is
// refused and recorded), logged in once with the one-time link
// internal/server/web_test.go made, with every page error, console error
// and dialog recorded, screenshots saved to LOCALGPT_SCREENSHOTS and
// axe-core run inside the page.
import { chromium } from "playwright-core";
import { readFileSync, mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import assert from "node:assert/strict";

export const url = process.env.LOCALGPT_URL;
export const shots = process.env.LOCALGPT_SCREENSHOTS;

/** The two sizes every feature is tested at. */
export const viewports = [
  { name: "desktop", width: 1280, height: 800 },
  { name: "phone", width: 390, height: 844 },
];

export async function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
      "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"],
  });
}

/**
 * Session is one browser context at one size: its page, and what went
 * wrong in it (errors), and what it tried to reach outside LocalGPT.
 */
export async function open(browser, { viewport, colorScheme = "light", storageState } = {}) {
  const context = await browser.newContext({
    viewport: { width: viewport.width, height: viewport.height },
    deviceScaleFactor: 1, colorScheme, storageState, reducedMotion: "reduce",
    permissions: ["clipboard-read", "clipboard-write"],
  });
  const outside = [];
  await context.route("**/*", (route) => {
    const u = route.request().url();
    if (u.startsWith(url)) return route.continue();
    outside.push(u);
    return route.abort();
  });
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push("page error: " + e.message));
  page.on("console", (m) => { if (m.type() === "error") errors.push("console: " + m.text()); });
  // The page never asks anything in a browser dialog (prompt, confirm).
  page.on("dialog", (d) => { errors.push("dialog: " + d.message()); d.dismiss(); });
  return { context, page, errors, outside, viewport };
}

/** login opens the one-time link in s and keeps the cookie it sets. */
export async function login(s) {
  const res = await s.page.goto(process.env.LOCALGPT_LOGIN);
  assert.equal(res.status(), 200);
  assert.equal(s.page.url(), url + "/");
  return s.context.storageState();
}

/** shot saves a screenshot of the page as NAME.png in the screenshots folder. */
export async function shot(s, name) {
  mkdirSync(shots, { recursive: true });
  await s.page.screenshot({ path: `${shots}/${s.viewport.name}-${name}.png` });
}

const axeSource = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

/**
 * axe runs axe-core on the page as it is and fails on any serious or
 * critical violation. axe is evaluated through the DevTools protocol,
 * which the page's CSP does not govern; the page itself stays strict.
 */
export async function axe(s, what) {
  await s.page.evaluate(axeSource + "\n;0");
  const violations = await s.page.evaluate(async () => {
    const r = await window.axe.run(document, { resultTypes: ["violations"] });
    return r.violations.filter((v) => v.impact === "serious" || v.impact === "critical")
      .map((v) => `${v.id} (${v.impact}): ${v.help}: ${v.nodes.map((n) => n.target.join(" ")).slice(0, 5).join(", ")}`);
  });
  assert.deepEqual(violations, [], `axe on ${s.viewport.name} ${what}`);
}

/** send types a message and sends it with Enter. */
export async function send(page, text) {
  await page.fill("#input", text);
  await page.press("#input", "Enter");
}

/** lastTurnDone waits until the last turn's answer has ended. */
export async function lastTurnDone(page, timeout = 20000) {
  await page.waitForFunction(() => {
    const turns = document.querySelectorAll(".turn");
    const last = turns[turns.length - 1];
    return last && !last.querySelector(".msg.assistant[aria-busy]") && last.querySelector(".meta").childElementCount > 0;
  }, null, { timeout });
}

/** partsOf describes the last turn's answer: "text:…" and "tool:NAME" in order. */
export async function partsOf(page) {
  return page.evaluate(() => {
    const turns = document.querySelectorAll(".turn");
    const parts = turns[turns.length - 1].querySelector(".parts").children;
    return Array.from(parts).map((p) => p.classList.contains("tool")
      ? "tool:" + p.querySelector(".tool-name").textContent
      : "text:" + p.textContent.replace(/\s+/g, " ").trim());
  });
}

/** openSidebar shows the sidebar on a phone (on a desktop it is open). */
export async function openSidebar(s) {
  if (s.viewport.name === "phone" && (await s.page.$("#sidebar[inert]"))) {
    await s.page.click("#toggle-sidebar");
    await s.page.waitForSelector("#sidebar:not([inert])");
  }
}

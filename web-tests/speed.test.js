// The page's speed, measured in Chromium against a warm server (it has
// answered before): first paint of a fresh tab (browser cache cold) and of
// a reload (cache warm: 304s), opening a session of 500 messages, and how
// long each keystroke takes to show while an answer streams in. The
// figures are printed as "timing …" lines (the Go test logs them; they
// are written down in docs/benchmarks.md); the test asserts that the page
// works, never how fast: timing bounds fail on a loaded machine.
//
// Wall-clock times on a machine shared with other work measure the
// machine as much as the page, so each is also taken as CPU time of the
// page's main thread from a Chromium trace (the thread time of each
// task): what the page itself costs, whatever else runs.
import { test } from "node:test";
import assert from "node:assert/strict";
import { url, viewports, launch, open, login, send } from "./page.js";

const runs = 7;

function stats(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return { median: s[Math.floor(s.length / 2)], max: s[s.length - 1], min: s[0] };
}

function report(label, xs) {
  const { median, min, max } = stats(xs);
  console.log(`timing ${label} median ${median.toFixed(1)} ms (min ${min.toFixed(1)}, max ${max.toFixed(1)}, ${xs.length} runs)`);
}

/**
 * traced runs fn while Chromium traces, and returns fn's result and the
 * tasks of the one page's main thread: { ts, cpu } in ms of the trace
 * clock and of thread time, and the trace clock of its first contentful
 * paint (Infinity if none). Only one page may be open: its renderer is
 * the one that painted, or else the one that worked. Thread time where
 * Chromium gives it, else wall.
 */
async function traced(browser, page, fn) {
  await browser.startTracing(page, { categories: ["toplevel", "loading"] });
  const result = await fn();
  const events = JSON.parse((await browser.stopTracing()).toString()).traceEvents;
  const mains = new Set(events.filter((e) => e.ph === "M" && e.name === "thread_name" && e.args.name === "CrRendererMain").map((e) => `${e.pid}/${e.tid}`));
  const byThread = new Map();
  for (const e of events) {
    const key = `${e.pid}/${e.tid}`;
    if (e.ph !== "X" || e.name !== "ThreadControllerImpl::RunTask" || !mains.has(key)) continue;
    if (!byThread.has(key)) byThread.set(key, []);
    byThread.get(key).push({ ts: e.ts / 1000, cpu: (e.tdur ?? e.dur) / 1000 });
  }
  // The renderer that painted, or else the one that worked most.
  const fcp = events.find((e) => e.name === "firstContentfulPaint");
  let tasks = [];
  for (const [key, list] of byThread) {
    if (fcp ? key.startsWith(fcp.pid + "/") : sum(list.map((x) => x.cpu)) > sum(tasks.map((x) => x.cpu))) tasks = list;
  }
  return { result, tasks, fcp: fcp ? fcp.ts / 1000 : Infinity };
}

const sum = (xs) => xs.reduce((a, b) => a + b, 0);

test("speed", async (t) => {
  const browser = await launch();
  t.after(() => browser.close());
  const viewport = viewports[0];
  const first = await open(browser, { viewport });
  const storageState = await login(first);
  await first.page.waitForSelector("#sessions li");
  await first.context.close();
  const longId = process.env.LOCALGPT_LONG_SESSION;

  await t.test("first paint", async () => {
    const fresh = [], reload = [], cpu = [], blank = [];
    for (let i = 0; i < runs; i++) {
      const s = await open(browser, { viewport, storageState });
      const { tasks, fcp } = await traced(browser, s.page, async () => {
        await s.page.goto(url + "/");
        await s.page.waitForSelector("#sessions li");
      });
      // Everything the new tab's renderer did before it painted, its
      // start included.
      assert.ok(Number.isFinite(fcp), "the trace has no first contentful paint");
      cpu.push(sum(tasks.filter((x) => x.ts < fcp).map((x) => x.cpu)));
      fresh.push(await s.page.evaluate(() => performance.getEntriesByName("first-contentful-paint")[0].startTime));
      await s.page.reload();
      await s.page.waitForSelector("#sessions li");
      reload.push(await s.page.evaluate(() => performance.getEntriesByName("first-contentful-paint")[0].startTime));
      assert.deepEqual(s.errors, []);
      await s.context.close();
      // The same for a new tab showing a plain text file: what any page
      // costs the renderer before it paints.
      const b = await open(browser, { viewport, storageState });
      const base = await traced(browser, b.page, async () => {
        await b.page.goto(url + "/static/vendor/LICENSES.txt");
        await b.page.waitForFunction(() => performance.getEntriesByName("first-contentful-paint").length);
      });
      assert.ok(Number.isFinite(base.fcp), "the text file's trace has no first contentful paint");
      blank.push(sum(base.tasks.filter((x) => x.ts < base.fcp).map((x) => x.cpu)));
      await b.context.close();
    }
    report("first contentful paint, new tab", fresh);
    report("first contentful paint, reload", reload);
    report("first contentful paint, new tab: main-thread CPU before it", cpu);
    report("first contentful paint, new tab of a text file: main-thread CPU before it", blank);
  });

  await t.test("a session of 500 messages opens", async () => {
    const s = await open(browser, { viewport, storageState });
    const { page } = s;
    await page.goto(url + "/");
    await page.waitForSelector(`li[data-id="${longId}"]`);
    const times = [];
    for (let i = 0; i < runs; i++) {
      await page.keyboard.press("Control+Shift+O");
      await page.waitForSelector("#welcome:not([hidden])");
      // From the click to the frame after the whole conversation is in
      // the page, scrolled to its end.
      const ms = await page.evaluate((id) => new Promise((resolve) => {
        const link = document.querySelector(`li[data-id="${id}"] .session-link`);
        const start = performance.now();
        const poll = () => {
          const turns = document.querySelectorAll(".turn").length;
          if (turns === 250 && document.querySelector(".turn:last-of-type .md")) {
            requestAnimationFrame(() => setTimeout(() => resolve(performance.now() - start)));
          } else requestAnimationFrame(poll);
        };
        link.click();
        requestAnimationFrame(poll);
      }), longId);
      times.push(ms);
      assert.equal(await page.locator(".turn").count(), 250);
      assert.match(await page.textContent(".turn:last-of-type .md"), /Step 249/);
      const atEnd = await page.evaluate(() => { const sc = document.getElementById("scroller"); return sc.scrollHeight - sc.scrollTop - sc.clientHeight; });
      assert.ok(atEnd < 5, `the conversation did not open at its end (${atEnd} px left)`);
    }
    report("open a session of 500 messages", times);
    const app = await page.evaluate(() => performance.getEntriesByName("session-opened").map((e) => e.duration));
    report("open a session of 500 messages, in the page (fetch + render)", app);
    const cpu = [];
    for (let i = 0; i < 3; i++) {
      await page.keyboard.press("Control+Shift+O");
      await page.waitForSelector("#welcome:not([hidden])");
      const { tasks } = await traced(browser, page, async () => {
        await page.click(`li[data-id="${longId}"] .session-link`);
        await page.waitForFunction(() => document.querySelectorAll(".turn").length === 250 && document.querySelector(".turn:last-of-type .md"));
      });
      cpu.push(sum(tasks.map((x) => x.cpu)));
    }
    report("open a session of 500 messages: main-thread CPU", cpu);
    assert.deepEqual(s.errors, []);
    await s.context.close();
  });

  await t.test("typing while an answer streams", async () => {
    const s = await open(browser, { viewport, storageState });
    const { page } = s;
    await page.goto(url + "/#/s/" + longId);
    await page.waitForSelector(".turn");
    await page.evaluate(() => {
      // Each keystroke: from the event to the frame that shows it.
      window.keyLatency = [];
      document.getElementById("input").addEventListener("keydown", (e) => {
        const t0 = e.timeStamp;
        requestAnimationFrame(() => setTimeout(() => window.keyLatency.push(performance.now() - t0)));
      });
      // And what Chromium's Event Timing saw (events of 16 ms or more).
      window.slowEvents = [];
      new PerformanceObserver((list) => {
        for (const e of list.getEntries()) if (/^key|^input|^beforeinput/.test(e.name)) window.slowEvents.push(e.duration);
      }).observe({ type: "event", durationThreshold: 16, buffered: true });
    });
    await send(page, "Tell me a very long story [endless]");
    await page.waitForSelector(".turn:last-of-type .msg.assistant[aria-busy] .md");
    const typed = "While it streams I keep typing my next question, and every letter should show at once.";
    const { tasks, result: wall } = await traced(browser, page, async () => {
      const start = Date.now();
      await page.type("#input", typed, { delay: 25 });
      return Date.now() - start;
    });
    const streaming = await page.evaluate(() => !!document.querySelector(".msg.assistant[aria-busy]"));
    assert.equal(streaming, true, "the answer ended before the typing did");
    assert.equal(await page.inputValue("#input"), typed);
    const lat = await page.evaluate(() => window.keyLatency);
    const slow = await page.evaluate(() => window.slowEvents);
    report("keystroke to next frame while streaming", lat);
    // Event Timing's duration runs to the next paint, so 16 ms is one
    // frame; 50 ms is where a delay starts to be felt.
    console.log(`timing Event Timing while streaming: ${slow.filter((d) => d > 50).length} key and input events over 50 ms ` +
      `(${lat.length} keystrokes), the longest ${slow.length ? Math.max(...slow) : 0} ms`);
    // What the page itself spent: its main thread's CPU over the typing,
    // and its longest task (a keystroke waits at most that long for it).
    const busy = sum(tasks.map((x) => x.cpu));
    console.log(`timing main thread while streaming and typing: ${busy.toFixed(0)} ms CPU in ${wall} ms (${(100 * busy / wall).toFixed(0)}% of a core), ` +
      `the longest task ${Math.max(...tasks.map((x) => x.cpu)).toFixed(1)} ms CPU, ${tasks.filter((x) => x.cpu > 16).length} tasks over 16 ms`);
    await page.keyboard.press("Escape");
    await page.waitForSelector(".turn:last-of-type .status.cancelled");
    assert.deepEqual(s.errors, []);
    await s.context.close();
  });
});

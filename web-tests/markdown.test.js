// Model output in the page: the attack corpus of internal/server/web_test.go
// (script tags, javascript: and data: links, event attributes, SVG,
// iframes, forms, styles, a tracking image, mXSS) streamed in, in a title
// and after a reload, must not run, load or send anything, nor dress up
// as the page; HTML shows as the text it is. So must markup in tool names,
// arguments and results, and in a note opened from the memory panel. At
// both sizes.
import { test } from "node:test";
import assert from "node:assert/strict";
import { url, viewports, launch, open, login, shot, send, lastTurnDone, openSidebar } from "./page.js";

// What rendered markdown may contain: marked's own tags and the page's
// code blocks, and nothing else.
const allowed = ["P", "A", "STRONG", "EM", "DEL", "CODE", "PRE", "BLOCKQUOTE", "UL", "OL", "LI", "H1", "H2",
  "H3", "H4", "H5", "H6", "HR", "BR", "TABLE", "THEAD", "TBODY", "TR", "TH", "TD", "SPAN", "DIV", "BUTTON"];

/** audit lists what should not be in the rendered answers (run in the page). */
function audit(tags) {
  const allowed = new Set(tags);
  const bad = [];
  for (const e of document.querySelectorAll(".md *")) {
    if (!allowed.has(e.tagName)) bad.push("tag " + e.tagName);
    for (const a of e.attributes) {
      if (/^on/i.test(a.name) || a.name === "style" || a.name === "srcdoc" || a.name === "src") bad.push(`${e.tagName} ${a.name}=${a.value}`);
    }
    if (e.tagName === "A" && e.hasAttribute("href") && !/^(https?:|mailto:)/i.test(e.getAttribute("href"))) bad.push("href " + e.getAttribute("href"));
    if (e.tagName === "BUTTON" && !e.classList.contains("copy-code")) bad.push("a button of the model's");
    // The page's classes, and highlight.js's inside code (a language
    // embedded in another is a span.language-NAME).
    const inCode = !!e.closest("pre code");
    for (const c of e.classList) {
      if (!/^(code-block|code-head|code-lang|copy-code|table-wrap|hljs)$/.test(c) && !(inCode && /^(hljs-[\w-]+|language-[\w-]+|[\w-]+_)$/.test(c))) bad.push("class " + c);
    }
  }
  return bad;
}

test("model output cannot run, load or send anything", async (t) => {
  const browser = await launch();
  t.after(() => browser.close());
  let storageState;
  for (const viewport of viewports) {
    await t.test(viewport.name, async () => {
      const s = await open(browser, { viewport, storageState });
      const { page } = s;
      if (!storageState) storageState = await login(s);
      else await page.goto(url + "/");
      await page.waitForSelector("#welcome:not([hidden])");

      const title = `<img src=x onerror="window.pwned='title'"> [xss] ${viewport.name}`;
      await send(page, title);
      await lastTurnDone(page);
      const check = async (where) => {
        assert.equal(await page.evaluate(() => window.pwned), undefined, `something ran (${where})`);
        assert.deepEqual(await page.evaluate(audit, allowed), [], where);
        const text = await page.textContent(".turn:last-of-type .md");
        assert.ok(text.includes(`<script>window.pwned = "script tag"</script>`), "HTML shows as text");
        assert.ok(text.includes("End of the corpus."), "the corpus was cut short");
        await page.waitForFunction((t) => document.querySelector("#chat-title").textContent === t, title);
        assert.equal(await page.locator("#login-needed:not([hidden])").count(), 0);
      };
      await check("streamed");
      // Use it as a reader would: hover, click what looks clickable.
      await page.hover(".turn:last-of-type .md >> text=hover here");
      for (const text of ["click me (javascript:)", "data link", "mixed case", "Send", "open me"]) {
        const target = page.locator(".turn:last-of-type .md", { hasText: text }).getByText(text, { exact: false }).first();
        if (await target.count()) await target.click({ force: true });
      }
      assert.equal(page.url().startsWith(url + "/#/s/"), true, "a click navigated the page away");
      await check("clicked");
      await shot(s, "attacks");
      await page.reload();
      await lastTurnDone(page);
      await check("reloaded");
      // The tracking image is a link, never fetched.
      const pixel = page.locator(".turn:last-of-type .md a", { hasText: "Image: tracking pixel" });
      assert.equal(await pixel.getAttribute("href"), "https://evil.example/pixel.png?memory=secret");
      // Tool names, arguments and results, and a note in the memory panel,
      // carrying markup: shown as the text they are, nothing runs.
      const foreign = () => document.querySelectorAll("img:not([src='/static/favicon.svg']), script:not([src]), b").length;
      await send(page, `[xss-tools] read the hostile note ${viewport.name}`);
      await lastTurnDone(page);
      assert.equal(await page.evaluate(() => window.pwned), undefined, "something ran (tools)");
      assert.equal(await page.evaluate(foreign), 0, "markup from a tool became elements");
      const tools = await page.textContent(".turn:last-of-type .parts");
      assert.ok(tools.includes(`<img src=x onerror="window.pwned='tool name'">`), "the tool's name shows as text");
      await openSidebar(s);
      await page.click("#open-memory");
      await page.waitForSelector("#memory-panel:not([hidden])");
      await page.fill("#memory-query", "okapixss");
      await page.press("#memory-query", "Enter");
      await page.waitForSelector(".hit >> text=notes/hostile.md");
      await page.click(".hit >> text=notes/hostile.md");
      await page.waitForSelector("#note-view:not([hidden])");
      assert.ok((await page.textContent("#note-body")).includes(`<script>window.pwned='note script'</script>`), "the note shows as text");
      assert.equal(await page.evaluate(() => window.pwned), undefined, "something ran (memory panel)");
      assert.equal(await page.evaluate(foreign), 0, "markup from a note became elements");
      assert.deepEqual(s.errors, []);
      assert.deepEqual(s.outside, [], "a request left for another site");
      await s.context.close();
    });
  }
});

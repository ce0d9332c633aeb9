// The web page in headless Chromium at a desktop and a phone size, against
// the server of internal/server/web_test.go, whose scripted model answers
// from tags in the message ([tools], [md], [slow], [fail]; see there).
// Every feature of the page is used as a person would, with screenshots
// along the way (docs/web.md says what each shows) and axe-core on each
// state; no page error, console error, dialog or request outside
// LocalGPT is allowed.
import { test } from "node:test";
import assert from "node:assert/strict";
import { url, viewports, launch, open, login, shot, axe, send, lastTurnDone, partsOf, openSidebar } from "./page.js";

const lastTurn = ".turn:last-of-type";

test("web chat page", async (t) => {
  const browser = await launch();
  t.after(() => browser.close());
  let storageState;

  await t.test("login: the page says how, the link logs in once, with an HttpOnly cookie", async () => {
    const s = await open(browser, { viewport: viewports[0] });
    const res = await s.page.goto(url + "/");
    assert.equal(res.status(), 401);
    assert.match(await s.page.textContent("body"), /Run localgpt daemon login on this computer and open the link it prints/);
    await shot(s, "login-needed");
    storageState = await login(s);
    const cookies = await s.context.cookies();
    assert.equal(cookies.length, 1);
    assert.equal(cookies[0].httpOnly, true);
    assert.equal(cookies[0].sameSite, "Strict");
    assert.equal(await s.page.evaluate(() => document.cookie), "", "the script can read the cookie");
    // Logged in once is logged in: a reload asks for nothing.
    await s.page.reload();
    await s.page.waitForSelector("#welcome:not([hidden])");
    const other = await open(browser, { viewport: viewports[0] });
    const r2 = await other.page.goto(process.env.LOCALGPT_LOGIN);
    assert.equal(r2.status(), 401);
    assert.match(await other.page.textContent("body"), /expired or was already used/);
    await other.context.close();
    // Chromium logs the 401s of the pages above; nothing else.
    assert.deepEqual(s.errors.filter((e) => !/status of 401/.test(e)), []);
    await s.context.close();
  });

  for (const viewport of viewports) {
    await t.test(viewport.name, async (t) => {
      const s = await open(browser, { viewport, storageState });
      const { page } = s;
      const phone = viewport.name === "phone";
      // Each size deletes a chat of its own from long ago.
      const oldChat = phone ? "Old notes about the bike" : "Old notes about the boat";
      await page.goto(url + "/");
      await page.waitForSelector("#sessions li");

      await t.test("welcome screen, favicon, layout", async () => {
        assert.equal(await page.isVisible("#welcome"), true);
        assert.equal(await page.locator(".example").count(), 3);
        // Asked for with the page's cookie (Playwright's routing gets in the
        // way of the page's own fetch of /favicon.ico).
        const icon = await s.context.request.get(url + "/favicon.ico");
        assert.equal(icon.status(), 200);
        assert.equal(icon.headers()["content-type"], "image/x-icon");
        assert.ok((await icon.body()).length > 100);
        assert.equal(await page.getAttribute("link[rel=icon]", "href"), "/static/favicon.svg");
        const side = await page.locator("#sidebar").boundingBox();
        if (phone) {
          assert.ok(side.x + side.width <= 0, "the sidebar is out of the way on a phone");
          assert.equal(await page.getAttribute("#sidebar", "inert"), "");
        } else {
          assert.equal(side.x, 0);
          assert.ok(side.width <= 280);
        }
        assert.ok(await page.evaluate(() => document.scrollingElement.scrollWidth <= innerWidth), "the page scrolls sideways");
        await shot(s, "welcome");
        await axe(s, "welcome");
      });

      await t.test("an example prompt streams in, with its usage; the chat is listed under Today", async () => {
        await page.click(".example >> nth=0");
        await page.waitForSelector(".msg.user");
        assert.match(await page.textContent(`${lastTurn} .bubble`), /^What did I note this week\?/);
        // Part of the answer shows before the stream is done.
        await lastTurnDone(page);
        assert.match(await page.textContent(`${lastTurn} .md`), /^You said: What did I note this week\?/);
        assert.match(await page.textContent(`${lastTurn} .meta`), /120 in · 20 out tokens · openai\/gpt-4o-mini/);
        assert.match(page.url(), /#\/s\/\d{8}-\d{6}-[0-9a-f]{4}$/);
        await openSidebar(s);
        await page.waitForSelector(".group-title >> text=Today");
        const groups = await page.locator(".group-title").allTextContents();
        assert.equal(groups[0], "Today");
        assert.match(groups[groups.length - 1], /January.*2025/);
        assert.match(await page.textContent("li.session.active"), /What did I note this week\?/);
        if (phone) {
          await shot(s, "sidebar");
          await axe(s, "sidebar open");
          await page.click("li.session.active .session-link");
          await page.waitForSelector("#sidebar[inert]", { state: "attached" });
        }
      });

      let toolChat = "";
      await t.test("tool calls show in the order they ran, collapsible, also after a reload", async () => {
        await page.keyboard.press("Control+Shift+O");
        await page.waitForSelector("#welcome:not([hidden])");
        if (!phone) assert.equal(await page.evaluate(() => document.activeElement.id), "input");
        await send(page, "Where are the zebras? [tools]");
        await lastTurnDone(page);
        const order = ["text:First I search your notes.", "tool:memory_search", "text:Now I read the note it found.",
          "tool:read_file", "text:The zebra has stripes, says notes/animals.md. To find the others: shCopygrep -rn --include='*.md' zebra ~/.localgpt/workspace"];
        assert.deepEqual(await partsOf(page), order);
        assert.equal(await page.locator(`${lastTurn} details.tool[open]`).count(), 0);
        await page.click(`${lastTurn} details.tool >> nth=0 >> summary`);
        await page.waitForSelector(`${lastTurn} details.tool[open] .tool-body pre`);
        const body = page.locator(`${lastTurn} details.tool >> nth=0 >> .tool-body`);
        assert.match(await body.textContent(), /Arguments\{\s+"query": "zebra"\s+\}Result/);
        // Once the answer is done, the whole result replaces the streamed start.
        await page.waitForFunction(() => /^Result1\. notes\/animals\.md:1-3/.test(
          document.querySelector(".turn:last-of-type details.tool .tool-body").textContent.split("}").pop()));
        assert.equal(await page.locator(`${lastTurn} details.tool[open]`).count(), 1, "an open call stays open");
        await shot(s, "tools");
        toolChat = page.url();
        await axe(s, "tool calls");
        await page.reload();
        await lastTurnDone(page);
        assert.deepEqual(await partsOf(page), order);
        await page.click(`${lastTurn} details.tool >> nth=1 >> summary`);
        await page.waitForSelector(`${lastTurn} details.tool[open] .tool-body pre`);
        assert.match(await page.textContent(`${lastTurn} details.tool >> nth=1 >> .tool-body`), /The zebra has stripes\./);
        assert.match(await page.textContent(`${lastTurn} details.tool >> nth=1 >> .tool-state`), /^done/);
      });

      await t.test("markdown: table, lists, task list, link, highlighted code with a copy button", async () => {
        await send(page, "Plan the garden [md]");
        await lastTurnDone(page);
        const md = `${lastTurn} .md`;
        // Streamed without flicker: the answer the model wrote, fed to the
        // page's renderer 7 characters at a time as the stream brought it,
        // replaces at most the last two blocks it shows at each step (the
        // one growing, and the one before when the new text joins it);
        // the others stay the same nodes (a selection in them survives).
        const redrawn = await page.evaluate(async () => {
          const id = location.hash.split("/")[2];
          const view = await (await fetch("/api/sessions/" + id)).json();
          const text = view.messages.filter((m) => m.role === "assistant").pop().content;
          const { renderInto } = await import("/static/markdown.js");
          const el = document.createElement("div");
          const bad = [];
          for (let n = 7; n < text.length + 7; n += 7) {
            const before = Array.from(el.children);
            renderInto(el, text.slice(0, n));
            const gone = before.filter((x) => x.parentNode !== el).length;
            if (gone > 2) bad.push(`${gone} of ${before.length} blocks redrawn at ${n} characters`);
          }
          return bad;
        });
        assert.deepEqual(redrawn, []);
        assert.deepEqual(await page.locator(`${md} th`).allTextContents(), ["Plant", "Month", "Water"]);
        assert.equal(await page.locator(`${md} ol > li`).count(), 2);
        assert.deepEqual(await page.locator(`${md} [role=img]`).evaluateAll((e) => e.map((x) => x.getAttribute("aria-label"))), ["done", "to do"]);
        const link = page.locator(`${md} a`, { hasText: "the RHS guide" });
        assert.equal(await link.getAttribute("target"), "_blank");
        assert.equal(await link.getAttribute("rel"), "noopener noreferrer nofollow");
        assert.deepEqual(await page.locator(`${md} .code-lang`).allTextContents(), ["python", "go"]);
        assert.equal(await page.textContent(`${md} .code-block >> nth=0 >> .hljs-keyword >> nth=0`), "def");
        await page.click(`${md} .copy-code >> nth=0`);
        await page.waitForSelector("#toast.show");
        assert.equal(await page.evaluate(() => navigator.clipboard.readText()),
          'def water(plant, litres=2):\n    """Water a plant."""\n    return f"{plant}: {litres} l"');
        await shot(s, "markdown");
        await axe(s, "markdown");
      });

      await t.test("Esc stops an answer: kept and marked Stopped, also after a reload", async () => {
        await send(page, "Tell me a long story [slow]");
        await page.waitForFunction(() => {
          const t = document.querySelector(".turn:last-of-type .msg.assistant[aria-busy] .md");
          return t && t.textContent.length > 40;
        });
        assert.equal(await page.isVisible("#stop"), true);
        await page.keyboard.press("Escape");
        await page.waitForSelector(`${lastTurn} .status.cancelled`);
        assert.equal(await page.isVisible("#send"), true);
        const shown = await page.textContent(`${lastTurn} .md`);
        assert.ok(shown.startsWith("The quick brown fox") && shown.length < 2000, shown);
        await page.reload();
        await page.waitForSelector(`${lastTurn} .status.cancelled`);
        assert.equal(await page.textContent(`${lastTurn} .status`), "Stopped");
        assert.match(await page.textContent(`${lastTurn} .md`), /^The quick brown fox/);
        await shot(s, "stopped");
      });

      await t.test("a failed answer is marked with why and kept, also after a reload", async () => {
        await send(page, "Try this [fail]");
        await page.waitForSelector(`${lastTurn} .status.failed`);
        assert.match(await page.textContent(`${lastTurn} .status`), /^Failed: .*the provider fell over/);
        assert.equal((await page.textContent(`${lastTurn} .md`)).trim(), "This answer starts well");
        await page.reload();
        await page.waitForSelector(`${lastTurn} .status.failed`);
        assert.equal((await page.textContent(`${lastTurn} .md`)).trim(), "This answer starts well");
        await shot(s, "failed");
        await axe(s, "failed answer");
      });

      await t.test("edit and resend the last message, then regenerate its answer", async () => {
        const turns = await page.locator(".turn").count();
        // Only the last turn offers them.
        assert.equal(await page.locator('[data-action="edit"]').count(), 1);
        assert.equal(await page.locator('[data-action="regenerate"]').count(), 1);
        await page.click(`${lastTurn} [data-action="edit"]`);
        await page.fill(".edit-area", "Was it the weather? [edited]");
        await page.press(".edit-area", "Enter");
        await lastTurnDone(page);
        assert.equal(await page.locator(".turn").count(), turns);
        assert.equal((await page.textContent(`${lastTurn} .md`)).trim(), "You said: Was it the weather? [edited]");
        await page.click(`${lastTurn} [data-action="regenerate"]`);
        await page.waitForSelector(`${lastTurn} .msg.assistant[aria-busy]`, { state: "detached" });
        await lastTurnDone(page);
        assert.equal(await page.locator(".turn").count(), turns);
        assert.equal((await page.textContent(`${lastTurn} .md`)).trim(), "You said: Was it the weather? [edited]");
        await page.reload();
        await lastTurnDone(page);
        assert.equal(await page.locator(".turn").count(), turns, "the replaced turns are gone after a reload");
        assert.equal(await page.textContent(`${lastTurn} .bubble`), "Was it the weather? [edited]");
        assert.equal(await page.locator(".status.failed").count(), 0);
      });

      await t.test("rename, search and delete chats", async () => {
        await openSidebar(s);
        await page.hover("li.session.active");
        await page.click("li.session.active button[aria-label^=Rename]");
        await page.fill("li.session.active .rename-input", `Zebra research ${viewport.name}`);
        await page.press("li.session.active .rename-input", "Enter");
        await page.waitForSelector(`li.session.active >> text=Zebra research ${viewport.name}`);
        assert.equal(await page.textContent("#chat-title"), `Zebra research ${viewport.name}`);
        await page.reload();
        await page.waitForSelector(`li.session >> text=Zebra research ${viewport.name}`);
        assert.equal(await page.textContent("#chat-title"), `Zebra research ${viewport.name}`);

        await openSidebar(s);
        await page.fill("#session-search", "stripes");
        await page.waitForSelector(".hit-line");
        assert.match(await page.textContent("#sessions"), new RegExp(`Zebra research ${viewport.name}.*stripes`));
        await shot(s, "search");
        // A result opens its chat at the message.
        const chat = page.url();
        await page.click(".hit-line >> nth=0");
        await page.waitForSelector(".turn.flash");
        assert.match(page.url(), new RegExp(chat.split("#")[1].replace(/[/]/g, "\\/") + "\\/\\d+$"));
        await openSidebar(s);
        await page.fill("#session-search", oldChat.split(" ").pop());
        await page.waitForSelector(`li.session >> text=${oldChat}`);
        assert.match(await page.textContent("#sessions"), /in the title/);
        await page.click("#session-search");
        await page.keyboard.press("Escape");
        await page.waitForSelector(".group-title >> text=Today");

        const old = page.locator("li.session", { hasText: oldChat });
        await old.hover();
        await old.locator("button[aria-label^=Delete]").click();
        await page.waitForSelector("#confirm-dialog[open]");
        assert.match(await page.textContent("#confirm-text"), new RegExp(`${oldChat}.*4 messages`));
        await shot(s, "delete");
        await axe(s, "delete dialog");
        await page.click("#confirm-dialog button[value=cancel]");
        assert.equal(await old.count(), 1, "cancel kept the chat");
        await old.hover();
        await old.locator("button[aria-label^=Delete]").click();
        await page.click("#confirm-ok");
        await page.waitForFunction((t) => !document.querySelector("#sessions").textContent.includes(t), oldChat);
        if (phone) await page.click("#close-sidebar");
      });

      await t.test("the model picker lists /v1/models and remembers each chat's model", async () => {
        const options = await page.locator("#model option").evaluateAll((o) => o.map((x) => x.value));
        for (const m of ["", "gpt-4o-mini", "fake-small", "llama3.2:latest"]) assert.ok(options.includes(m), `${m} in ${options}`);
        assert.deepEqual((await page.locator("#model optgroup").evaluateAll((g) => g.map((x) => x.label))).sort(), ["ollama", "openai"]);
        const zebraChat = page.url();
        await page.keyboard.press("Control+Shift+O");
        await page.waitForSelector("#welcome:not([hidden])");
        await page.selectOption("#model", "fake-small");
        await send(page, `Which model answers? ${viewport.name}`);
        await lastTurnDone(page);
        assert.match(await page.textContent(`${lastTurn} .meta`), /openai\/fake-small/);
        const smallChat = page.url();
        await page.goto(zebraChat);
        await page.waitForFunction(() => document.querySelector("#model").value === "gpt-4o-mini");
        await page.goto(smallChat);
        await page.waitForFunction(() => document.querySelector("#model").value === "fake-small");
      });

      await t.test("memory: a search result opens the note at its lines; today's log", async () => {
        await openSidebar(s);
        await page.click("#open-memory");
        await page.waitForSelector("#memory-panel:not([hidden])");
        await page.fill("#memory-query", "zebra rose");
        await page.press("#memory-query", "Enter");
        await page.waitForSelector(".hit >> text=notes/garden.md");
        await page.click(".hit >> text=notes/garden.md");
        await page.waitForSelector("#note-view:not([hidden])");
        assert.equal(await page.textContent("#note-path"), "notes/garden.md");
        // The result is lines 43-61 (one chunk); the line with the words is in view.
        assert.equal(await page.locator("#note-body .line.match").count(), 19);
        const hit = page.locator("#note-body .line.match.focus");
        assert.equal(await hit.getAttribute("data-line"), "61");
        assert.match(await hit.textContent(), /The zebra rose climbs the south wall\./);
        const [box, view] = [await hit.boundingBox(), await page.locator("#note-body").boundingBox()];
        assert.ok(box.y >= view.y && box.y + box.height <= view.y + view.height, "the matching line is in view");
        await shot(s, "memory");
        await axe(s, "memory note");
        await page.click("#back-to-results");
        assert.equal(await page.isVisible(".hit"), true);
        await page.click("#close-panel");
        await openSidebar(s);
        await page.click("#today-log");
        await page.waitForSelector("#note-view:not([hidden])");
        assert.match(await page.textContent("#note-path"), /^memory\/\d{4}-\d{2}-\d{2}\.md$/);
        assert.match(await page.textContent("#note-body"), /Watered the roses before work\./);
        await page.click("#close-panel");
      });

      await t.test("themes: the system's, and a toggle that is remembered", async () => {
        const bg = () => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
        // The theme follows the system as it changes (an event, so not at once).
        const becomes = (c) => page.waitForFunction((c) => getComputedStyle(document.body).backgroundColor === c, c);
        await page.goto(toolChat);
        await lastTurnDone(page);
        assert.equal(await bg(), "rgb(255, 255, 255)");
        await page.emulateMedia({ colorScheme: "dark" });
        await becomes("rgb(27, 28, 30)");
        await shot(s, "dark");
        await axe(s, "dark theme");
        await openSidebar(s);
        assert.equal(await page.getAttribute("#theme-toggle", "aria-label"), "Switch to the light theme");
        await page.click("#theme-toggle");
        assert.equal(await bg(), "rgb(255, 255, 255)");
        assert.equal(await page.evaluate(() => document.cookie), "localgpt-theme=light");
        await page.reload();
        await page.waitForSelector("#sessions li");
        assert.equal(await page.getAttribute("html", "data-theme"), "light", "the page came themed");
        assert.equal(await bg(), "rgb(255, 255, 255)", "the chosen theme survives a reload");
        await openSidebar(s);
        await page.click("#theme-toggle"); // back to the system's (dark)
        assert.equal(await bg(), "rgb(27, 28, 30)");
        assert.equal(await page.evaluate(() => document.cookie.includes("localgpt-theme")), false, "going back to the system's theme left the cookie");
        await page.emulateMedia({ colorScheme: "light" });
        await becomes("rgb(255, 255, 255)");
        if (phone) await page.click("#close-sidebar");
      });

      await t.test("keyboard shortcuts", async () => {
        await page.click("#chat-title");
        await page.keyboard.press("Shift+Escape");
        assert.equal(await page.evaluate(() => document.activeElement.id), "input");
        await page.click("#chat-title");
        await page.keyboard.press("/");
        assert.equal(await page.evaluate(() => document.activeElement.id), "input");
        assert.equal(await page.inputValue("#input"), "");
        await page.keyboard.press("Control+k");
        assert.equal(await page.evaluate(() => document.activeElement.id), "session-search");
        await page.keyboard.press("Control+/");
        await page.waitForSelector("#shortcuts-dialog[open]");
        await axe(s, "shortcuts dialog");
        await page.keyboard.press("Escape");
        await page.waitForSelector("#shortcuts-dialog:not([open])", { state: "attached" });
        const inert = () => page.evaluate(() => document.querySelector("#sidebar").inert);
        const before = await inert();
        await page.keyboard.press("Control+Shift+S");
        assert.equal(await inert(), !before);
        await page.keyboard.press("Control+Shift+S");
        assert.equal(await inert(), before);
        if (phone && !before) await page.click("#close-sidebar");
      });

      await t.test("focus order follows the layout; a closed sidebar takes no focus", async () => {
        await page.keyboard.press("Control+Shift+O");
        await page.waitForSelector("#welcome:not([hidden])");
        // Start from the top left corner, as a reader who clicked there.
        await page.mouse.click(2, 2);
        const order = [];
        for (let i = 0; i < 40; i++) {
          await page.keyboard.press("Tab");
          const f = await page.evaluate(() => {
            const e = document.activeElement;
            const r = e.getBoundingClientRect();
            return { id: e.id || e.className || e.tagName, inSidebar: !!e.closest("#sidebar"), visible: r.width > 0 && r.height > 0 && r.right > 0 && r.left < innerWidth };
          });
          order.push(f);
          if (f.id === "send") break;
        }
        const ids = order.map((f) => f.id);
        assert.ok(order.every((f) => f.visible), `every focused element is on screen: ${JSON.stringify(order)}`);
        const at = (id) => ids.indexOf(id);
        if (phone) {
          assert.equal(ids[0], "toggle-sidebar");
          assert.ok(order.every((f) => !f.inSidebar), "the closed sidebar took focus");
        } else {
          assert.deepEqual(ids.slice(0, 3), ["close-sidebar", "new-chat", "session-search"]);
        }
        assert.ok(at("model") < at("example") && at("example") < at("input") && at("input") < at("send"), ids.join(" "));
      });

      assert.deepEqual(s.errors, []);
      assert.deepEqual(s.outside, []);
      await s.context.close();
    });
  }

  await t.test("a page whose login has gone says how to log in again", async () => {
    const s = await open(browser, { viewport: viewports[0], storageState });
    await s.page.goto(url + "/");
    await s.page.waitForSelector("#sessions li");
    await s.context.clearCookies();
    await send(s.page, "hello?");
    await s.page.waitForSelector("#login-needed:not([hidden])");
    assert.match(await s.page.textContent("#login-needed"), /Run localgpt daemon login on this computer and open the link it prints/);
    await axe(s, "logged out");
    assert.deepEqual(s.errors.filter((e) => !/status of 401/.test(e)), []);
    await s.context.close();
  });
});

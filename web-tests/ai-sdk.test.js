// The Vercel AI SDK (`ai` with `@ai-sdk/openai`, whose default model uses
// the Responses API, and `@ai-sdk/openai-compatible`, which uses Chat
// Completions) against LocalGPT's /v1, served by
// internal/server/clients_test.go with a fake provider that scripts the
// replies in the order of the tests below. Each test's timeout is its
// time bound.
import { test } from "node:test";
import assert from "node:assert/strict";
import { generateText, streamText, tool, stepCountIs, APICallError } from "ai";
import { createOpenAI } from "@ai-sdk/openai";
import { createOpenAICompatible } from "@ai-sdk/openai-compatible";
import { z } from "zod";
import { baseURL, token, timed, rejectsWith } from "./localgpt.js";

const openai = createOpenAI({ baseURL, apiKey: token });
const compatible = createOpenAICompatible({ name: "localgpt", baseURL, apiKey: token, includeUsage: true });

// aborted streams a long answer and aborts after its first piece; it
// returns what arrived, which must be less than the whole.
async function aborted(model) {
  const ac = new AbortController();
  let text = "";
  let errored = null;
  const result = streamText({ model, prompt: "Write a long story", abortSignal: ac.signal, onError: ({ error }) => { errored = error; } });
  try {
    for await (const piece of result.textStream) {
      text += piece;
      ac.abort();
    }
  } catch (err) {
    errored = err;
  }
  assert.ok(text.length > 0, "nothing arrived before the abort");
  assert.ok(text.length < 40, "the whole answer arrived despite the abort: " + text);
  assert.ok(errored === null || errored.name === "AbortError" || /abort/i.test(String(errored)), "unexpected error: " + errored);
}

const isNotFound = (err) => APICallError.isInstance(err) && err.statusCode === 404 && !err.isRetryable && /did you mean/.test(err.message + err.responseBody);

test("@ai-sdk/openai (Responses API)", async (t) => {
  const model = openai("localgpt");

  await t.test("generateText", { timeout: 5000 }, async () => {
    const r = await generateText({ model, system: "Be brief.", prompt: "Say hello", temperature: 0.3 });
    assert.equal(r.text, "Hello from generateText.");
    assert.equal(r.finishReason, "stop");
    assert.ok(r.usage.outputTokens > 0);
  });

  await t.test("streamText", { timeout: 5000 }, async () => {
    const r = streamText({ model, prompt: "Stream please" });
    let text = "";
    for await (const piece of r.textStream) text += piece;
    assert.equal(text, "Streamed by the AI SDK.");
    assert.equal((await r.usage).outputTokens, 5);
  });

  await t.test("a client tool, run by the SDK between two steps", { timeout: 5000 }, async () => {
    const r = await generateText({
      model, prompt: "Weather in Paris?", stopWhen: stepCountIs(3),
      tools: { get_weather: tool({ description: "Weather in a city", inputSchema: z.object({ city: z.string() }), execute: async ({ city }) => `sunny in ${city}` }) },
    });
    assert.equal(r.steps.length, 2);
    assert.equal(r.steps[0].toolCalls[0].toolName, "get_weather");
    assert.equal(r.text, "Sunny in Paris.");
  });

  await t.test("abort", { timeout: 5000 }, async () => { await aborted(model); });

  await t.test("an unknown model fails at once", { timeout: 2000 }, async () => {
    await timed("ai-sdk openai unknown-model", () => rejectsWith(generateText({ model: openai("fake-smal"), prompt: "hi" }), isNotFound));
  });

  await t.test("the chat model too (Chat Completions)", { timeout: 5000 }, async () => {
    const r = await generateText({ model: openai.chat("localgpt"), prompt: "Say hello" });
    assert.equal(r.text, "Chat completions via the AI SDK.");
  });
});

test("@ai-sdk/openai-compatible (Chat Completions)", async (t) => {
  const model = compatible.chatModel("localgpt");

  await t.test("generateText", { timeout: 5000 }, async () => {
    const r = await generateText({ model, prompt: "Say hello", maxOutputTokens: 64 });
    assert.equal(r.text, "Hello from a compatible provider.");
    assert.equal(r.finishReason, "stop");
  });

  await t.test("streamText", { timeout: 5000 }, async () => {
    const r = streamText({ model, prompt: "Stream please" });
    let text = "";
    for await (const piece of r.textStream) text += piece;
    assert.equal(text, "Compatible stream.");
  });

  await t.test("abort", { timeout: 5000 }, async () => { await aborted(model); });

  await t.test("an unknown model fails at once", { timeout: 2000 }, async () => {
    await timed("ai-sdk compatible unknown-model", () => rejectsWith(generateText({ model: compatible.chatModel("fake-smal"), prompt: "hi" }), isNotFound));
  });
});

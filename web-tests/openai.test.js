// The real openai npm client against LocalGPT's /v1, served by
// internal/server/clients_test.go with a fake provider behind it, which
// scripts the replies in the order of the tests below.
import { test } from "node:test";
import assert from "node:assert/strict";
import OpenAI from "openai";

const baseURL = process.env.LOCALGPT_URL + "/v1";
const client = new OpenAI({ baseURL, apiKey: process.env.LOCALGPT_TOKEN, maxRetries: 0 });

test("openai client", async (t) => {
  await t.test("lists the models", async () => {
    const ids = [];
    for await (const m of client.models.list()) ids.push(m.id);
    assert.ok(ids.includes("localgpt"), JSON.stringify(ids));
  });

  await t.test("answers without streaming", async () => {
    const c = await client.chat.completions.create({
      model: "localgpt",
      messages: [{ role: "system", content: "Be brief." }, { role: "user", content: "Say hello" }],
    });
    assert.equal(c.object, "chat.completion");
    assert.equal(c.choices[0].message.role, "assistant");
    assert.equal(c.choices[0].message.content, "Hello from LocalGPT.");
    assert.equal(c.choices[0].finish_reason, "stop");
    assert.equal(c.usage.total_tokens, c.usage.prompt_tokens + c.usage.completion_tokens);
  });

  await t.test("streams", async () => {
    const stream = await client.chat.completions.create({
      model: "localgpt", stream: true, stream_options: { include_usage: true },
      messages: [{ role: "user", content: "Stream something" }],
    });
    let text = "";
    let chunks = 0;
    let finish = null;
    let usage = null;
    for await (const chunk of stream) {
      chunks++;
      assert.equal(chunk.object, "chat.completion.chunk");
      if (chunk.usage) usage = chunk.usage;
      const choice = chunk.choices[0];
      if (!choice) continue;
      text += choice.delta.content ?? "";
      if (choice.finish_reason) finish = choice.finish_reason;
    }
    assert.equal(text, "Streaming works fine.");
    assert.ok(chunks > 4, "the answer came in " + chunks + " chunks");
    assert.equal(finish, "stop");
    assert.equal(usage.completion_tokens, 5);
  });

  await t.test("helper accumulates the stream", async () => {
    const runner = client.chat.completions.stream({
      model: "localgpt", messages: [{ role: "user", content: "Again" }],
    });
    const final = await runner.finalChatCompletion();
    assert.equal(final.choices[0].message.content, "Accumulated answer.");
  });

  await t.test("a provider's refusal of its key is an AuthenticationError", async () => {
    await assert.rejects(
      client.chat.completions.create({ model: "localgpt", messages: [{ role: "user", content: "fail" }] }),
      (err) => err instanceof OpenAI.AuthenticationError && err.status === 401 && err.code === "provider_auth",
    );
  });

  await t.test("a failure mid-stream is raised", async () => {
    const stream = await client.chat.completions.create({
      model: "localgpt", stream: true, messages: [{ role: "user", content: "fail later" }],
    });
    await assert.rejects(async () => { for await (const _ of stream) { /* drain */ } },
      (err) => err instanceof OpenAI.APIError && /provider/.test(String(err.message) + JSON.stringify(err.error)));
  });

  await t.test("a wrong token is refused", async () => {
    const bad = new OpenAI({ baseURL, apiKey: "wrong-token", maxRetries: 0 });
    await assert.rejects(bad.models.list(), (err) => err instanceof OpenAI.AuthenticationError);
  });
});

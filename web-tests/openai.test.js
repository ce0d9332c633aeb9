// The real openai npm client against LocalGPT's /v1 (Chat Completions and
// Responses), served by internal/server/clients_test.go with a fake
// provider behind it, which scripts the replies in the order of the tests
// below. Each test's timeout is its time bound.
import { test } from "node:test";
import assert from "node:assert/strict";
import OpenAI from "openai";
import { baseURL, token, timed, rejectsWith } from "./localgpt.js";

const client = new OpenAI({ baseURL, apiKey: token });

test("openai client", async (t) => {
  await t.test("lists the models of every provider", { timeout: 5000 }, async () => {
    const ids = [];
    for await (const m of client.models.list()) ids.push(m.id);
    assert.ok(ids.includes("localgpt") && ids.includes("fake-small"), JSON.stringify(ids));
  });

  await t.test("answers without streaming", { timeout: 5000 }, async () => {
    const c = await client.chat.completions.create({
      model: "localgpt",
      messages: [{ role: "system", content: "Be brief." }, { role: "user", content: "Say hello" }],
      temperature: 0.2, max_tokens: 100, seed: 7,
    });
    assert.equal(c.object, "chat.completion");
    assert.equal(c.choices[0].message.role, "assistant");
    assert.equal(c.choices[0].message.content, "Hello from LocalGPT.");
    assert.equal(c.choices[0].finish_reason, "stop");
    assert.equal(c.usage.total_tokens, c.usage.prompt_tokens + c.usage.completion_tokens);
  });

  await t.test("streams", { timeout: 5000 }, async () => {
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

  await t.test("helper accumulates the stream", { timeout: 5000 }, async () => {
    const runner = client.chat.completions.stream({
      model: "localgpt", messages: [{ role: "user", content: "Again" }],
    });
    const final = await runner.finalChatCompletion();
    assert.equal(final.choices[0].message.content, "Accumulated answer.");
  });

  await t.test("a provider's refusal of its key is an AuthenticationError", { timeout: 3000 }, async () => {
    await rejectsWith(
      client.chat.completions.create({ model: "localgpt", messages: [{ role: "user", content: "fail" }] }),
      (err) => err instanceof OpenAI.AuthenticationError && err.status === 401 && err.code === "provider_auth",
    );
  });

  await t.test("a failure mid-stream is raised", { timeout: 5000 }, async () => {
    const stream = await client.chat.completions.create({
      model: "localgpt", stream: true, messages: [{ role: "user", content: "fail later" }],
    });
    await rejectsWith((async () => { for await (const _ of stream) { /* drain */ } })(),
      (err) => err instanceof OpenAI.APIError && /fell over/.test(String(err.message) + JSON.stringify(err.error)));
  });

  await t.test("a wrong token is refused", { timeout: 3000 }, async () => {
    const bad = new OpenAI({ baseURL, apiKey: "wrong-token" });
    await rejectsWith(bad.models.list(), (err) => err instanceof OpenAI.AuthenticationError);
  });

  await t.test("an unknown model fails at once, with a suggestion", { timeout: 2000 }, async () => {
    await timed("openai chat unknown-model", () => rejectsWith(
      client.chat.completions.create({ model: "fake-smal", messages: [{ role: "user", content: "hi" }] }),
      (err) => err instanceof OpenAI.NotFoundError && err.code === "model_not_found" && /did you mean "fake-small"/.test(err.message),
    ));
  });

  await t.test("responses: create", { timeout: 5000 }, async () => {
    const r = await client.responses.create({ model: "localgpt", instructions: "Be brief.", input: "Say hello" });
    assert.equal(r.object, "response");
    assert.equal(r.status, "completed");
    assert.equal(r.output_text, "Hello from the Responses API.");
    assert.ok(r.usage.total_tokens > 0);
  });

  await t.test("responses: stream", { timeout: 5000 }, async () => {
    const stream = await client.responses.create({
      model: "localgpt", stream: true,
      input: [{ role: "user", content: [{ type: "input_text", text: "Stream a response" }] }],
    });
    const types = [];
    let text = "";
    let usage = null;
    for await (const ev of stream) {
      if (types.at(-1) !== ev.type) types.push(ev.type);
      if (ev.type === "response.output_text.delta") text += ev.delta;
      if (ev.type === "response.completed") usage = ev.response.usage;
    }
    assert.equal(text, "Streamed response.");
    assert.equal(types[0], "response.created");
    assert.equal(types.at(-1), "response.completed");
    assert.equal(usage.output_tokens, 3);
  });

  await t.test("responses: an unknown model fails at once", { timeout: 2000 }, async () => {
    await timed("openai responses unknown-model", () => rejectsWith(
      client.responses.create({ model: "fake-smal", input: "hi" }),
      (err) => err instanceof OpenAI.NotFoundError && err.code === "model_not_found",
    ));
  });

  await t.test("a client tool: called, run by the client, continued", { timeout: 5000 }, async () => {
    const tools = [{
      type: "function",
      function: { name: "get_weather", description: "Weather in a city", parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] } },
    }];
    const messages = [{ role: "user", content: "Weather in Paris?" }];
    const first = await client.chat.completions.create({ model: "localgpt", messages, tools });
    const call = first.choices[0].message.tool_calls?.[0];
    assert.equal(first.choices[0].finish_reason, "tool_calls");
    assert.equal(call.function.name, "get_weather");
    assert.deepEqual(JSON.parse(call.function.arguments), { city: "Paris" });
    messages.push(first.choices[0].message, { role: "tool", tool_call_id: call.id, content: "sunny, 21°C" });
    const second = await client.chat.completions.create({ model: "localgpt", messages, tools });
    assert.equal(second.choices[0].message.content, "Sunny, 21°C in Paris.");
  });
});

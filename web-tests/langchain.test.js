// LangChain's ChatOpenAI (@langchain/openai) against LocalGPT's /v1,
// served by internal/server/clients_test.go with a fake provider that
// scripts the replies in the order of the tests below (batch's two
// requests run at once and get the same reply). Each test's timeout is
// its time bound.
import { test } from "node:test";
import assert from "node:assert/strict";
import { ChatOpenAI } from "@langchain/openai";
import { z } from "zod";
import { baseURL, token, timed, rejectsWith } from "./localgpt.js";

const chat = (opts = {}) => new ChatOpenAI({ model: "localgpt", apiKey: token, configuration: { baseURL }, ...opts });

test("@langchain/openai", async (t) => {
  await t.test("invoke", { timeout: 5000 }, async () => {
    const m = await chat({ temperature: 0.1 }).invoke([["system", "Be brief."], ["human", "Say hello"]]);
    assert.equal(m.content, "Hello from LangChain.");
  });

  await t.test("stream", { timeout: 5000 }, async () => {
    let text = "";
    let chunks = 0;
    for await (const c of await chat().stream("Stream please")) {
      text += c.content;
      chunks++;
    }
    assert.equal(text, "Streamed to LangChain.");
    assert.ok(chunks > 2, "came in " + chunks + " chunks");
  });

  await t.test("batch", { timeout: 5000 }, async () => {
    const out = await chat().batch(["First question", "Second question"]);
    assert.deepEqual(out.map((m) => m.content), ["Batch answer.", "Batch answer."]);
  });

  const Place = z.object({ city: z.string(), country: z.string() });

  await t.test("withStructuredOutput (JSON schema)", { timeout: 5000 }, async () => {
    const place = await chat().withStructuredOutput(Place, { name: "place" }).invoke("Where is the Louvre?");
    assert.deepEqual(place, { city: "Paris", country: "France" });
  });

  await t.test("withStructuredOutput (function calling)", { timeout: 5000 }, async () => {
    const place = await chat().withStructuredOutput(Place, { name: "place", method: "functionCalling" }).invoke("Where is the Colosseum?");
    assert.deepEqual(place, { city: "Rome", country: "Italy" });
  });

  await t.test("useResponsesApi", { timeout: 5000 }, async () => {
    const m = await chat({ useResponsesApi: true }).invoke("Say hello");
    assert.equal(m.text, "Hello through Responses.");
  });

  await t.test("an unknown model fails at once", { timeout: 2000 }, async () => {
    await timed("langchain unknown-model", () => rejectsWith(chat({ model: "fake-smal" }).invoke("hi"),
      (err) => err.status === 404 && /did you mean "fake-small"/.test(err.message)));
  });

  await t.test("a provider failure is raised, not retried for minutes", { timeout: 5000 }, async () => {
    await timed("langchain provider-auth", () => rejectsWith(chat().invoke("fail"), (err) => err.status === 401));
  });
});

// The official TypeScript MCP client against `localgpt mcp serve`, over
// stdio and over streamable HTTP. internal/cli/mcp_npm_test.go prepares a
// LocalGPT home (notes about a zebra, a configured key written into
// MEMORY.md) and sets LOCALGPT_BIN, LOCALGPT_HOME, MCP_URL, MCP_TOKEN and
// SECRET_KEY.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";

const env = process.env;

function text(result) {
  assert.equal(result.content.length, 1, JSON.stringify(result));
  assert.equal(result.content[0].type, "text");
  return result.content[0].text;
}

async function exercise(client) {
  assert.equal(client.getServerVersion().name, "localgpt");
  assert.ok(client.getServerCapabilities().tools, "tools capability");
  assert.match(client.getInstructions(), /memory_search/);

  const { tools } = await client.listTools();
  assert.deepEqual(tools.map((t) => t.name).sort(), ["memory_get", "memory_save", "memory_search"]);
  for (const t of tools) {
    assert.equal(t.inputSchema.type, "object", t.name);
    assert.ok(t.description.length > 20, t.name);
  }

  const found = await client.callTool({ name: "memory_search", arguments: { query: "zebra" } });
  assert.equal(found.isError ?? false, false);
  assert.match(text(found), /notes\/animals\.md:\d+-\d+/);

  const got = await client.callTool({ name: "memory_get", arguments: { path: "notes/animals.md" } });
  assert.match(text(got), /The zebra has stripes/);

  const note = `The TypeScript client was here (${Date.now()}).`;
  const saved = await client.callTool({ name: "memory_save", arguments: { content: note } });
  assert.match(text(saved), /Saved to today's log, memory\/\d{4}-\d{2}-\d{2}\.md/);
  const again = await client.callTool({ name: "memory_search", arguments: { query: "TypeScript client" } });
  assert.match(text(again), /memory\/\d{4}-\d{2}-\d{2}\.md/);

  // A configured key in a note never comes back whole.
  const leaked = await client.callTool({ name: "memory_get", arguments: { path: "MEMORY.md" } });
  assert.ok(!text(leaked).includes(env.SECRET_KEY), "memory_get leaked the key");
  const refused = await client.callTool({ name: "memory_save", arguments: { content: "key " + env.SECRET_KEY } });
  assert.equal(refused.isError, true);
  assert.ok(!text(refused).includes(env.SECRET_KEY));

  // Bad arguments are tool errors the calling model can read.
  const cases = [
    ["memory_search", {}, /query is required/],
    ["memory_search", { query: "x", bogus: 1 }, /unknown field "bogus"/],
    ["memory_search", { query: "x", limit: "many" }, /bad arguments for memory_search/],
    ["memory_get", { path: "../../../etc/passwd" }, /cannot read memory file/],
    ["memory_save", { content: "   " }, /content is required/],
  ];
  for (const [name, args, want] of cases) {
    const r = await client.callTool({ name, arguments: args });
    assert.equal(r.isError, true, `${name} ${JSON.stringify(args)}`);
    assert.match(text(r), want);
  }
  await assert.rejects(client.callTool({ name: "bash", arguments: { command: "id" } }), /unknown tool|bash/);

  const { resources } = await client.listResources();
  const uris = resources.map((r) => r.uri);
  assert.ok(uris.includes("localgpt://workspace/MEMORY.md"), uris.join(" "));
  assert.ok(uris.some((u) => /^localgpt:\/\/workspace\/memory\/\d{4}-\d{2}-\d{2}\.md$/.test(u)), uris.join(" "));
  const mem = await client.readResource({ uri: "localgpt://workspace/MEMORY.md" });
  assert.match(mem.contents[0].text, /prefers green tea/);
  assert.ok(!mem.contents[0].text.includes(env.SECRET_KEY), "MEMORY.md resource leaked the key");
  await assert.rejects(client.readResource({ uri: "localgpt://workspace/config.toml" }));
}

test("stdio: initialize, list, call each tool, bad arguments, resources", async () => {
  const client = new Client({ name: "localgpt-test", version: "1.0.0" });
  const transport = new StdioClientTransport({
    command: env.LOCALGPT_BIN,
    args: ["mcp", "serve"],
    env: { LOCALGPT_HOME: env.LOCALGPT_HOME, HOME: env.LOCALGPT_HOME + "/user", PATH: env.PATH, NO_COLOR: "1" },
    stderr: "inherit",
  });
  await client.connect(transport);
  try {
    await exercise(client);
  } finally {
    await client.close();
  }
});

test("streamable HTTP: the token is required, then everything works", async () => {
  const url = new URL(env.MCP_URL);
  const unauthorized = (err) => {
    assert.equal(err.code, 401, String(err));
    assert.match(err.message, /Authorization: Bearer/);
    return true;
  };
  const anonymous = new Client({ name: "no-token", version: "1.0.0" });
  await assert.rejects(anonymous.connect(new StreamableHTTPClientTransport(url)), unauthorized);
  const wrong = new Client({ name: "wrong-token", version: "1.0.0" });
  await assert.rejects(wrong.connect(new StreamableHTTPClientTransport(url, {
    requestInit: { headers: { Authorization: "Bearer not-the-token" } },
  })), unauthorized);

  const client = new Client({ name: "localgpt-test", version: "1.0.0" });
  await client.connect(new StreamableHTTPClientTransport(url, {
    requestInit: { headers: { Authorization: `Bearer ${env.MCP_TOKEN}` } },
  }));
  try {
    await exercise(client);
  } finally {
    await client.close();
  }
});

// A small MCP server, built on the official TypeScript SDK, that
// misbehaves on purpose so that LocalGPT's MCP client can be tested
// against a real peer: node misbehave.js MODE, where MODE is
//
//   crash       a tool "crash" that kills the server in the middle of the call
//   hang        a tool "wait" that never answers (the server itself stays up)
//   silent      never answers anything, not even initialize
//   bad-schema  lists tools whose input schemas are invalid beside a valid one
//   exit        writes an error on stderr and exits before the handshake
import { Server } from "@modelcontextprotocol/sdk/server/index.js";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { CallToolRequestSchema, ListToolsRequestSchema } from "@modelcontextprotocol/sdk/types.js";

const mode = process.argv[2];

if (mode === "silent") {
  process.stdin.resume(); // reads every request, answers none
} else if (mode === "exit") {
  console.error("Error: cannot find the database file ./missing.db");
  process.exit(4);
} else {
  const object = { type: "object", properties: { note: { type: "string" } } };
  const tools = {
    crash: [{ name: "crash", description: "Crashes the server mid-call.", inputSchema: object }],
    hang: [{ name: "wait", description: "Never answers.", inputSchema: object },
      { name: "ping", description: "Answers pong.", inputSchema: object }],
    "bad-schema": [
      { name: "fine", description: "A valid tool.", inputSchema: object },
      { name: "stringy", description: "Arguments that are not an object.", inputSchema: { type: "string" } },
      { name: "nonsense", description: "An unknown type.", inputSchema: { type: "object", properties: { x: { type: "banana" } } } },
    ],
  }[mode];
  if (!tools) {
    console.error(`unknown mode ${mode}`);
    process.exit(2);
  }
  const server = new Server({ name: `misbehave-${mode}`, version: "1.0.0" }, { capabilities: { tools: {} } });
  server.setRequestHandler(ListToolsRequestSchema, async () => ({ tools }));
  server.setRequestHandler(CallToolRequestSchema, async (req) => {
    switch (req.params.name) {
      case "crash":
        console.error("fatal: out of cheese");
        process.exit(3);
      case "wait":
        return new Promise(() => {});
      case "ping":
        return { content: [{ type: "text", text: "pong" }] };
      default:
        return { content: [{ type: "text", text: `ran ${req.params.name}` }] };
    }
  });
  await server.connect(new StdioServerTransport());
}

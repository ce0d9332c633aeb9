// Starts an MCP server with the official TypeScript client and lists its
// tools, N times, printing the milliseconds from spawn to the tool list
// (then stops it, untimed): the server's own start, for
// bench/mcp-start.sh to compare LocalGPT with.
// Usage: node start.mjs N COMMAND [ARG...]
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";

const [n, command, ...args] = process.argv.slice(2);
for (let i = 0; i < Number(n); i++) {
  const t0 = performance.now();
  const client = new Client({ name: "bench", version: "1.0.0" });
  await client.connect(new StdioClientTransport({ command, args, stderr: "ignore" }));
  await client.listTools();
  console.log((performance.now() - t0).toFixed(1));
  await client.close();
}

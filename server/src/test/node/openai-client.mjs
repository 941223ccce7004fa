// Talks to a Cairn node with OpenAI's official JavaScript client (not Cairn's code) and prints JSON results:
// the model list, a completion, the same completion streamed (chunks joined), and two seeded samples.
import OpenAI from "openai";

const [baseURL, model] = process.argv.slice(2);
const client = new OpenAI({ baseURL, apiKey: "unused", maxRetries: 0 });
const out = {};
out.models = (await client.models.list()).data.map((m) => m.id);
const greedy = await client.completions.create({ model, prompt: "ROMEO:", max_tokens: 12, temperature: 0, logprobs: 2 });
out.greedy = { text: greedy.choices[0].text, finish: greedy.choices[0].finish_reason, usage: greedy.usage, logprobs: greedy.choices[0].logprobs };
let streamed = "", chunks = 0;
for await (const chunk of await client.completions.create({ model, prompt: "ROMEO:", max_tokens: 12, temperature: 0, stream: true })) {
  streamed += chunk.choices[0].text;
  chunks++;
}
out.streamed = { text: streamed, chunks };
const a = await client.completions.create({ model, prompt: "ROMEO:", max_tokens: 10, temperature: 1, top_p: 0.9, seed: 7, n: 2 });
const b = await client.completions.create({ model, prompt: "ROMEO:", max_tokens: 10, temperature: 1, top_p: 0.9, seed: 7, n: 2 });
out.seeded = { a: a.choices.map((c) => c.text), b: b.choices.map((c) => c.text) };
// Four requests at once give what each gives alone: batching never changes a request's output.
const prompts = ["ROMEO:", "JULIET:", "First Citizen:", "KING"];
const ask = (prompt) => client.completions.create({ model, prompt, max_tokens: 8, temperature: 0.8, seed: 3 }).then((r) => r.choices[0].text);
const together = await Promise.all(prompts.map(ask));
const alone = [];
for (const p of prompts) alone.push(await ask(p));
out.concurrent = { together, alone };
try {
  await client.completions.create({ model: "no-such-model", prompt: "x", max_tokens: 1 });
} catch (e) {
  out.unknown = { status: e.status, code: e.code };
}
try {
  await client.chat.completions.create({ model, messages: [{ role: "user", content: "hi" }] });
} catch (e) {
  out.chat = { status: e.status, code: e.code };
}
console.log(JSON.stringify(out));

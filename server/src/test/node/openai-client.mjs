// Talks to a Cairn node with OpenAI's official JavaScript client (not Cairn's code) and prints JSON results:
// the model list, a completion, the same completion streamed (chunks joined), and two seeded samples.
import OpenAI from "openai";

const [baseURL, model, chatModel] = process.argv.slice(2);
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
if (chatModel) {
  // A model that carries a chat template: the same conversation, whole and streamed.
  const messages = [{ role: "system", content: "Be brief." }, { role: "user", content: "Who art thou?" }];
  const c = await client.chat.completions.create({ model: chatModel, messages, max_tokens: 10, temperature: 0, logprobs: true, top_logprobs: 2 });
  let streamedChat = "", roles = [];
  for await (const chunk of await client.chat.completions.create({ model: chatModel, messages, max_tokens: 10, temperature: 0, stream: true })) {
    if (chunk.choices[0].delta.role) roles.push(chunk.choices[0].delta.role);
    streamedChat += chunk.choices[0].delta.content ?? "";
  }
  out.chatOk = { object: c.object, role: c.choices[0].message.role, content: c.choices[0].message.content, finish: c.choices[0].finish_reason,
    logprobs: c.choices[0].logprobs.content.length, top: c.choices[0].logprobs.content[0].top_logprobs.length, usage: c.usage, streamed: streamedChat, roles };
  try {
    await client.chat.completions.create({ model: chatModel, messages: [{ role: "wizard", content: "x" }] });
  } catch (e) {
    out.badRole = { status: e.status, param: e.param };
  }
}
console.log(JSON.stringify(out));

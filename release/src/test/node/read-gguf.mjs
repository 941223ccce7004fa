// Reads a GGUF file with Hugging Face's @huggingface/gguf parser (not Cairn's code) and prints JSON: the
// metadata (long arrays summarised by length and SHA-256 of their JSON), each tensor's name, dims, type and
// offset, and the SHA-256 of each tensor's bytes located from the parser's tensorDataOffset.
import { gguf } from "@huggingface/gguf";
import { createHash } from "node:crypto";
import { openSync, readSync, fstatSync } from "node:fs";
import { resolve } from "node:path";

const file = resolve(process.argv[2]);
const { metadata, tensorInfos, tensorDataOffset } = await gguf(file, { allowLocalFile: true });
const fd = openSync(file, "r");
const size = fstatSync(fd).size;
const bytesPer = { 0: 4, 1: 2 };
const meta = {};
for (const [k, v] of Object.entries(metadata)) {
  if (Array.isArray(v)) {
    meta[k] = { length: v.length, first: v.slice(0, 3), sha256: createHash("sha256").update(JSON.stringify(v)).digest("hex") };
  } else {
    meta[k] = typeof v === "bigint" ? Number(v) : v;
  }
}
const tensors = tensorInfos.map((t) => {
  const dims = t.shape.map(Number);
  const n = dims.reduce((a, b) => a * b, 1);
  const start = Number(tensorDataOffset + t.offset);
  const len = n * bytesPer[t.dtype];
  if (start + len > size) throw new Error(`${t.name} runs past the end of the file`);
  const buf = Buffer.alloc(len);
  readSync(fd, buf, 0, len, start);
  return { name: t.name, dims, dtype: t.dtype, offset: Number(t.offset), sha256: createHash("sha256").update(buf).digest("hex") };
});
console.log(JSON.stringify({ version: metadata.version, tensor_data_offset: Number(tensorDataOffset), metadata: meta, tensors }));

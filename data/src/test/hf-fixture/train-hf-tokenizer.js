// Regenerates src/test/resources/dev/cairn/data/hf-trained-bpe.json: a byte-level BPE trained by the
// Hugging Face `tokenizers` library itself (npm package `tokenizers`, the project's Node binding), so that the
// conformance test can check that Cairn's encoder reproduces a tokenizer it did not write.
//   cd data/src/test/hf-fixture && npm install tokenizers@0.23.2 && \
//   head -c 20000 ../../main/resources/dev/cairn/data/tinyshakespeare.txt > slice.txt && \
//   node train-hf-tokenizer.js slice.txt ../resources/dev/cairn/data/hf-trained-bpe.json
// Trainer: the BPE model's default trainer (vocab_size 30000, min_frequency 0), ByteLevel pre-tokenizer
// without prefix space; its alphabet is only the bytes the slice contains, so other bytes have no id.
const t = require('tokenizers');
const tok = new t.Tokenizer(t.BPE.empty());
tok.setPreTokenizer(t.byteLevelPreTokenizer(false, true));
tok.train([process.argv[2]]);
tok.save(process.argv[3], false);
console.log('vocab', tok.getVocabSize());

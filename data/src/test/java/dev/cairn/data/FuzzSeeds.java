package dev.cairn.data;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Writes the valid inputs the data room's fuzz targets start from (Jazzer reads
 * {@code src/test/resources/dev/cairn/data/<Target>Inputs/<method>/}); run by {@code bin/fuzz --seeds}.
 */
public final class FuzzSeeds {
    private FuzzSeeds() {}

    static final String JSONL = """
            {"id":"a1","text":"Rivers run down to the sea, carrying silt from the mountains far away.","source":"web","license":"CC-BY-4.0","metadata":{"lang":"en"}}
            {"text":"Write to ada@example.org or call +44 20 7946 0958.\\r\\nCafe\\u0301 au lait.","license":"MIT OR Apache-2.0"}
            """;

    public static void main(String[] args) throws IOException {
        Path res = Path.of(args.length > 0 ? args[0] : "src/test/resources/dev/cairn/data");
        write(res, "JsonlFuzzTest", "documents", "seed-dolma", JSONL.getBytes(StandardCharsets.UTF_8));
        Path home = Files.createTempDirectory("cairn-seeds");
        Path in = Files.writeString(home.resolve("docs.jsonl"), JSONL + "{\"text\":\"Shakespeare wrote plays and sonnets, which people still read today.\"}\n");
        DatasetStore store = new DatasetStore(home);
        DatasetManifest m = store.add(new DatasetStore.AddRequest("seed", List.of(in), "CC0-1.0", "https://example.org/seed",
                DatasetPolicy.defaults(), false)).manifest();
        write(res, "DatasetManifestFuzzTest", "manifest", "seed-manifest", m.toCanonicalJson());
        String id = m.documentIds().getFirst();
        write(res, "InclusionProofFuzzTest", "proof", "seed-proof",
                InclusionProofJson.write(m.prove(id), m.ref(), id).getBytes(StandardCharsets.UTF_8));
        BpeTokenizer t = BpeTokenizer.train(List.of("To be, or not to be: that is the question.", "Whether 'tis nobler in the mind"), 270);
        write(res, "TokenizerJsonFuzzTest", "tokenizerJson", "seed-tokenizer", t.toHuggingFaceJson());
        dev.cairn.ledger.Leftovers.delete(home);
    }

    static void write(Path res, String target, String method, String name, byte[] bytes) throws IOException {
        Path d = Files.createDirectories(res.resolve(target + "Inputs").resolve(method));
        Files.write(d.resolve(name), bytes);
    }
}

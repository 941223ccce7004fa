package dev.cairn.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TokenizedDatasetTest {
    @TempDir Path home;
    @TempDir Path in;

    @Test
    void loadsSplitsCachesShardsAndOrders() throws Exception {
        Path f = in.resolve("s.txt");
        String text = Corpus.slice(60_000);
        Files.writeString(f, text);
        DatasetStore store = new DatasetStore(home);
        store.add(new DatasetStore.AddRequest("sh", List.of(f), "LicenseRef-PublicDomain", "https://example.org/s", DatasetPolicy.defaults(), false));
        String digest = new TokenizerStore(home).train(store, "sh@1", 500).digest();
        TokenizedDataset d = TokenizedDataset.load(home, "sh@1", digest.substring(0, 10));
        int n = d.train().length + d.validation().length;
        assertEquals(n * 9 / 10, d.train().length);
        assertEquals(500, d.vocabSize());
        assertEquals(digest, d.tokenizerDigest());
        assertEquals(store.manifest("sh@1").root(), d.datasetRoot());
        int[] all = new int[n];
        System.arraycopy(d.train(), 0, all, 0, d.train().length);
        System.arraycopy(d.validation(), 0, all, d.train().length, d.validation().length);
        assertEquals(text + BpeTokenizer.END_OF_TEXT, d.decode(all));
        // second load reads the content-addressed shard
        Path tokens = home.resolve("datasets/sh/tokens");
        List<Path> shards;
        try (Stream<Path> s = Files.list(tokens)) {
            shards = s.filter(p -> p.toString().endsWith(".bin")).toList();
        }
        assertEquals(1, shards.size());
        byte[] shard = Files.readAllBytes(shards.getFirst());
        assertEquals(dev.cairn.ledger.Hex.encode(dev.cairn.ledger.MerkleTree.sha256(shard)) + ".bin", shards.getFirst().getFileName().toString());
        assertEquals(TokenShard.HEADER_BYTES + 2L * n, shard.length);
        assertArrayEquals(d.train(), TokenizedDataset.load(home, "sh", digest).train());
        // tampering is caught
        shard[TokenShard.HEADER_BYTES] ^= 1;
        Files.write(shards.getFirst(), shard);
        assertThrows(DataException.class, () -> TokenizedDataset.load(home, "sh", digest));
        // data order: a function of (seed, root, tokenizer) only
        DataOrder o1 = d.order(1337), o2 = new DataOrder(1337, d.datasetRoot(), d.tokenizerDigest()), o3 = d.order(1338);
        assertEquals(o1.key(), o2.key());
        assertNotEquals(o1.key(), o3.key());
        for (int s = 0; s < 50; s++) {
            int w = o1.windowStart(s, 3, 1000);
            assertEquals(w, o2.windowStart(s, 3, 1000));
            assertTrue(w >= 0 && w < 1000);
        }
    }

    @Test
    void shardRoundTripsWideIds() {
        int[] ids = {0, 65535, 65536, 100_000};
        String dig = "ab".repeat(32), root = "cd".repeat(32);
        byte[] b = TokenShard.encode(ids, 0, ids.length, 200_000, dig, root);
        assertArrayEquals(ids, TokenShard.decode(b, dig, root, "t"));
        DataException e = assertThrows(DataException.class, () -> TokenShard.decode(b, dig, "ef".repeat(32), "t"));
        assertTrue(e.getMessage().contains("dataset root"));
    }
}

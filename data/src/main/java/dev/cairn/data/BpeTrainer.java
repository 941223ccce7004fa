package dev.cairn.data;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;

/**
 * Deterministic byte-level BPE training. The corpus is split into GPT-2 pre-tokens (each document on its own:
 * no merge crosses a document boundary), counted, and merged greedily: each step merges the adjacent pair
 * with the highest count; <b>ties go to the pair with the smallest left id, then the smallest right id</b>.
 * Ids 0..255 are the bytes; each merge that yields a new byte string gets the next id (a merge whose bytes
 * already have an id reuses it). Training stops at the requested vocabulary size (counting the
 * {@code <|endoftext|>} special token, which takes the last id) or when no pair occurs at least twice.
 * Pair counts are updated incrementally: only words containing the merged pair are touched.
 */
final class BpeTrainer {
    private BpeTrainer() {}

    /** A candidate merge as queued: count when queued, and the pair. */
    private record Candidate(int count, int left, int right) implements Comparable<Candidate> {
        @Override
        public int compareTo(Candidate o) {
            if (count != o.count) return Integer.compare(o.count, count);
            if (left != o.left) return Integer.compare(left, o.left);
            return Integer.compare(right, o.right);
        }
    }

    /** Result: bytes of every non-special token by id, and the merges in rank order. */
    record Result(List<byte[]> tokens, int[] mergeLeft, int[] mergeRight) {}

    static Result train(Iterable<? extends CharSequence> documents, int vocabSize) {
        if (vocabSize < 257) throw new IllegalArgumentException("vocabulary size must be at least 257 (256 bytes + <|endoftext|>), got " + vocabSize);
        Map<String, int[]> counts = new HashMap<>();
        for (CharSequence doc : documents) {
            int i = 0, n = doc.length();
            while (i < n) {
                int e = GptPreTokenizer.nextEnd(doc, i, n);
                counts.computeIfAbsent(doc.subSequence(i, e).toString(), k -> new int[1])[0]++;
                i = e;
            }
        }
        // words in a canonical order (sorted text) so every later step is order-independent by construction
        String[] texts = counts.keySet().toArray(new String[0]);
        Arrays.sort(texts);
        int nw = texts.length;
        int[][] words = new int[nw][];
        int[] lens = new int[nw];
        int[] freq = new int[nw];
        for (int w = 0; w < nw; w++) {
            byte[] b = texts[w].getBytes(java.nio.charset.StandardCharsets.UTF_8);
            words[w] = new int[b.length];
            for (int i = 0; i < b.length; i++) words[w][i] = b[i] & 0xFF;
            lens[w] = b.length;
            freq[w] = counts.get(texts[w])[0];
        }
        counts = null;

        List<byte[]> tokens = new ArrayList<>(vocabSize);
        Map<String, Integer> idOfBytes = new HashMap<>();
        for (int b = 0; b < 256; b++) {
            tokens.add(new byte[] {(byte) b});
            idOfBytes.put(ByteLevel.encode(new byte[] {(byte) b}), b);
        }
        LongIntMap pairCount = new LongIntMap(1 << 16);
        Map<Long, IntList> where = new HashMap<>();
        for (int w = 0; w < nw; w++) {
            for (int i = 0; i + 1 < lens[w]; i++) {
                long key = LongIntMap.pair(words[w][i], words[w][i + 1]);
                pairCount.add(key, freq[w]);
                where.computeIfAbsent(key, k -> new IntList(4)).add(w);
            }
        }
        PriorityQueue<Candidate> queue = new PriorityQueue<>();
        for (Map.Entry<Long, IntList> e : where.entrySet()) {
            long key = e.getKey();
            queue.add(new Candidate(pairCount.get(key), (int) (key >>> 32), (int) key));
        }
        IntList mergeLeft = new IntList(vocabSize), mergeRight = new IntList(vocabSize);
        int[] stamp = new int[nw];
        Arrays.fill(stamp, -1);
        int[] buf = new int[64];
        int target = vocabSize - 1; // the last id is <|endoftext|>
        while (tokens.size() < target && !queue.isEmpty()) {
            Candidate c = queue.poll();
            long key = LongIntMap.pair(c.left, c.right);
            int actual = pairCount.get(key);
            if (actual != c.count) {
                if (actual > 0) queue.add(new Candidate(actual, c.left, c.right));
                continue;
            }
            if (actual < 2) break;
            byte[] lb = tokens.get(c.left), rb = tokens.get(c.right);
            byte[] merged = Arrays.copyOf(lb, lb.length + rb.length);
            System.arraycopy(rb, 0, merged, lb.length, rb.length);
            String mergedKey = ByteLevel.encode(merged);
            Integer existing = idOfBytes.get(mergedKey);
            int z;
            if (existing != null) {
                z = existing;
            } else {
                z = tokens.size();
                tokens.add(merged);
                idOfBytes.put(mergedKey, z);
            }
            int rank = mergeLeft.size();
            mergeLeft.add(c.left);
            mergeRight.add(c.right);
            LongIntMap increased = new LongIntMap(64);
            IntList ws = where.get(key);
            for (int k = 0; k < ws.size(); k++) {
                int w = ws.get(k);
                if (stamp[w] == rank) continue;
                stamp[w] = rank;
                int[] word = words[w];
                int n = lens[w];
                boolean found = false;
                for (int i = 0; i + 1 < n; i++) if (word[i] == c.left && word[i + 1] == c.right) { found = true; break; }
                if (!found) continue;
                int f = freq[w];
                for (int i = 0; i + 1 < n; i++) pairCount.add(LongIntMap.pair(word[i], word[i + 1]), -f);
                if (buf.length < n) buf = new int[n];
                int m = 0;
                for (int i = 0; i < n; ) {
                    if (i + 1 < n && word[i] == c.left && word[i + 1] == c.right) {
                        buf[m++] = z;
                        i += 2;
                    } else {
                        buf[m++] = word[i++];
                    }
                }
                System.arraycopy(buf, 0, word, 0, m);
                lens[w] = m;
                for (int i = 0; i + 1 < m; i++) {
                    long p = LongIntMap.pair(word[i], word[i + 1]);
                    pairCount.add(p, f);
                    if (word[i] == z || word[i + 1] == z) {
                        if (increased.get(p) < 0) increased.put(p, 1);
                        where.computeIfAbsent(p, q -> new IntList(4)).add(w);
                    }
                }
            }
            // every pair whose count grew (they all contain z) is queued again with its current count
            for (int k = 0; k < ws.size(); k++) {
                int w = ws.get(k);
                if (stamp[w] != rank) continue;
                stamp[w] = -2 - rank; // visit each word once in this pass
                int[] word = words[w];
                for (int i = 0; i + 1 < lens[w]; i++) {
                    long p = LongIntMap.pair(word[i], word[i + 1]);
                    if (increased.get(p) == 1) {
                        increased.put(p, 2);
                        queue.add(new Candidate(pairCount.get(p), word[i], word[i + 1]));
                    }
                }
            }
        }
        return new Result(tokens, mergeLeft.toArray(), mergeRight.toArray());
    }
}

package dev.cairn.data;

import java.util.Arrays;

/**
 * The per-thread working state of {@link BpeTokenizer}'s encoder: a cache from pre-token text to ids and
 * reusable buffers, so that encoding allocates nothing per character. Not thread-safe; one per thread.
 */
final class BpeEncoder {
    /** Pre-tokens longer than this many chars are not cached. */
    private static final int CACHE_MAX_CHARS = 48;
    /** Words of at least this many byte tokens merge with a heap (n log n) instead of rescanning (n²). */
    private static final int HEAP_THRESHOLD = 96;
    private static final int CACHE_SLOTS = 1 << 16;

    private final BpeTokenizer tok;
    private final String[] cacheKeys = new String[CACHE_SLOTS];
    private final int[][] cacheValues = new int[CACHE_SLOTS][];
    private int cacheSize;
    private byte[] bytes = new byte[256];
    private int[] word = new int[256];
    private int[] ranks = new int[256];

    BpeEncoder(BpeTokenizer tok) {
        this.tok = tok;
    }

    /** Appends the ids of {@code s[from, to)} (ordinary text: special-token strings are not recognised). */
    void encode(CharSequence s, int from, int to, IntList out) {
        int i = from;
        while (i < to) {
            int e = GptPreTokenizer.nextEnd(s, i, to);
            encodePreToken(s, i, e, out);
            i = e;
        }
    }

    private void encodePreToken(CharSequence s, int from, int to, IntList out) {
        int len = to - from;
        int slot = -1;
        if (len <= CACHE_MAX_CHARS) {
            int h = 0;
            for (int i = from; i < to; i++) h = 31 * h + s.charAt(i);
            slot = (h ^ (h >>> 16)) & (CACHE_SLOTS - 1);
            while (true) {
                String k = cacheKeys[slot];
                if (k == null) break;
                if (k.length() == len && regionEquals(k, s, from, len)) {
                    out.addAll(cacheValues[slot]);
                    return;
                }
                slot = (slot + 1) & (CACHE_SLOTS - 1);
            }
        }
        int n = toByteIds(s, from, to);
        n = n >= HEAP_THRESHOLD ? mergeWithHeap(n) : mergeByScan(n);
        if (slot >= 0) {
            if (cacheSize * 2 >= CACHE_SLOTS) {
                Arrays.fill(cacheKeys, null);
                Arrays.fill(cacheValues, null);
                cacheSize = 0;
                int h = 0;
                for (int i = from; i < to; i++) h = 31 * h + s.charAt(i);
                slot = (h ^ (h >>> 16)) & (CACHE_SLOTS - 1);
            }
            cacheKeys[slot] = s.subSequence(from, to).toString();
            cacheValues[slot] = Arrays.copyOf(word, n);
            cacheSize++;
        }
        for (int i = 0; i < n; i++) out.add(word[i]);
    }

    private static boolean regionEquals(String k, CharSequence s, int from, int len) {
        for (int i = 0; i < len; i++) if (k.charAt(i) != s.charAt(from + i)) return false;
        return true;
    }

    /** UTF-8 encodes s[from,to) (a lone surrogate becomes U+FFFD) and maps each byte to its id into word. */
    private int toByteIds(CharSequence s, int from, int to) {
        int need = (to - from) * 3;
        if (bytes.length < need) bytes = new byte[need];
        int b = 0;
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                bytes[b++] = (byte) c;
            } else if (c < 0x800) {
                bytes[b++] = (byte) (0xC0 | (c >> 6));
                bytes[b++] = (byte) (0x80 | (c & 0x3F));
            } else if (Character.isHighSurrogate(c) && i + 1 < to && Character.isLowSurrogate(s.charAt(i + 1))) {
                int cp = Character.toCodePoint(c, s.charAt(++i));
                bytes[b++] = (byte) (0xF0 | (cp >> 18));
                bytes[b++] = (byte) (0x80 | ((cp >> 12) & 0x3F));
                bytes[b++] = (byte) (0x80 | ((cp >> 6) & 0x3F));
                bytes[b++] = (byte) (0x80 | (cp & 0x3F));
            } else {
                if (Character.isSurrogate(c)) c = '\uFFFD';
                bytes[b++] = (byte) (0xE0 | (c >> 12));
                bytes[b++] = (byte) (0x80 | ((c >> 6) & 0x3F));
                bytes[b++] = (byte) (0x80 | (c & 0x3F));
            }
        }
        if (word.length < b) {
            word = new int[b];
            ranks = new int[b];
        }
        int[] byteToId = tok.byteToId;
        int n = 0;
        for (int i = 0; i < b; i++) {
            int id = byteToId[bytes[i] & 0xFF];
            if (id >= 0) word[n++] = id; // a byte missing from an imported vocabulary is dropped, as HF does
        }
        return n;
    }

    /** Repeatedly merges the lowest-ranked adjacent pair (leftmost on ties); returns the new length. */
    private int mergeByScan(int n) {
        LongIntMap mergeRanks = tok.mergeRanks;
        int[] w = word, r = ranks;
        for (int p = 0; p + 1 < n; p++) r[p] = rankOrMax(mergeRanks.get(LongIntMap.pair(w[p], w[p + 1])));
        while (n > 1) {
            int best = Integer.MAX_VALUE, pos = -1;
            for (int p = 0; p + 1 < n; p++) {
                if (r[p] < best) {
                    best = r[p];
                    pos = p;
                }
            }
            if (pos < 0) break;
            w[pos] = tok.mergeResult[best];
            System.arraycopy(w, pos + 2, w, pos + 1, n - pos - 2);
            System.arraycopy(r, pos + 1, r, pos, n - pos - 2);
            n--;
            if (pos > 0) r[pos - 1] = rankOrMax(mergeRanks.get(LongIntMap.pair(w[pos - 1], w[pos])));
            if (pos + 1 < n) r[pos] = rankOrMax(mergeRanks.get(LongIntMap.pair(w[pos], w[pos + 1])));
        }
        return n;
    }

    private static int rankOrMax(int r) {
        return r < 0 ? Integer.MAX_VALUE : r;
    }

    /**
     * Same result as {@link #mergeByScan} for long words: a doubly linked list over the symbols and a min-heap
     * of (rank, left position) entries checked lazily when popped, as Hugging Face's {@code Word::merge_all}.
     */
    private int mergeWithHeap(int n) {
        LongIntMap mergeRanks = tok.mergeRanks;
        int[] sym = word;
        int[] next = new int[n], prev = new int[n];
        for (int i = 0; i < n; i++) {
            next[i] = i + 1 < n ? i + 1 : -1;
            prev[i] = i - 1;
        }
        long[] heap = new long[Math.max(16, n)];
        int size = 0;
        for (int p = 0; p + 1 < n; p++) {
            int rk = mergeRanks.get(LongIntMap.pair(sym[p], sym[p + 1]));
            if (rk >= 0) {
                if (size == heap.length) heap = Arrays.copyOf(heap, size * 2);
                size = push(heap, size, ((long) rk << 32) | p);
            }
        }
        while (size > 0) {
            long top = heap[0];
            size = pop(heap, size);
            int rk = (int) (top >>> 32), p = (int) top;
            if (sym[p] < 0) continue;
            int q = next[p];
            if (q < 0 || mergeRanks.get(LongIntMap.pair(sym[p], sym[q])) != rk) continue;
            sym[p] = tok.mergeResult[rk];
            sym[q] = -1;
            next[p] = next[q];
            if (next[q] >= 0) prev[next[q]] = p;
            if (heap.length < size + 2) heap = Arrays.copyOf(heap, heap.length * 2);
            int a = prev[p];
            if (a >= 0) {
                int r2 = mergeRanks.get(LongIntMap.pair(sym[a], sym[p]));
                if (r2 >= 0) size = push(heap, size, ((long) r2 << 32) | a);
            }
            int b = next[p];
            if (b >= 0) {
                int r2 = mergeRanks.get(LongIntMap.pair(sym[p], sym[b]));
                if (r2 >= 0) size = push(heap, size, ((long) r2 << 32) | p);
            }
        }
        int m = 0;
        for (int i = 0; i >= 0; i = next[i]) sym[m++] = sym[i];
        return m;
    }

    private static int push(long[] h, int size, long v) {
        int i = size++;
        while (i > 0) {
            int parent = (i - 1) >>> 1;
            if (h[parent] <= v) break;
            h[i] = h[parent];
            i = parent;
        }
        h[i] = v;
        return size;
    }

    private static int pop(long[] h, int size) {
        long last = h[--size];
        int i = 0;
        while (true) {
            int c = 2 * i + 1;
            if (c >= size) break;
            if (c + 1 < size && h[c + 1] < h[c]) c++;
            if (h[c] >= last) break;
            h[i] = h[c];
            i = c;
        }
        if (size > 0) h[i] = last;
        return size;
    }
}

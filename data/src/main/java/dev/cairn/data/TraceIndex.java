package dev.cairn.data;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Finds which documents of a dataset version contain a span verbatim: a suffix array over the UTF-8 bytes of
 * the documents in manifest order, separated by the byte 0xFF (never part of UTF-8, so no match crosses a
 * boundary). Built by prefix doubling with radix sorts (O(n log n)); stored as
 * {@code HOME/datasets/NAME/trace/ROOT.sa} (u32 LE positions) next to the content-addressed texts.
 */
public final class TraceIndex {
    /** One occurrence: document, its byte and char offset in the normalised text. */
    public record Match(String documentId, long byteOffset, long charOffset, String origin) {}

    /** All occurrences (up to a limit) and how many there are. */
    public record Result(int count, List<Match> matches) {}

    private final DatasetManifest manifest;
    private final byte[] text;
    private final long[] docStart;
    private final int[] sa;

    private TraceIndex(DatasetManifest manifest, byte[] text, long[] docStart, int[] sa) {
        this.manifest = manifest;
        this.text = text;
        this.docStart = docStart;
        this.sa = sa;
    }

    /** Opens the index of a version, building and storing it first if needed. */
    public static TraceIndex open(DatasetStore store, String datasetRef) {
        DatasetManifest m = store.manifest(datasetRef);
        List<String> ids = m.documentIds();
        long total = 0;
        for (DocumentEntry d : m.documents()) total += d.bytes() + 1;
        if (total > Integer.MAX_VALUE - 16) throw new DataException(m.ref() + ": " + total + " bytes is too large for the in-memory trace index (2 GiB)");
        byte[] text = new byte[(int) total];
        long[] starts = new long[ids.size()];
        int at = 0;
        for (int i = 0; i < ids.size(); i++) {
            byte[] b = store.text(m.name(), ids.get(i)).getBytes(StandardCharsets.UTF_8);
            starts[i] = at;
            System.arraycopy(b, 0, text, at, b.length);
            at += b.length;
            text[at++] = (byte) 0xFF;
        }
        Path file = store.dir(m.name()).resolve("trace").resolve(m.root() + ".sa");
        int[] sa;
        try {
            if (Files.exists(file) && Files.size(file) == 4L * text.length) {
                ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
                sa = new int[text.length];
                b.asIntBuffer().get(sa);
            } else {
                sa = suffixArray(text);
                ByteBuffer b = ByteBuffer.allocate(4 * sa.length).order(ByteOrder.LITTLE_ENDIAN);
                b.asIntBuffer().put(sa);
                AtomicWrite.write(file, b.array());
            }
        } catch (IOException e) {
            throw new DataException(file + ": " + e.getMessage(), e);
        }
        return new TraceIndex(m, text, starts, sa);
    }

    /** The suffix array of bytes (unsigned order; a shorter suffix sorts before its extensions). */
    static int[] suffixArray(byte[] s) {
        int n = s.length;
        int[] sa = new int[n], rank = new int[n], tmp = new int[n], sa2 = new int[n];
        if (n == 0) return sa;
        int[] count = new int[Math.max(257, n + 1)];
        for (int i = 0; i < n; i++) count[(s[i] & 0xFF) + 1]++;
        for (int i = 1; i < 257; i++) count[i] += count[i - 1];
        for (int i = 0; i < n; i++) sa[count[s[i] & 0xFF]++] = i;
        rank[sa[0]] = 0;
        for (int i = 1; i < n; i++) rank[sa[i]] = rank[sa[i - 1]] + ((s[sa[i]] != s[sa[i - 1]]) ? 1 : 0);
        for (int k = 1; rank[sa[n - 1]] < n - 1; k <<= 1) {
            // order by second key: suffixes without one (i + k >= n) first, then by rank[i + k] via sa order
            int p = 0;
            for (int i = n - k; i < n; i++) sa2[p++] = i;
            for (int i = 0; i < n; i++) if (sa[i] >= k) sa2[p++] = sa[i] - k;
            // stable counting sort by first key
            int classes = rank[sa[n - 1]] + 1;
            java.util.Arrays.fill(count, 0, classes + 1, 0);
            for (int i = 0; i < n; i++) count[rank[i] + 1]++;
            for (int i = 1; i <= classes; i++) count[i] += count[i - 1];
            for (int i = 0; i < n; i++) sa[count[rank[sa2[i]]]++] = sa2[i];
            tmp[sa[0]] = 0;
            for (int i = 1; i < n; i++) {
                int a = sa[i - 1], b = sa[i];
                int ra = a + k < n ? rank[a + k] : -1, rb = b + k < n ? rank[b + k] : -1;
                tmp[b] = tmp[a] + ((rank[a] != rank[b] || ra != rb) ? 1 : 0);
            }
            int[] t = rank;
            rank = tmp;
            tmp = t;
        }
        return sa;
    }

    private int compare(int pos, byte[] pat) {
        for (int j = 0; j < pat.length; j++) {
            if (pos + j >= text.length) return -1;
            int c = (text[pos + j] & 0xFF) - (pat[j] & 0xFF);
            if (c != 0) return c;
        }
        return 0;
    }

    /** Whether any document contains the span (normalised like ingested text): one binary search. */
    public boolean contains(String span) {
        byte[] pat = DocumentReader.normalize(span).getBytes(StandardCharsets.UTF_8);
        if (pat.length == 0) return false;
        int lo = 0, hi = sa.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (compare(sa[mid], pat) < 0) lo = mid + 1;
            else hi = mid;
        }
        return lo < sa.length && compare(sa[lo], pat) == 0;
    }

    /** Documents containing the span (normalised like ingested text), first {@code limit} matches in index order. */
    public Result find(String span, int limit) {
        byte[] pat = DocumentReader.normalize(span).getBytes(StandardCharsets.UTF_8);
        if (pat.length == 0) throw new DataException("trace: the span is empty");
        int lo = 0, hi = sa.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (compare(sa[mid], pat) < 0) lo = mid + 1;
            else hi = mid;
        }
        int first = lo;
        hi = sa.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (compare(sa[mid], pat) <= 0) lo = mid + 1;
            else hi = mid;
        }
        int count = lo - first;
        int[] hits = java.util.Arrays.copyOfRange(sa, first, first + count);
        java.util.Arrays.sort(hits); // report in document order, then offset
        List<Match> out = new ArrayList<>();
        for (int i = 0; i < Math.min(limit, hits.length); i++) {
            int pos = hits[i];
            int d = java.util.Arrays.binarySearch(docStart, pos);
            if (d < 0) d = -d - 2;
            int off = (int) (pos - docStart[d]);
            long chars = new String(text, (int) docStart[d], off, StandardCharsets.UTF_8).length();
            DocumentEntry e = manifest.documents().get(d);
            out.add(new Match(e.id(), off, chars, e.origin()));
        }
        return new Result(count, out);
    }

    public DatasetManifest manifest() {
        return manifest;
    }
}

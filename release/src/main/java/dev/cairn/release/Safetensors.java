package dev.cairn.release;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The safetensors format, exactly: an 8-byte little-endian header length N, N bytes of JSON (padded with
 * spaces so the data starts at a multiple of 8), then the tensors' little-endian bytes, contiguous in header
 * order with no gaps or overlaps. The reader refuses anything else, naming the file and the tensor.
 */
public final class Safetensors {
    /** Headers larger than this are refused before they are read. */
    public static final long MAX_HEADER = 100L * 1024 * 1024;
    static final ObjectMapper JSON = new ObjectMapper().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

    private Safetensors() {}

    /** A tensor to write: {@code length} floats of {@code source} from {@code offset}, in row-major order. */
    public record Entry(String name, long[] shape, float[] source, int offset) {
        public long count() {
            long n = 1;
            for (long s : shape) n *= s;
            return n;
        }
    }

    /** One tensor as the header describes it; begin/end are offsets into the data section. */
    public record TensorInfo(String name, Dtype dtype, long[] shape, long begin, long end) {
        public long count() {
            long n = 1;
            for (long s : shape) n *= s;
            return n;
        }
    }

    /** Writes the tensors, in the given order, atomically (temporary file, fsync, rename). */
    public static void write(Path file, List<Entry> tensors, Map<String, String> metadata, Dtype dtype) throws IOException {
        ObjectNode header = JSON.createObjectNode();
        ObjectNode meta = header.putObject("__metadata__");
        metadata.forEach(meta::put);
        long off = 0;
        Set<String> names = new HashSet<>();
        for (Entry e : tensors) {
            if (!names.add(e.name())) throw new IllegalArgumentException("duplicate tensor name " + e.name());
            long bytes = e.count() * dtype.bytes;
            ObjectNode t = header.putObject(e.name());
            t.put("dtype", dtype.name());
            var shape = t.putArray("shape");
            for (long s : e.shape()) shape.add(s);
            t.putArray("data_offsets").add(off).add(off + bytes);
            off += bytes;
        }
        byte[] json = JSON.writeValueAsBytes(header);
        int padded = (json.length + 7) / 8 * 8;
        ByteBuffer head = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
        head.putLong(padded).put(json);
        while (head.hasRemaining()) head.put((byte) ' ');
        head.flip();
        Bundles.writeAtomically(file, ch -> {
            Bundles.writeFully(ch, head);
            ByteBuffer buf = ByteBuffer.allocate(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
            for (Entry e : tensors) {
                long n = e.count();
                for (long i = 0; i < n; ) {
                    buf.clear();
                    int k = (int) Math.min(n - i, buf.capacity() / 4);
                    dtype.encode(e.source(), e.offset() + (int) i, k, buf);
                    buf.flip();
                    Bundles.writeFully(ch, buf);
                    i += k;
                }
            }
        });
    }

    /** An open safetensors file whose header has been checked; tensors are read on demand. */
    public static final class Reader implements AutoCloseable {
        private final Path file;
        private final FileChannel ch;
        private final long dataStart;
        private final Map<String, TensorInfo> tensors;
        private final Map<String, String> metadata;

        private Reader(Path file, FileChannel ch, long dataStart, Map<String, TensorInfo> tensors, Map<String, String> metadata) {
            this.file = file;
            this.ch = ch;
            this.dataStart = dataStart;
            this.tensors = tensors;
            this.metadata = metadata;
        }

        public Map<String, TensorInfo> tensors() {
            return tensors;
        }

        public Map<String, String> metadata() {
            return metadata;
        }

        public Path file() {
            return file;
        }

        /** The tensor's values as float32 (F16 and BF16 widen exactly). */
        public float[] floats(String name) throws IOException {
            TensorInfo t = tensors.get(name);
            if (t == null) throw new IllegalArgumentException(file + ": no tensor " + name);
            if (t.count() > Integer.MAX_VALUE - 16) throw new IllegalArgumentException(file + ": tensor " + name + " is too large");
            float[] out = new float[(int) t.count()];
            readInto(t, out, 0);
            return out;
        }

        /** Reads a tensor's values as float32 into {@code out} from {@code at}. */
        public void readInto(TensorInfo t, float[] out, int at) throws IOException {
            long pos = dataStart + t.begin(), end = dataStart + t.end();
            ByteBuffer buf = ByteBuffer.allocate(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
            int w = t.dtype().bytes, i = at;
            while (pos < end) {
                buf.clear();
                buf.limit((int) Math.min(buf.capacity() / w * w, end - pos));
                while (buf.hasRemaining()) {
                    int r = ch.read(buf, pos + buf.position());
                    if (r < 0) throw new IllegalArgumentException(file + ": tensor " + t.name() + " is truncated");
                }
                pos += buf.limit();
                buf.flip();
                i = t.dtype().decode(buf, out, i);
            }
        }

        @Override
        public void close() throws IOException {
            ch.close();
        }
    }

    /** Opens a file and checks its header completely; every error names the file and what is wrong. */
    public static Reader open(Path file) throws IOException {
        FileChannel ch;
        try {
            ch = FileChannel.open(file, StandardOpenOption.READ);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException(file + ": no such file");
        }
        try {
            long size = ch.size();
            String bad = file + ": ";
            if (size < 8) throw new IllegalArgumentException(bad + "only " + size + " bytes, not a safetensors file");
            ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, lenBuf, 0);
            long n = lenBuf.flip().getLong();
            if (n < 2 || n > MAX_HEADER) {
                throw new IllegalArgumentException(bad + "header length " + Long.toUnsignedString(n) + " is "
                        + (n < 2 ? "too small" : "over the " + MAX_HEADER + "-byte limit"));
            }
            if (8 + n > size) throw new IllegalArgumentException(bad + "header length " + n + " runs past the end of the file (" + size + " bytes)");
            ByteBuffer hb = ByteBuffer.allocate((int) n);
            readFully(ch, hb, 8);
            JsonNode header;
            try {
                header = JSON.readTree(StandardCharsets.UTF_8.newDecoder().decode(hb.flip()).toString());
            } catch (JsonProcessingException e) {
                throw new IllegalArgumentException(bad + "header is not valid JSON: " + e.getOriginalMessage());
            } catch (java.nio.charset.CharacterCodingException e) {
                throw new IllegalArgumentException(bad + "header is not valid UTF-8");
            }
            if (header == null || !header.isObject()) throw new IllegalArgumentException(bad + "header is not a JSON object");
            long dataLen = size - 8 - n;
            Map<String, String> meta = new LinkedHashMap<>();
            List<TensorInfo> list = new ArrayList<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = header.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> f = it.next();
                if (f.getKey().equals("__metadata__")) {
                    if (!f.getValue().isObject()) throw new IllegalArgumentException(bad + "__metadata__ is not an object");
                    f.getValue().fields().forEachRemaining(m -> {
                        if (!m.getValue().isTextual()) throw new IllegalArgumentException(bad + "__metadata__." + m.getKey() + " is not a string");
                        meta.put(m.getKey(), m.getValue().asText());
                    });
                    continue;
                }
                list.add(tensorInfo(bad, f.getKey(), f.getValue()));
            }
            list.sort(Comparator.comparingLong(TensorInfo::begin).thenComparingLong(TensorInfo::end));
            long expect = 0;
            for (TensorInfo t : list) {
                if (t.begin() != expect) {
                    throw new IllegalArgumentException(bad + "tensor " + t.name() + " starts at byte " + t.begin() + " of the data, expected "
                            + expect + (t.begin() < expect ? " (it overlaps the tensor before)" : " (a gap before it)"));
                }
                expect = t.end();
            }
            if (expect != dataLen) {
                throw new IllegalArgumentException(bad + "the tensors cover " + expect + " bytes of data but the file holds " + dataLen);
            }
            Map<String, TensorInfo> byName = new LinkedHashMap<>();
            for (TensorInfo t : list) byName.put(t.name(), t);
            return new Reader(file, ch, 8 + n, byName, meta);
        } catch (RuntimeException | IOException e) {
            ch.close();
            throw e;
        }
    }

    private static TensorInfo tensorInfo(String bad, String name, JsonNode t) {
        String where = bad + "tensor " + name + ": ";
        if (!t.isObject()) throw new IllegalArgumentException(where + "its entry is not an object");
        for (Iterator<String> it = t.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if (!k.equals("dtype") && !k.equals("shape") && !k.equals("data_offsets")) throw new IllegalArgumentException(where + "unknown field " + k);
        }
        Dtype dtype = Dtype.parse(t.path("dtype").asText(null), where);
        JsonNode sh = t.get("shape"), off = t.get("data_offsets");
        if (sh == null || !sh.isArray()) throw new IllegalArgumentException(where + "shape is missing or not an array");
        if (sh.size() > 8) throw new IllegalArgumentException(where + "shape has " + sh.size() + " dimensions (at most 8)");
        long[] shape = new long[sh.size()];
        long count = 1;
        for (int i = 0; i < shape.length; i++) {
            JsonNode d = sh.get(i);
            if (!d.canConvertToLong() || !d.isIntegralNumber() || d.asLong() < 0) throw new IllegalArgumentException(where + "shape[" + i + "] is not a non-negative integer");
            shape[i] = d.asLong();
            try {
                count = Math.multiplyExact(count, shape[i]);
            } catch (ArithmeticException x) {
                count = Long.MAX_VALUE;
            }
            if (count > (1L << 40)) throw new IllegalArgumentException(where + "shape is too large");
        }
        if (off == null || !off.isArray() || off.size() != 2 || !off.get(0).isIntegralNumber() || !off.get(1).isIntegralNumber()
                || !off.get(0).canConvertToLong() || !off.get(1).canConvertToLong()) {
            throw new IllegalArgumentException(where + "data_offsets is not a pair of integers");
        }
        long b = off.get(0).asLong(), e = off.get(1).asLong();
        if (b < 0 || e < b) throw new IllegalArgumentException(where + "data_offsets [" + b + ", " + e + "] are out of order");
        if (e - b != count * dtype.bytes) {
            throw new IllegalArgumentException(where + "shape " + java.util.Arrays.toString(shape) + " of " + dtype + " needs "
                    + count * dtype.bytes + " bytes but data_offsets give " + (e - b));
        }
        return new TensorInfo(name, dtype, shape, b, e);
    }

    private static void readFully(FileChannel ch, ByteBuffer b, long pos) throws IOException {
        while (b.hasRemaining()) {
            int r = ch.read(b, pos + b.position());
            if (r < 0) throw new IOException("unexpected end of file");
        }
    }
}

package dev.cairn.data;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * Streams documents out of {@code .txt} and {@code .md} files (one document each), {@code .jsonl} and
 * {@code .jsonl.gz} files in the Dolma shape (one document per line) and directories (recursively, in sorted
 * path order; other files are skipped and counted). Decoding is strict UTF-8; errors name file, line and byte
 * offset. Only one document is in memory at a time.
 */
final class DocumentReader {
    /** A document as read, before normalisation. */
    record RawDocument(String text, String origin, String license, JsonNode dolma) {}

    private final ObjectMapper json;
    private final long maxDocumentBytes;
    int skippedFiles;
    final List<String> files = new ArrayList<>();

    DocumentReader(long maxDocumentBytes) {
        this.maxDocumentBytes = maxDocumentBytes;
        // Jackson's default string cap (20 MB) is below the document limit: the line limit bounds a line instead
        int maxString = (int) Math.min(Integer.MAX_VALUE - 8, maxDocumentBytes + (1 << 20));
        this.json = new ObjectMapper(com.fasterxml.jackson.core.JsonFactory.builder()
                .streamReadConstraints(com.fasterxml.jackson.core.StreamReadConstraints.builder().maxStringLength(maxString).build()).build());
    }

    /** Normalised text: a leading BOM dropped, CRLF and CR turned into LF, then Unicode NFC. */
    static String normalize(String text) {
        if (text.startsWith("\uFEFF")) text = text.substring(1);
        if (text.indexOf('\r') >= 0) text = text.replace("\r\n", "\n").replace('\r', '\n');
        return Normalizer.isNormalized(text, Normalizer.Form.NFC) ? text : Normalizer.normalize(text, Normalizer.Form.NFC);
    }

    void read(Path path, Consumer<RawDocument> sink) {
        if (!Files.exists(path)) throw new DataException(path + ": no such file or directory");
        if (Files.isDirectory(path)) {
            List<Path> all;
            try (Stream<Path> s = Files.walk(path)) {
                all = s.filter(Files::isRegularFile).sorted().toList();
            } catch (IOException e) {
                throw new DataException(path + ": cannot list directory: " + e.getMessage(), e);
            }
            for (Path p : all) {
                if (kind(p) == null) skippedFiles++;
                else readFile(p, sink);
            }
            return;
        }
        if (kind(path) == null) throw new DataException(path + ": unsupported file type (use .txt, .md, .jsonl or .jsonl.gz)");
        readFile(path, sink);
    }

    private static String kind(Path p) {
        String n = p.getFileName().toString();
        if (n.endsWith(".txt") || n.endsWith(".md")) return "text";
        if (n.endsWith(".jsonl")) return "jsonl";
        if (n.endsWith(".jsonl.gz")) return "jsonl.gz";
        return null;
    }

    private void readFile(Path p, Consumer<RawDocument> sink) {
        files.add(p.toString());
        try {
            switch (kind(p)) {
                case "text" -> {
                    long size = Files.size(p);
                    if (size > maxDocumentBytes) throw new DataException(p + ": document is " + size + " bytes, over the limit of " + maxDocumentBytes + " bytes (--max-doc-bytes)");
                    sink.accept(new RawDocument(decodeStrict(Files.readAllBytes(p), p + "", 0), p.toString(), null, null));
                }
                case "jsonl" -> {
                    try (InputStream in = new BufferedInputStream(Files.newInputStream(p), 1 << 16)) {
                        readJsonl(in, p.toString(), sink);
                    }
                }
                default -> {
                    long limit = decompressedLimit(Files.size(p));
                    try (InputStream in = new BufferedInputStream(new Bounded(new GZIPInputStream(Files.newInputStream(p), 1 << 16), limit, p), 1 << 16)) {
                        readJsonl(in, p.toString(), sink);
                    } catch (EOFException | ZipException e) {
                        throw new DataException(p + ": truncated or corrupt gzip file (" + e.getMessage() + ")", e);
                    }
                }
            }
        } catch (EOFException | ZipException e) {
            throw new DataException(p + ": truncated or corrupt gzip file (" + e.getMessage() + ")", e);
        } catch (IOException e) {
            throw new DataException(p + ": " + e.getMessage(), e);
        }
    }

    /** Gzip expands at most 1032:1; text ~4:1. Past 200:1 (and 64 MiB) a .gz is a decompression bomb, not a corpus. */
    static final int MAX_GZIP_RATIO = 200;
    static final long MIN_GZIP_LIMIT = 64L << 20;

    static long decompressedLimit(long compressedBytes) {
        return Math.max(MIN_GZIP_LIMIT, compressedBytes * MAX_GZIP_RATIO);
    }

    /** Counts what the gzip layer hands out and refuses, naming the file, past {@code limit} bytes. */
    private static final class Bounded extends java.io.FilterInputStream {
        private final long limit;
        private final Path file;
        private long count;

        Bounded(InputStream in, long limit, Path file) {
            super(in);
            this.limit = limit;
            this.file = file;
        }

        @Override
        public int read() throws IOException {
            int c = super.read();
            if (c >= 0) add(1);
            return c;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            if (n > 0) add(n);
            return n;
        }

        private void add(long n) {
            count += n;
            if (count > limit) {
                throw new DataException(file + ": decompresses to more than " + limit + " bytes (over " + MAX_GZIP_RATIO
                        + " times its compressed size, and over 64 MiB): refused as a decompression bomb");
            }
        }
    }

    private void readJsonl(InputStream in, String file, Consumer<RawDocument> sink) throws IOException {
        long lineLimit = maxDocumentBytes + (1 << 20); // the text plus up to 1 MiB of JSON around it
        byte[] buf = new byte[1 << 16];
        long offset = 0;
        long lineNo = 0;
        while (true) {
            int n = 0;
            int c;
            long lineStart = offset;
            boolean any = false;
            while ((c = in.read()) >= 0) {
                any = true;
                offset++;
                if (c == '\n') break;
                if (n == buf.length) {
                    if (n >= lineLimit) throw new DataException(file + ": line " + (lineNo + 1) + " is over the limit of " + lineLimit + " bytes (documents are limited to " + maxDocumentBytes + " bytes, --max-doc-bytes)");
                    buf = java.util.Arrays.copyOf(buf, (int) Math.min(lineLimit + 1, (long) buf.length * 2));
                }
                buf[n++] = (byte) c;
            }
            if (!any) return;
            lineNo++;
            if (n > 0 && buf[n - 1] == '\r') n--;
            String line = decodeStrict(java.util.Arrays.copyOf(buf, n), file + ": line " + lineNo, lineStart);
            if (line.isBlank()) continue;
            JsonNode doc;
            try {
                doc = json.readTree(line);
            } catch (JsonProcessingException e) {
                throw new DataException(file + ": line " + lineNo + ": malformed JSON (" + dev.cairn.ledger.Hex.oneLine(e.getOriginalMessage()) + ")");
            }
            if (doc == null || !doc.isObject()) throw new DataException(file + ": line " + lineNo + ": not a JSON object");
            JsonNode text = doc.get("text");
            if (text == null || text.isNull()) throw new DataException(file + ": line " + lineNo + ": missing field \"text\"");
            if (!text.isTextual()) throw new DataException(file + ": line " + lineNo + ": field \"text\" is not a string");
            String t = text.asText();
            if (t.length() > maxDocumentBytes) throw new DataException(file + ": line " + lineNo + ": document is over the limit of " + maxDocumentBytes + " bytes (--max-doc-bytes)");
            JsonNode lic = doc.get("license");
            if (lic != null && !lic.isNull() && !lic.isTextual()) throw new DataException(file + ": line " + lineNo + ": field \"license\" is not a string");
            sink.accept(new RawDocument(t, file + ":" + lineNo, lic == null || lic.isNull() ? null : lic.asText(), doc));
        }
    }

    /** Strict UTF-8; on error names where and the absolute byte offset of the first bad byte. */
    static String decodeStrict(byte[] bytes, String where, long baseOffset) {
        CharsetDecoder d = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes);
        CharBuffer out = CharBuffer.allocate(bytes.length);
        CoderResult r = d.decode(in, out, true);
        if (r.isError()) {
            throw new DataException(where + ": invalid UTF-8 at byte offset " + (baseOffset + in.position()));
        }
        r = d.flush(out);
        out.flip();
        return out.toString();
    }
}

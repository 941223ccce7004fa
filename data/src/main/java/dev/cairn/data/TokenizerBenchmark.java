package dev.cairn.data;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Function;

/**
 * Tokenizer figures on the Shakespeare sample: training time for a vocabulary, then encode throughput of
 * Cairn's encoder beside the Hugging Face {@code tokenizers} library (Rust, through DJL) on the same text and
 * the same tokenizer.json, on 1 and 2 threads. Both encoders must agree on every id first.
 */
public final class TokenizerBenchmark {
    private TokenizerBenchmark() {}

    /** Runs and prints the figures. */
    public static void run(PrintWriter out, int vocab, double seconds, int maxThreads) {
        System.setProperty("OPT_OUT_TRACKING", "true"); // DJL: no telemetry
        System.setProperty("slf4j.internal.verbosity", "ERROR"); // no "no SLF4J provider" notice
        String text = SampleCorpus.shakespeare();
        long bytes = text.getBytes(StandardCharsets.UTF_8).length;
        out.printf(Locale.ROOT, "cairn bench tokenizer: Shakespeare sample, %,d bytes, vocabulary %d%n", bytes, vocab);
        BpeTokenizer.train(List.of(text.substring(0, 200_000)), 512); // warm the JIT for the trainer
        long t0 = System.nanoTime();
        BpeTokenizer ours = BpeTokenizer.train(List.of(text), vocab);
        double train = (System.nanoTime() - t0) / 1e9;
        out.printf(Locale.ROOT, "train %d-token vocabulary: %.2f s (target <= 10 s)%n", ours.vocabSize(), train);
        out.flush();
        List<String> chunks = chunks(text, 64 * 1024);
        try (HuggingFaceTokenizer hf = HuggingFaceTokenizer.newInstance(new ByteArrayInputStream(ours.toHuggingFaceJson()),
                Map.of("truncation", "false", "padding", "false", "addSpecialTokens", "false"))) {
            long tokens = 0;
            for (String c : chunks) {
                int[] a = ours.encode(c);
                int[] b = Arrays.stream(hf.encode(c, false, false).getIds()).mapToInt(Math::toIntExact).toArray();
                if (!Arrays.equals(a, b)) throw new IllegalStateException("Cairn and Hugging Face disagree on a chunk; no figures");
                tokens += a.length;
            }
            out.printf(Locale.ROOT, "ids identical to Hugging Face tokenizers on all %d chunks (%,d tokens)%n", chunks.size(), tokens);
            for (int threads = 1; threads <= maxThreads; threads++) {
                double c = throughput(chunks, threads, seconds, s -> ours.encode(s).length);
                double h = throughput(chunks, threads, seconds, s -> hf.encode(s, false, false).getIds().length);
                out.printf(Locale.ROOT, "encode, %d thread%s: cairn %6.2f MB/s   huggingface %6.2f MB/s   cairn/hf = %.2fx (target >= 1.0x)%n",
                        threads, threads == 1 ? " " : "s", c * bytes / 1e6, h * bytes / 1e6, c / h);
                out.flush();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static List<String> chunks(String text, int size) {
        List<String> out = new ArrayList<>();
        int i = 0;
        while (i < text.length()) {
            int end = Math.min(text.length(), i + size);
            int nl = text.indexOf('\n', end);
            end = nl < 0 || end == text.length() ? text.length() : nl + 1;
            out.add(text.substring(i, end));
            i = end;
        }
        return out;
    }

    /** Passes over the whole text per second: each of the threads encodes every threads-th chunk. */
    private static double throughput(List<String> chunks, int threads, double seconds, Function<String, Integer> encode) {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            pass(pool, chunks, threads, encode); // warm-up
            long t0 = System.nanoTime();
            int passes = 0;
            do {
                pass(pool, chunks, threads, encode);
                passes++;
            } while (System.nanoTime() - t0 < seconds * 1e9);
            return passes / ((System.nanoTime() - t0) / 1e9);
        } finally {
            pool.shutdownNow();
        }
    }

    private static void pass(ExecutorService pool, List<String> chunks, int threads, Function<String, Integer> encode) {
        List<Future<Long>> fs = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            final int first = t;
            fs.add(pool.submit(() -> {
                long n = 0;
                for (int i = first; i < chunks.size(); i += threads) n += encode.apply(chunks.get(i));
                return n;
            }));
        }
        try {
            for (Future<Long> f : fs) f.get();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}

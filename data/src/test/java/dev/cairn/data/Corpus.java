package dev.cairn.data;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/** The Shakespeare sample shipped as a resource, and slices of it for fast tests. */
final class Corpus {
    private Corpus() {}

    private static String text;

    static synchronized String shakespeare() {
        if (text == null) {
            try (InputStream in = Corpus.class.getResourceAsStream("/dev/cairn/data/tinyshakespeare.txt")) {
                text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return text;
    }

    static String slice(int chars) {
        String s = shakespeare();
        return s.substring(0, Math.min(chars, s.length()));
    }

    static byte[] resource(String name) {
        try (InputStream in = Corpus.class.getResourceAsStream(name)) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

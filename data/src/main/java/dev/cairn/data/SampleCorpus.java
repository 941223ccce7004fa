package dev.cairn.data;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/** The Shakespeare sample shipped with Cairn ({@code tinyshakespeare.txt}, see its PROVENANCE file). */
public final class SampleCorpus {
    private SampleCorpus() {}

    /** The SPDX-style licence Cairn records for it. */
    public static final String LICENSE = "LicenseRef-PublicDomain";

    /** The whole text (1,115,394 bytes). */
    public static String shakespeare() {
        try (InputStream in = SampleCorpus.class.getResourceAsStream("tinyshakespeare.txt")) {
            if (in == null) throw new IllegalStateException("tinyshakespeare.txt is missing from the cairn-data jar");
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

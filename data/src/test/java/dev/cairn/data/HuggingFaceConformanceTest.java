package dev.cairn.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Our tokenizer.json read by the Hugging Face library, and a tokenizer.json the Hugging Face library trained read by us. */
class HuggingFaceConformanceTest {
    static {
        System.setProperty("OPT_OUT_TRACKING", "true");
    }

    static HuggingFaceTokenizer huggingFace(byte[] tokenizerJson) throws IOException {
        return HuggingFaceTokenizer.newInstance(new ByteArrayInputStream(tokenizerJson),
                Map.of("truncation", "false", "padding", "false", "addSpecialTokens", "false"));
    }

    static int[] idsOf(HuggingFaceTokenizer hf, String text) {
        return Arrays.stream(hf.encode(text, false, false).getIds()).mapToInt(Math::toIntExact).toArray();
    }

    @Test
    void huggingFaceReadsOurTokenizerAndAgreesOnShakespeare() throws IOException {
        BpeTokenizer ours = BpeTokenizer.train(List.of(Corpus.slice(300_000)), 2048);
        try (HuggingFaceTokenizer hf = huggingFace(ours.toHuggingFaceJson())) {
            // text the tokenizer was not trained on, plus non-ASCII and odd whitespace
            String text = Corpus.shakespeare().substring(600_000, 900_000)
                    + "\n  naïve café — “quoted” 中文 😀 \t\ttabs  \r\n\u00A0nbsp 12345 I'll you're";
            assertArrayEquals(idsOf(hf, text), ours.encode(text));
            int[] ids = ours.encode(text);
            long[] asLong = Arrays.stream(ids).asLongStream().toArray();
            assertEquals(text, hf.decode(asLong, false));
        }
    }

    @Test
    void weReadATokenizerTrainedByHuggingFaceAndAgree() throws IOException {
        byte[] json = Corpus.resource("/dev/cairn/data/hf-trained-bpe.json");
        BpeTokenizer ours = BpeTokenizer.fromHuggingFaceJson(json);
        try (HuggingFaceTokenizer hf = huggingFace(json)) {
            // the whole corpus (the tokenizer saw only its first 20,000 characters)
            String text = Corpus.shakespeare();
            assertArrayEquals(idsOf(hf, text), ours.encode(text));
            String odd = "Zounds & 3 $ ducats; naïve 😀 [x]";
            assertArrayEquals(idsOf(hf, odd), ours.encode(odd));
        }
    }
}

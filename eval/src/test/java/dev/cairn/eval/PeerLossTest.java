package dev.cairn.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cairn.numerics.Kernels;
import dev.cairn.numerics.Parallel;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Held-out cross-entropy of an exported model: Cairn's scorer against the PyTorch peer reading the same directory and token ids. */
class PeerLossTest {
    @TempDir Path tmp;

    @Test
    void heldOutCrossEntropyAgreesWithThePyTorchPeer() throws Exception {
        Path script = EvalFixture.examples().getParent().getParent().getParent().resolve("shared/peers/torch_hf_gpt2.py");
        boolean torch = Files.exists(script) && new ProcessBuilder("/usr/bin/python3", "-c", "import torch, numpy").start().waitFor() == 0;
        if (!torch) {
            if ("true".equals(System.getenv("CI"))) fail("PyTorch for /usr/bin/python3 or ../shared/peers is missing in CI");
            Assumptions.assumeTrue(false, "PyTorch or ../shared/peers/torch_hf_gpt2.py is missing; skipping the peer check");
        }
        Path dir = EvalFixture.modelDir(tmp, 8);
        var m = dev.cairn.release.HfDirectory.read(dir);
        int[] ids = m.tokenizer().encode(EvalFixture.shakespeare(300_000, 304_200));
        int T = m.config().contextLen(), n = (ids.length - 1) / T;
        ByteBuffer b = ByteBuffer.allocate(4 * ids.length).order(ByteOrder.LITTLE_ENDIAN);
        for (int id : ids) b.putInt(id);
        Path tokens = tmp.resolve("ids.bin");
        Files.write(tokens, b.array());
        List<Scorer.Request> windows = new ArrayList<>();
        for (int w = 0; w < n; w++) windows.add(new Scorer.Request(java.util.Arrays.copyOfRange(ids, w * T, w * T + T + 1), 1));
        double sum = 0;
        try (Parallel par = new Parallel(2)) {
            for (Scorer.Score s : new Scorer(m, Kernels.named("vector"), par, 8).score(windows)) sum += s.logLikelihood();
        }
        double ours = -sum / (n * T);
        Process p = new ProcessBuilder("/usr/bin/python3", script.toString(), "loss", dir.toString(), "--tokens", tokens.toString(), "--dtype", "int32")
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(300, TimeUnit.SECONDS) && p.exitValue() == 0, out);
        JsonNode peer = Evaluator.JSON.readTree(out.lines().reduce((a, c) -> c).orElse(""));
        assertEquals((long) n * T, peer.path("tokens").asLong());
        double rel = Math.abs(ours - peer.path("loss").asDouble()) / peer.path("loss").asDouble();
        System.out.printf("held-out cross-entropy: cairn %.9f, PyTorch peer %.9f, relative difference %.3g over %d tokens%n", ours, peer.path("loss").asDouble(), rel, n * T);
        assertTrue(rel <= 1e-5, "relative difference " + rel);
    }
}

package dev.cairn.release;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * Implementations Cairn did not write, run as processes: the PyTorch reader in ../shared/peers and the npm
 * packages under src/test/node. On a developer's machine a missing one skips its test with a message; in CI
 * (CI=true) it fails, since .ci/run installs them.
 */
final class Peers {
    private Peers() {}

    static Path repoRoot() {
        Path p = Path.of("").toAbsolutePath();
        while (p != null && !Files.exists(p.resolve("run-tests"))) p = p.getParent();
        if (p == null) throw new IllegalStateException("cannot find the repository root from " + Path.of("").toAbsolutePath());
        return p;
    }

    static void require(boolean present, String what) {
        if (present) return;
        if ("true".equals(System.getenv("CI"))) fail(what + " is missing in CI; .ci/run must install it");
        Assumptions.assumeTrue(false, what + " is missing; skipping (install it to run this check)");
    }

    /** The PyTorch GPT-2 directory reader, with Debian's python3 that has torch. */
    static List<String> torchHfGpt2() throws IOException, InterruptedException {
        Path script = repoRoot().getParent().resolve("shared/peers/torch_hf_gpt2.py");
        require(Files.exists(script), "../shared/peers/torch_hf_gpt2.py");
        boolean torch = Files.exists(Path.of("/usr/bin/python3"))
                && run(List.of("/usr/bin/python3", "-c", "import torch, numpy"), 120).exitCode == 0;
        require(torch, "PyTorch for /usr/bin/python3 (apt-get install python3-torch libopenblas0-pthread)");
        return List.of("/usr/bin/python3", script.toString());
    }

    /** The PyTorch Llama directory reader under src/test/python, with Debian's python3 that has torch. */
    static List<String> torchHfLlama() throws IOException, InterruptedException {
        Path script = repoRoot().resolve("release/src/test/python/torch_hf_llama.py");
        boolean torch = Files.exists(Path.of("/usr/bin/python3"))
                && run(List.of("/usr/bin/python3", "-c", "import torch, numpy"), 120).exitCode == 0;
        require(torch, "PyTorch for /usr/bin/python3 (apt-get install python3-torch libopenblas0-pthread)");
        return List.of("/usr/bin/python3", script.toString());
    }

    /** node with the packages of src/test/node installed. */
    static Path nodeScripts() throws IOException, InterruptedException {
        Path dir = repoRoot().resolve("release/src/test/node");
        boolean node = run(List.of("node", "--version"), 30).exitCode == 0 && Files.isDirectory(dir.resolve("node_modules/@sigstore/verify"));
        require(node && Files.isDirectory(dir.resolve("node_modules/@huggingface/gguf")),
                "node with release/src/test/node's packages (npm ci --prefix release/src/test/node)");
        return dir;
    }

    record Result(int exitCode, String out, String err) {}

    static Result run(List<String> cmd, int timeoutSeconds) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(cmd);
        Path out = Files.createTempFile("peer", ".out"), err = Files.createTempFile("peer", ".err");
        pb.redirectOutput(out.toFile()).redirectError(err.toFile());
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            return new Result(127, "", e.getMessage());
        }
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException("timed out: " + cmd);
        }
        Result r = new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
        Files.deleteIfExists(out);
        Files.deleteIfExists(err);
        return r;
    }

    static List<String> concat(List<String> a, String... more) {
        List<String> l = new ArrayList<>(a);
        l.addAll(List.of(more));
        return l;
    }
}

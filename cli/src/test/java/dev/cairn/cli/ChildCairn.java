package dev.cairn.cli;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** {@code cairn ARGS --home HOME} in a new JVM (the test class path), its output in files under {@code scratch}. */
record ChildCairn(Process process, Path out, Path err) {
    static ChildCairn start(Path home, Path scratch, String lockWait, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules", "jdk.incubator.vector", "-XX:TieredStopAtLevel=1", "-Xmx256m",
                "-cp", System.getProperty("java.class.path"), Main.class.getName()));
        cmd.addAll(List.of(args));
        cmd.addAll(List.of("--home", home.toString()));
        Path out = Files.createTempFile(scratch, "out", ".txt"), err = Files.createTempFile(scratch, "err", ".txt");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile());
        pb.environment().put("CAIRN_LOCK_WAIT", lockWait);
        return new ChildCairn(pb.start(), out, err);
    }

    int exit() throws Exception {
        assertTrue(process.waitFor(120, TimeUnit.SECONDS), "child did not finish");
        return process.exitValue();
    }

    /** What the command printed on stderr, without the JVM's incubator-module warning. */
    String stderr() throws IOException {
        return Files.readString(err).replaceFirst("^WARNING: Using incubator modules: [^\n]*\n", "");
    }

    String stdout() throws IOException {
        return Files.readString(out);
    }
}

package dev.cairn.cli;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Cairn servers (nodes, witnesses, mirrors) started in their own JVMs for a test, and stopped after it. */
final class CairnProcesses implements AutoCloseable {
    final List<Process> procs = new ArrayList<>();

    /** Starts a cairn command in its own JVM and returns the URL it prints on the line starting with {@code marker}. */
    String start(String marker, String... args) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>(List.of(java, "--add-modules", "jdk.incubator.vector", "-cp", System.getProperty("java.class.path"), "dev.cairn.cli.Main"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        procs.add(p);
        BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream()));
        String line;
        while ((line = r.readLine()) != null) {
            if (line.startsWith(marker)) {
                Thread.ofVirtual().start(() -> r.lines().forEach(l -> { }));
                return line.substring(line.indexOf("http")).split(" ")[0];
            }
        }
        throw new AssertionError(String.join(" ", args) + " did not start");
    }

    @Override
    public void close() {
        for (Process p : procs) p.destroyForcibly();
    }
}

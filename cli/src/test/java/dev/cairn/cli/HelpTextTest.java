package dev.cairn.cli;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** Every command's --help prints whole: picocli formats help text, and a stray percent sign garbles it with a warning. */
class HelpTextTest {
    @Test
    void everyCommandsHelpPrintsWithoutWarnings() {
        List<List<String>> paths = new ArrayList<>();
        collect(new CommandLine(new Cairn()), new ArrayList<>(), paths);
        assertTrue(paths.size() > 30, "found " + paths.size() + " commands");
        PrintStream stderr = System.err;
        ByteArrayOutputStream picocliErr = new ByteArrayOutputStream();
        System.setErr(new PrintStream(picocliErr, true, StandardCharsets.UTF_8)); // where picocli's tracer warns
        List<String> problems = new ArrayList<>();
        try {
            for (List<String> path : paths) {
                picocliErr.reset();
                List<String> args = new ArrayList<>(path);
                args.add("--help");
                StringWriter out = new StringWriter(), err = new StringWriter();
                int rc = Cairn.run(new PrintWriter(out, true), new PrintWriter(err, true), args.toArray(String[]::new));
                String name = "cairn " + String.join(" ", path);
                String warned = picocliErr.toString(StandardCharsets.UTF_8);
                if (rc != 0) problems.add(name + " --help: exit " + rc + ": " + err.toString().lines().findFirst().orElse(""));
                else if (!out.toString().startsWith("Usage: " + name.trim())) problems.add(name + " --help printed: " + out);
                if (warned.contains("WARN")) problems.add(name + " --help: " + warned.strip());
                String ragged = raggedDescriptionLine(out.toString());
                if (ragged != null) problems.add(name + " --help breaks its description early: \"" + ragged + "\"");
            }
        } finally {
            System.setErr(stderr);
        }
        assertTrue(problems.isEmpty(), problems.size() + " problems:\n" + String.join("\n", problems));
    }

    /**
     * A description line that ends well short of the width while its paragraph goes on (the next line is description
     * too), or null. Description lines are the unindented ones between the usage lines and the first blank or indented one.
     */
    static String raggedDescriptionLine(String help) {
        List<String> lines = help.lines().toList();
        int i = 1;
        while (i < lines.size() && lines.get(i).startsWith(" ")) i++; // the usage line's continuations
        for (; i + 1 < lines.size(); i++) {
            String line = lines.get(i), next = lines.get(i + 1);
            if (line.isBlank() || line.startsWith(" ") || line.endsWith(":")) break;
            if (!next.isBlank() && !next.startsWith(" ") && line.length() < 50) return line;
        }
        return null;
    }

    private static void collect(CommandLine cl, List<String> path, List<List<String>> paths) {
        if (!path.isEmpty() && path.getLast().equals("help")) return; // picocli's help command takes no --help
        paths.add(path);
        for (var e : cl.getSubcommands().entrySet()) {
            if (!e.getValue().getCommandName().equals(e.getKey())) continue; // an alias
            List<String> sub = new ArrayList<>(path);
            sub.add(e.getKey());
            collect(e.getValue(), sub, paths);
        }
    }
}

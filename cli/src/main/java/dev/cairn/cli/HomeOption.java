package dev.cairn.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * The {@code --home DIR} option every command that reads or writes Cairn state takes
 * (default {@code $CAIRN_HOME}, else {@code ./.cairn}). Use as {@code @Mixin HomeOption home;}.
 */
public final class HomeOption {
    @Option(names = "--home", paramLabel = "DIR",
            description = "Cairn state directory (default: $CAIRN_HOME, else ./.cairn).")
    Path home;

    /** The resolved home directory (not created). */
    public Path dir() {
        if (home != null) return home;
        String env = System.getenv("CAIRN_HOME");
        return env != null && !env.isBlank() ? Path.of(env) : Path.of(".cairn");
    }
}

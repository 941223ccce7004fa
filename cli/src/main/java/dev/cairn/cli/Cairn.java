package dev.cairn.cli;

import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The root command. Subcommands are registered here; each is thin and calls into a room. */
@Command(name = "cairn", mixinStandardHelpOptions = true, version = "cairn 0.1.0",
        description = "Community-governed language models with verifiable training.",
        subcommands = {CommandLine.HelpCommand.class, KeyCommand.class, LogCommand.class, DataCommand.class, TokenizerCommand.class})
public final class Cairn implements Runnable {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** Runs the command line and returns the exit code; tests call this directly. */
    public static int run(PrintWriter out, PrintWriter err, String... args) {
        CommandLine cl = new CommandLine(new Cairn());
        cl.setOut(out);
        cl.setErr(err);
        return cl.execute(args);
    }
}

package dev.cairn.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The root command. Subcommands are registered here; each is thin and calls into a room. */
@Command(name = "cairn", mixinStandardHelpOptions = true, version = "cairn 0.1.0",
        description = "Community-governed language models with verifiable training.",
        subcommands = {CommandLine.HelpCommand.class, DemoCommand.class, TrainCommand.class, GenerateCommand.class, ExportCommand.class, ImportCommand.class, ReleaseCommand.class, EvalCommand.class, ServeCommand.class, MirrorCommand.class, WitnessCommand.class, BenchCommand.class, KeyCommand.class, LogCommand.class, DataCommand.class, TokenizerCommand.class, InitCommand.class, ProposeCommand.class, VoteCommand.class, DelegateCommand.class, ProposalCommand.class, QueueCommand.class, ExecuteCommand.class, ForkCommand.class, LineageCommand.class, CommunityCommand.class, RunCommand.class, VerifyCommand.class, DoctorCommand.class, PlanCommand.class})
public final class Cairn implements Runnable {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** Runs the command line and returns the exit code; tests call this directly. */
    public static int run(PrintWriter out, PrintWriter err, String... args) {
        CommandLine cl = new CommandLine(new Cairn());
        joinDescriptions(cl);
        cl.setOut(out);
        cl.setErr(err);
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            // Bad input and expected failures: one line naming the problem, non-zero exit.
            String name = cmd.getCommandSpec().qualifiedName();
            if (ex instanceof IllegalArgumentException || ex instanceof java.io.IOException
                    || ex instanceof java.io.UncheckedIOException || ex instanceof IllegalStateException
                    || ex instanceof dev.cairn.data.DataException || ex instanceof dev.cairn.ledger.LedgerException
                    || ex instanceof dev.cairn.governance.RejectedException) {
                cmd.getErr().println(name + ": error: " + ex.getMessage());
                cmd.getErr().flush();
                return ex instanceof IllegalArgumentException ? 2 : 1;
            }
            if (ex instanceof dev.cairn.training.ComputeBudget.Exhausted) { // stopped at a checkpoint, the spend signed
                cmd.getErr().println(name + ": error: " + ex.getMessage());
                cmd.getErr().flush();
                return 4;
            }
            if (ex instanceof dev.cairn.training.Trainer.NonFiniteLossException) {
                cmd.getErr().println(name + ": error: " + ex.getMessage());
                cmd.getErr().flush();
                return 3;
            }
            throw ex;
        });
        return cl.execute(args);
    }

    /**
     * Picocli wraps each element of a description array on its own, so prose split across elements (to keep the
     * source narrow) printed as ragged lines; each run of elements becomes one paragraph, wrapped to the terminal.
     * An element starting with a space stays a line of its own.
     */
    static void joinDescriptions(CommandLine cl) {
        var usage = cl.getCommandSpec().usageMessage();
        List<String> paragraphs = new ArrayList<>();
        for (String line : usage.description()) {
            if (paragraphs.isEmpty() || line.startsWith(" ")) paragraphs.add(line);
            else paragraphs.set(paragraphs.size() - 1, paragraphs.getLast() + " " + line.strip());
        }
        usage.description(paragraphs.toArray(String[]::new));
        for (CommandLine sub : cl.getSubcommands().values()) joinDescriptions(sub);
    }
}

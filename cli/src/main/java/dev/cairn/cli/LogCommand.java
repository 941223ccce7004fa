package dev.cairn.cli;

import static dev.cairn.cli.KeyCommand.JSON;
import static dev.cairn.cli.KeyCommand.fail;
import static dev.cairn.cli.KeyCommand.printJson;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cairn.ledger.Checkpoint;
import dev.cairn.ledger.ConsistencyProof;
import dev.cairn.ledger.Hex;
import dev.cairn.ledger.Identity;
import dev.cairn.ledger.InclusionProof;
import dev.cairn.ledger.LedgerException;
import dev.cairn.ledger.LedgerHome;
import dev.cairn.ledger.LogEntry;
import dev.cairn.ledger.Statement;
import dev.cairn.ledger.Subject;
import dev.cairn.ledger.TransparencyLog;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code cairn log show|checkpoint|prove|consistency|verify}: read the community's transparency log
 * ({@code HOME/log}). Every command opens the log read-only, which already checks every byte against the
 * signed checkpoint; hashes print as lower-case hex.
 */
@Command(name = "log", mixinStandardHelpOptions = true, description = "Inspect and verify the transparency log (HOME/log).",
        subcommands = {LogCommand.Show.class, LogCommand.CheckpointCmd.class, LogCommand.Prove.class,
                LogCommand.Consistency.class, LogCommand.Verify.class, LogCommand.Evidence.class})
public final class LogCommand implements Runnable {
    @Spec CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    static List<String> hexes(List<byte[]> hs) {
        return hs.stream().map(Hex::encode).toList();
    }

    abstract static class LogReader implements Callable<Integer> {
        @Spec CommandSpec spec;
        @Mixin HomeOption home;
        @Option(names = "--json", description = "Print JSON.") boolean json;
        @Option(names = "--remote", paramLabel = "URL", description = "Read the log a node serves, through a verified mirror (HOME/remotes/).") String remote;

        abstract void run(TransparencyLog log, PrintWriter out);

        @Override
        public Integer call() {
            LedgerHome lh = new LedgerHome(home.dir());
            String remote = dev.cairn.training.NodeConfig.remote(home.dir(), this.remote);
            if (remote != null) {
                java.nio.file.Path mirror = GovernanceCli.mirrorHome(home.dir(), remote);
                dev.cairn.governance.Community.syncWitnessed(remote, mirror.resolve("log"));
                GovernanceCli.pinLogKey(mirror);
                lh = new LedgerHome(mirror);
            }
            try (TransparencyLog log = lh.openLogReadOnly()) {
                run(log, spec.commandLine().getOut());
                spec.commandLine().getOut().flush();
                return 0;
            }
        }
    }

    @Command(name = "show", mixinStandardHelpOptions = true, description = "Print the log's origin, size, root and its latest entries.")
    static final class Show extends LogReader {
        @Option(names = "--from", paramLabel = "INDEX", description = "First entry to list (default: the last --limit).") Long from;
        @Option(names = "--limit", paramLabel = "N", defaultValue = "20", description = "Entries to list (default 20).") int limit;

        @Override
        void run(TransparencyLog log, PrintWriter out) {
            long size = log.size();
            long start = from != null ? from : Math.max(0, size - limit);
            if (start < 0 || start > size) throw new LedgerException("--from " + start + " is outside 0.." + size);
            long stop = Math.min(size, start + Math.max(0, limit));
            ObjectNode n = JSON.createObjectNode();
            n.put("origin", log.origin());
            n.put("tree_size", size);
            n.put("root", Hex.encode(log.root()));
            n.put("log_key_id", log.logKey().keyId());
            ArrayNode entries = n.putArray("entries");
            for (long i = start; i < stop; i++) {
                LogEntry e = log.entry(i);
                ObjectNode o = entries.addObject();
                o.put("index", i);
                o.put("log_time", e.logTime().toString());
                o.put("leaf_hash", Hex.encode(e.leafHash()));
                o.put("payload_type", e.envelope().payloadType());
                ArrayNode signers = o.putArray("signers");
                e.envelope().signatures().forEach(s -> signers.add(s.keyid()));
                try {
                    Statement st = e.envelope().statement();
                    o.put("predicate_type", st.predicateType());
                    ArrayNode subs = o.putArray("subjects");
                    for (Subject s : st.subject()) subs.addObject().put("name", s.name()).put("sha256", s.sha256());
                } catch (LedgerException ex) {
                    o.put("error", ex.getMessage());
                }
            }
            if (json) {
                printJson(spec, n);
                return;
            }
            out.println("origin    " + log.origin());
            out.println("tree_size " + size);
            out.println("root      " + Hex.encode(log.root()));
            out.println("log_key   " + log.logKey().keyId());
            for (var o : entries) {
                out.printf("%6d  %s  %s  %s  signed by %s%n", o.get("index").asLong(), o.get("log_time").asText(),
                        o.path("predicate_type").asText("?"), o.get("leaf_hash").asText().substring(0, 16),
                        o.get("signers").size() == 0 ? "nobody" : o.get("signers").get(0).asText().substring(0, 16));
            }
        }
    }

    @Command(name = "checkpoint", mixinStandardHelpOptions = true, description = "Print the latest signed checkpoint (C2SP tlog-checkpoint).")
    static final class CheckpointCmd extends LogReader {
        @Override
        void run(TransparencyLog log, PrintWriter out) {
            Checkpoint cp = log.latestCheckpoint();
            if (json) {
                ObjectNode n = JSON.createObjectNode();
                n.put("origin", cp.origin());
                n.put("tree_size", cp.size());
                n.put("root", cp.rootHex());
                n.put("checkpoint", log.checkpoint());
                n.put("log_key_id", log.logKey().keyId());
                printJson(spec, n);
            } else {
                out.println("tree_size " + cp.size());
                out.println("root      " + cp.rootHex());
                out.println();
                out.print(log.checkpoint());
            }
        }
    }

    @Command(name = "prove", mixinStandardHelpOptions = true, description = "Print the inclusion proof (audit path) of entry INDEX.")
    static final class Prove extends LogReader {
        @Parameters(paramLabel = "INDEX") long index;
        @Option(names = "--tree-size", paramLabel = "N", description = "Prove against the tree of the first N entries (default: all).") Long treeSize;

        @Override
        void run(TransparencyLog log, PrintWriter out) {
            InclusionProof p = log.proveInclusion(index, treeSize == null ? log.size() : treeSize);
            if (!p.verify()) throw new LedgerException("internal error: the proof does not verify");
            if (json) {
                ObjectNode n = JSON.createObjectNode();
                n.put("leaf_index", p.leafIndex());
                n.put("tree_size", p.treeSize());
                n.put("root", Hex.encode(p.root()));
                n.put("leaf_hash", Hex.encode(p.leafHash()));
                ArrayNode a = n.putArray("audit_path");
                hexes(p.auditPath()).forEach(a::add);
                printJson(spec, n);
            } else {
                out.println("leaf_index " + p.leafIndex());
                out.println("tree_size  " + p.treeSize());
                out.println("root       " + Hex.encode(p.root()));
                out.println("leaf_hash  " + Hex.encode(p.leafHash()));
                out.println("audit_path");
                hexes(p.auditPath()).forEach(h -> out.println("  " + h));
            }
        }
    }

    @Command(name = "consistency", mixinStandardHelpOptions = true, description = "Print the consistency proof between tree sizes OLD_SIZE and NEW_SIZE.")
    static final class Consistency extends LogReader {
        @Parameters(index = "0", paramLabel = "OLD_SIZE") long oldSize;
        @Parameters(index = "1", paramLabel = "NEW_SIZE") long newSize;

        @Override
        void run(TransparencyLog log, PrintWriter out) {
            ConsistencyProof p = log.proveConsistency(oldSize, newSize);
            if (!p.verify()) throw new LedgerException("internal error: the proof does not verify");
            if (json) {
                ObjectNode n = JSON.createObjectNode();
                n.put("old_size", p.oldSize());
                n.put("new_size", p.newSize());
                n.put("old_root", Hex.encode(p.oldRoot()));
                n.put("new_root", Hex.encode(p.newRoot()));
                ArrayNode a = n.putArray("proof");
                hexes(p.proof()).forEach(a::add);
                printJson(spec, n);
            } else {
                out.println("old_size " + p.oldSize());
                out.println("new_size " + p.newSize());
                out.println("old_root " + Hex.encode(p.oldRoot()));
                out.println("new_root " + Hex.encode(p.newRoot()));
                out.println("proof");
                hexes(p.proof()).forEach(h -> out.println("  " + h));
            }
        }
    }

    @Command(name = "verify", mixinStandardHelpOptions = true, description = "Check every entry: framing, checksums, the signed checkpoint's root,"
            + " and every envelope's signatures and types.")
    static final class Verify extends LogReader {
        @Override
        void run(TransparencyLog log, PrintWriter out) {
            long[] count = {0};
            java.util.Set<String> signers = new java.util.TreeSet<>();
            log.replay((e, v) -> {
                count[0]++;
                for (Identity id : v.signers()) signers.add(id.keyId());
            });
            Checkpoint cp = log.latestCheckpoint();
            if (json) {
                ObjectNode n = JSON.createObjectNode();
                n.put("ok", true);
                n.put("tree_size", log.size());
                n.put("root", Hex.encode(log.root()));
                n.put("entries_verified", count[0]);
                n.put("distinct_signers", signers.size());
                n.put("checkpoint_tree_size", cp.size());
                n.put("checkpoint_root", cp.rootHex());
                printJson(spec, n);
            } else {
                out.println("ok: " + count[0] + " entries verified (signatures, types, checksums); root "
                        + Hex.encode(log.root()) + " matches the checkpoint signed by " + log.logKey().keyId());
            }
        }
    }


    @Command(name = "evidence", mixinStandardHelpOptions = true, description = "Check a split-view evidence file a mirror or client wrote: both checkpoints' signatures with the "
            + "log's key, and what they show together (two trees of one size: a fork, proven; a smaller tree after a larger one: a rollback).")
    static final class Evidence implements Callable<Integer> {
        @Spec CommandSpec spec;
        @picocli.CommandLine.Parameters(paramLabel = "FILE") java.nio.file.Path file;
        @Option(names = "--log-key", paramLabel = "HEX", description = "The log's key (default: the key of the mirror the file lies beside).") String logKey;

        @Override
        public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            String text = java.nio.file.Files.readString(file);
            int t = text.indexOf("--- trusted checkpoint\n"), sh = text.indexOf("--- shown checkpoint\n");
            if (t < 0 || sh < t) throw new IllegalArgumentException(file + ": not a Cairn evidence file (no trusted and shown checkpoints)");
            String trusted = text.substring(t + 23, sh), shown = text.substring(sh + 21);
            if (trusted.endsWith("\n\n")) trusted = trusted.substring(0, trusted.length() - 1);
            String origin = shown.substring(0, Math.max(0, shown.indexOf('\n')));
            dev.cairn.ledger.Identity key;
            if (logKey != null) {
                key = dev.cairn.ledger.Identity.ofHex(logKey);
            } else {
                String name = file.getFileName().toString();
                int at = name.indexOf(".evidence-");
                if (at < 0) throw new IllegalArgumentException(file + ": give --log-key HEX (no mirror beside the file)");
                try (TransparencyLog mirror = TransparencyLog.openReadOnly(file.resolveSibling(name.substring(0, at)))) {
                    key = mirror.logKey();
                }
            }
            dev.cairn.ledger.Checkpoint a = dev.cairn.ledger.Checkpoint.verify(trusted, origin, key), b = dev.cairn.ledger.Checkpoint.verify(shown, origin, key);
            String verdict;
            if (a.size() == b.size() && !java.util.Arrays.equals(a.root(), b.root())) {
                verdict = "PROOF OF A FORK: the log's key signed two different trees of size " + a.size();
            } else if (b.size() < a.size()) {
                verdict = "ROLLBACK: the log showed size " + b.size() + " after size " + a.size() + " (both signed by its key); a consistency proof from the entries decides whether it also forked";
            } else if (b.size() > a.size()) {
                verdict = "the log showed a larger tree (" + b.size() + ") that did not extend the trusted one (" + a.size() + "); both are signed by its key";
            } else {
                throw new IllegalArgumentException(file + ": the two checkpoints are the same tree; this is no evidence");
            }
            out.println(verdict);
            out.println("origin " + origin + ", log key " + key.keyId());
            out.flush();
            return 0;
        }
    }
}

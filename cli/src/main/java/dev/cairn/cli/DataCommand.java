package dev.cairn.cli;

import static dev.cairn.cli.KeyCommand.fail;

import dev.cairn.data.DataException;
import dev.cairn.data.DatasetManifest;
import dev.cairn.data.DatasetPolicy;
import dev.cairn.data.DatasetStore;
import dev.cairn.data.DocumentEntry;
import dev.cairn.data.InclusionProofJson;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code cairn data ...}: ingest documents into versioned datasets, prove and check membership, remove, trace. */
@Command(name = "data", mixinStandardHelpOptions = true,
        description = "Datasets: ingest with provenance and filters, immutable versions with Merkle roots, proofs, removal, trace.",
        subcommands = {DataCommand.Add.class, DataCommand.Prove.class, DataCommand.CheckProof.class, DataCommand.Remove.class,
                DataCommand.Show.class, DataTraceCommand.class})
final class DataCommand implements Runnable {
    @Spec CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }


    @Command(name = "add", mixinStandardHelpOptions = true,
            description = {"Ingest .txt, .md, .jsonl (Dolma shape) and .jsonl.gz files, or directories of them, as a new dataset version.",
                    "Filters (fixed when the dataset is created): licence policy, PII, Gopher-style quality, exact and near duplicates."})
    static final class Add implements Callable<Integer> {
        @Spec CommandSpec spec;
        @Mixin HomeOption home;
        @Parameters(arity = "1..*", paramLabel = "PATH") List<Path> paths;
        @Option(names = "--dataset", required = true, paramLabel = "NAME") String dataset;
        @Option(names = "--license", paramLabel = "SPDX-EXPR", description = "Licence of the documents (a document's own \"license\" field wins).") String license;
        @Option(names = "--source", required = true, paramLabel = "URI", description = "Where the documents come from.") String source;
        @Option(names = "--append", description = "Add a new version to an existing dataset (its policy applies).") boolean append;
        @Option(names = "--allow-license", split = ",", paramLabel = "ID", description = "SPDX identifiers allowed (default: any on the SPDX list).") List<String> allow = new ArrayList<>();
        @Option(names = "--allow-unknown-license", description = "Accept documents without a licence or with identifiers not on the SPDX list.") boolean allowUnknown;
        @Option(names = "--refuse-terms", split = ",", paramLabel = "TERM", description = "Refuse licences with these terms: non-commercial, no-derivatives, share-alike (always flagged).") List<String> refuse = new ArrayList<>();
        @Option(names = "--pii", defaultValue = "redact", paramLabel = "POLICY", description = "E-mail addresses and phone numbers: redact (default), drop or keep.") String pii;
        @Option(names = "--near-dup-threshold", defaultValue = "0.8", paramLabel = "J", description = "Estimated Jaccard similarity for near duplicates (default 0.8).") double threshold;
        @Option(names = "--no-exact-dedup", description = "Keep exact duplicates out only by id (no counted filter).") boolean noExact;
        @Option(names = "--no-near-dedup", description = "Do not remove near duplicates.") boolean noNear;
        @Option(names = "--no-quality", description = "Do not apply the quality rules (attributes are still recorded).") boolean noQuality;
        @Option(names = "--max-doc-bytes", defaultValue = "" + DatasetPolicy.DEFAULT_MAX_DOCUMENT_BYTES, paramLabel = "N", description = "Refuse documents longer than this (default 64 MiB).") long maxBytes;

        @Override
        public Integer call() {
            DatasetPolicy policy = new DatasetPolicy(allow, allowUnknown, refuse, !noExact, !noNear, threshold, pii, !noQuality, maxBytes);
            DatasetStore store = new DatasetStore(home.dir());
            DatasetStore.AddResult r = store.add(new DatasetStore.AddRequest(dataset, paths, license, source, policy, append));
            PrintWriter out = spec.commandLine().getOut();
            DatasetManifest m = r.manifest();
            out.printf(Locale.ROOT, "%s: %d documents read, %d added, %d in the version (root %s)%n", m.ref(), r.read(), r.kept(), m.documents().size(), m.root());
            if (r.skippedFiles() > 0) out.printf(Locale.ROOT, "skipped %d files of other types%n", r.skippedFiles());
            out.println("filter               removed");
            for (Map.Entry<String, Integer> e : r.removedByFilter().entrySet()) out.printf(Locale.ROOT, "%-20s %7d%n", e.getKey(), e.getValue());
            out.flush();
            return 0;
        }
    }

    @Command(name = "prove", mixinStandardHelpOptions = true, description = "Print the RFC 6962 inclusion proof of a document in a dataset version (JSON).")
    static final class Prove implements Callable<Integer> {
        @Spec CommandSpec spec;
        @Mixin HomeOption home;
        @Parameters(paramLabel = "DOC_ID") String doc;
        @Option(names = "--dataset", required = true, paramLabel = "NAME[@VERSION]") String dataset;

        @Override
        public Integer call() {
            DatasetManifest m = new DatasetStore(home.dir()).manifest(dataset);
            spec.commandLine().getOut().println(InclusionProofJson.write(m.prove(doc), m.ref(), doc));
            spec.commandLine().getOut().flush();
            return 0;
        }
    }

    @Command(name = "check-proof", mixinStandardHelpOptions = true,
            description = "Verify an inclusion proof file; its root must be the root of the dataset version it names (or --dataset).")
    static final class CheckProof implements Callable<Integer> {
        @Spec CommandSpec spec;
        @Mixin HomeOption home;
        @Parameters(paramLabel = "FILE") Path file;
        @Option(names = "--dataset", paramLabel = "NAME[@VERSION]", description = "Check the root against this version.") String dataset;

        @Override
        public Integer call() {
            byte[] json;
            try {
                json = Files.readAllBytes(file);
            } catch (IOException e) {
                throw new DataException(file + ": " + e.getMessage());
            }
            String ref = new DatasetStore(home.dir()).checkProof(json, dataset);
            spec.commandLine().getOut().println("ok: the proof verifies" + (ref == null ? " (its root was not compared with a local dataset)" : " against " + ref));
            spec.commandLine().getOut().flush();
            return 0;
        }
    }

    @Command(name = "remove", mixinStandardHelpOptions = true, description = "Make a new version without a document, recording why.")
    static final class Remove implements Callable<Integer> {
        @Spec CommandSpec spec;
        @Mixin HomeOption home;
        @Parameters(paramLabel = "DOC_ID") String doc;
        @Option(names = "--dataset", required = true, paramLabel = "NAME") String dataset;
        @Option(names = "--reason", required = true, paramLabel = "TEXT") String reason;

        @Override
        public Integer call() {
            DatasetManifest m = new DatasetStore(home.dir()).remove(dataset, doc, reason);
            spec.commandLine().getOut().printf(Locale.ROOT, "%s: removed %s (%d documents, root %s)%n", m.ref(), doc, m.documents().size(), m.root());
            spec.commandLine().getOut().flush();
            return 0;
        }
    }

    @Command(name = "show", mixinStandardHelpOptions = true, description = "List a dataset's versions; with --doc, which versions contain that document.")
    static final class Show implements Callable<Integer> {
        @Spec CommandSpec spec;
        @Mixin HomeOption home;
        @Parameters(paramLabel = "NAME") String name;
        @Option(names = "--doc", paramLabel = "ID") String doc;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            List<DatasetManifest> all = new DatasetStore(home.dir()).history(name);
            out.printf(Locale.ROOT, "%-8s %-20s %9s %-64s %s%n", "version", "created", "documents", "root", doc == null ? "change" : "contains " + doc.substring(0, Math.min(12, doc.length())));
            for (DatasetManifest m : all) {
                String last = doc != null ? (m.indexOf(doc) >= 0 ? "yes" : "no") : describe(m);
                out.printf(Locale.ROOT, "%-8d %-20s %9d %-64s %s%n", m.version(), m.created(), m.documents().size(), m.root(), last);
            }
            if (doc != null) {
                for (DatasetManifest m : all) {
                    int i = m.indexOf(doc);
                    if (i >= 0) {
                        DocumentEntry d = m.documents().get(i);
                        out.printf(Locale.ROOT, "document %s: %d bytes, licence %s, source %s, from %s%n", d.id(), d.bytes(), d.license(), d.source(), d.origin());
                        break;
                    }
                }
                trainedOn(out, all, doc);
            }
            out.flush();
            return 0;
        }

        /** The governed runs trained on a version holding the document, and the releases made from them. */
        private void trainedOn(PrintWriter out, List<DatasetManifest> all, String doc) {
            var lh = new dev.cairn.ledger.LedgerHome(home.dir());
            if (!lh.hasLog()) return;
            var state = dev.cairn.governance.Community.read(lh);
            java.util.Set<String> roots = new java.util.HashSet<>();
            for (DatasetManifest m : all) if (m.indexOf(doc) >= 0) roots.add(m.root());
            int n = 0;
            for (var f : state.finishedRuns()) {
                var run = state.approvedRun(f.run());
                if (run.isEmpty() || !roots.contains(run.get().datasetRoot())) continue;
                n++;
                out.printf(Locale.ROOT, "trained on it: run %s (run-finished at ledger entry %d, weights %s…)%n", f.run(), f.index(), f.weights().substring(0, 12));
                for (var e : state.enactments()) {
                    if (e.action() instanceof dev.cairn.governance.Action.ReleaseModel r && r.run().equals(f.run()) && r.weights().equals(f.weights())) {
                        out.printf(Locale.ROOT, "  released as: %s (proposal %d)%n", r.model(), e.proposal());
                    }
                }
            }
            if (n == 0) out.println("trained on it: no governed run in this community's ledger");
        }

        private static String describe(DatasetManifest m) {
            var c = m.change();
            return switch (c.path("kind").asText()) {
                case "add" -> "add " + c.path("added").asInt() + " of " + c.path("read").asInt() + " read, source " + c.path("source").asText();
                case "remove" -> "remove " + c.path("document").asText().substring(0, 12) + "…: " + c.path("reason").asText();
                default -> c.toString();
            };
        }
    }
}

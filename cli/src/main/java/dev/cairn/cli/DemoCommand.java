package dev.cairn.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cairn.ledger.Hex;
import dev.cairn.ledger.MerkleTree;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * The whole story on embedded defaults, told with the real commands: a three-member community acting through its
 * node and two witnesses over HTTP, a dataset with provenance admitted by vote, a tokenizer, a bit-exact training run,
 * its verification, evaluation and release, and the cosigned checkpoint. Each step prints the command a person would type.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"Cairn end to end on embedded defaults: founds a three-member community from the example charter, "
                + "then runs it through the community's node and two witnesses on loopback (every statement signed here and "
                + "submitted over HTTP): registers the bundled Shakespeare sample with its provenance, admits it by vote, trains "
                + "a BPE tokenizer, ranks two run recipes, trains the winner bit-exactly with a transcript signed into the ledger, "
                + "samples text, has a second member spot-check the run, has a named evaluator evaluate it, releases the model, "
                + "verifies an inclusion proof and shows the checkpoint both witnesses cosigned (under a minute on two cores).",
                "Everything goes to a fresh directory under HOME/demo/."})
final class DemoCommand implements Callable<Integer> {
    static final String SAMPLE_RESOURCE = "/dev/cairn/data/tinyshakespeare.txt";
    static final String[] MEMBERS = {"alpine-lab", "boreal-institute", "cedar-university"};
    static final String EVALUATOR = "dune-evals";
    static final String[] WITNESSES = {"ember-witness", "fjord-witness"};

    @Spec CommandSpec spec;
    @Mixin HomeOption home;
    @Option(names = "--steps", paramLabel = "N", defaultValue = "2000", description = "Training steps (default 2000).") int steps;
    @Option(names = "--vocab", paramLabel = "N", defaultValue = "512", description = "BPE vocabulary size (default 512).") int vocab;
    @Option(names = "--threads", paramLabel = "N", description = "Worker threads (default: all cores).") Integer threads;

    private PrintWriter out, err;
    private Path demoHome;
    private final List<AutoCloseable> services = new ArrayList<>();
    private String nodeUrl;

    @Override
    public Integer call() throws Exception {
        out = spec.commandLine().getOut();
        err = spec.commandLine().getErr();
        demoHome = home.dir().resolve("demo").resolve(LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
        Files.createDirectories(demoHome);
        Path charter = demoCharter(charterFile());
        Path sample = extractSample(demoHome.resolve("samples"));
        Path[] split = splitSample(sample, demoHome.resolve("samples"));
        Path corpus = split[0], heldout = split[1];
        out.println("== Cairn demo ==  (state in " + demoHome + "; to repeat a command: export CAIRN_HOME=" + demoHome + ")");

        section("1. A community: three members and the charter they agreed on (" + charter.getFileName() + "), and a third-party evaluator it names");
        for (String m : MEMBERS) run("key", "new", m);
        run("key", "new", EVALUATOR);
        for (String w : WITNESSES) run("key", "new", w);
        run("init", "--name", "Shakespeare coalition", "--charter", charter.toString(), "--key", MEMBERS[0]);
        try {
            return story(charter, corpus, heldout);
        } finally {
            stopNode();
        }
    }

    private int story(Path charter, Path corpus, Path heldout) throws Exception {
        section("1b. The community's node on loopback, with the two witnesses the charter names: from here on every statement is signed");
        out.println("    by its member and submitted over HTTP (HOME/config.toml names the node), and members act only on cosigned checkpoints");
        startNode();

        section("2. Data with provenance: the sample corpus becomes an immutable dataset version with a Merkle root");
        String added = run("data", "add", corpus.toString(), "--dataset", "shakespeare", "--license", "LicenseRef-PublicDomain",
                "--source", "https://github.com/karpathy/char-rnn/blob/master/data/tinyshakespeare/input.txt");
        String root = find(added, "root ([0-9a-f]{64})", "dataset root");
        run("data", "add", heldout.toString(), "--dataset", "shakespeare-heldout", "--license", "LicenseRef-PublicDomain",
                "--source", "https://github.com/karpathy/char-rnn/blob/master/data/tinyshakespeare/input.txt#last-tenth-held-out");

        section("3. The members vote to admit it (the charter: majority, closes early when all three vote for)");
        Path proposal = demoHome.resolve("admit-shakespeare.toml");
        Files.writeString(proposal, "title = \"Admit the Shakespeare sample\"\n"
                + "description = \"Public-domain text, provenance: karpathy/char-rnn tinyshakespeare\"\n"
                + "dataset = \"shakespeare@1\"\nroot = \"" + root + "\"\n");
        run("propose", "admit-data", "--file", proposal.toString(), "--key", MEMBERS[0]);
        for (String m : MEMBERS) run("vote", "1", "for", "--key", m);
        run("execute", "1", "--key", MEMBERS[0]);

        section("4. A byte-level BPE tokenizer trained on the admitted version (Hugging Face tokenizer.json)");
        String tok = run("tokenizer", "train", "--dataset", "shakespeare@1", "--vocab", String.valueOf(vocab));
        String tokenizer = find(tok, "tokenizer ([0-9a-f]{64})", "tokenizer digest");

        section("5. Two run recipes compete; the members rank them (the charter: start_run is a Schulze ranked choice)");
        Path runDir = demoHome.resolve("runs").resolve("shakespeare-bpe");
        int ckpt = Math.max(1, steps / 8);
        List<String> flags = List.of("--steps", String.valueOf(steps), "--warmup", String.valueOf(Math.min(100, Math.max(1, steps / 10))),
                "--eval-every", String.valueOf(Math.max(1, steps / 4)), "--checkpoint-every", String.valueOf(ckpt));
        List<String> recipeA = new ArrayList<>(List.of("run", "recipe", "--dataset", "shakespeare@1", "--tokenizer", tokenizer.substring(0, 16),
                "--out", demoHome.resolve("recipe-base.json").toString()));
        recipeA.addAll(flags);
        String digestA = find(run(recipeA.toArray(String[]::new)), "(?m)^([0-9a-f]{64})", "recipe digest");
        List<String> recipeB = new ArrayList<>(List.of("run", "recipe", "--dataset", "shakespeare@1", "--tokenizer", tokenizer.substring(0, 16),
                "--out", demoHome.resolve("recipe-hot.json").toString(), "--lr", "3e-3"));
        recipeB.addAll(flags);
        String digestB = find(run(recipeB.toArray(String[]::new)), "(?m)^([0-9a-f]{64})", "recipe digest");
        Path startRun = demoHome.resolve("next-run.toml");
        Files.writeString(startRun, "title = \"The first run on the admitted corpus\"\n"
                + option("base", "shakespeare-bpe", digestA, root, tokenizer) + option("hot", "shakespeare-bpe-hot", digestB, root, tokenizer));
        run("propose", "start-run", "--file", startRun.toString(), "--key", MEMBERS[1]);
        run("vote", "2", "--rank", "base,hot", "--key", MEMBERS[0]);
        run("vote", "2", "--rank", "base,hot", "--key", MEMBERS[1]);
        run("vote", "2", "--rank", "hot,base", "--key", MEMBERS[2]);
        run("execute", "2", "--key", MEMBERS[1]);

        section("6. The approved run: trained bit-exactly, every step in a transcript, progress and result signed into the ledger");
        List<String> train = new ArrayList<>(List.of("run", "start", "2", "--key", MEMBERS[0], "--recipe",
                demoHome.resolve("recipe-base.json").toString(), "--out", runDir.toString()));
        if (threads != null) train.addAll(List.of("--threads", threads.toString()));
        run(train.toArray(String[]::new));
        run("generate", "--run", runDir.toString(), "--prompt", "ROMEO:", "--tokens", "120", "--seed", "1");

        section("7. A second member spot-checks the run on one thread: segments picked by the ledger checkpoint after the run's commitment");
        // One thread where the trainer used all cores: same bits. (The scalar reference verifies too, about 40x slower: see below.)
        List<String> verify = new ArrayList<>(List.of("verify", runDir.toString(), "--spot-check", "3", "--segment",
                String.valueOf(Math.min(ckpt, 25)), "--key", MEMBERS[2], "--threads", "1"));
        run(verify.toArray(String[]::new));

        section("8. A third party the charter names evaluates the run's model on held-out text, with a contamination check, and signs it");
        run("eval", "--model", runDir.toString(), "--task", "heldout", "--task", "lambada", "--dataset", "shakespeare-heldout@1", "--limit", "100",
                "--key", EVALUATOR, "--out", demoHome.resolve("eval").toString());

        section("9. The community releases the model: a vote, then a signed bundle that transformers and llama.cpp load and anyone can check");
        run("key", "release-key", MEMBERS[0]);
        String weights = new ObjectMapper().readTree(runDir.resolve("run-finished.json").toFile()).path("final_weights_sha256").asText();
        Path policy = demoHome.resolve("USAGE_POLICY.md");
        Files.writeString(policy, "# Usage policy\n\nResearch and education. Do not present its output as fact or as written by a person.\n");
        Path release = demoHome.resolve("release.toml");
        Files.writeString(release, "title = \"Release shakespeare-bpe-1\"\nmodel = \"shakespeare-bpe-1\"\nrun = \"shakespeare-bpe\"\n"
                + "weights = \"" + weights + "\"\nlicense = \"Apache-2.0\"\nusage_policy = \"USAGE_POLICY.md\"\n"
                + "[[responsible]]\nmember = \"@" + MEMBERS[0] + "\"\nrole = \"release manager\"\ncontact = \"releases@alpine-lab.example\"\n");
        run("propose", "release-model", "--file", release.toString(), "--key", MEMBERS[1]);
        for (String m : MEMBERS) run("vote", "3", "for", "--key", m);
        run("execute", "3", "--key", MEMBERS[1]);
        Path bundle = demoHome.resolve("releases").resolve("shakespeare-bpe-1");
        String published = run("release", "publish", "3", "--key", MEMBERS[0], "--usage-policy", policy.toString(), "--out", bundle.toString());
        run("release", "verify", bundle.toString());

        section("10. The ledger: every step above is a signed statement in an RFC 6962 log; the node's checkpoint carries both witnesses' cosignatures");
        run("log", "checkpoint");
        String proofJson = run("log", "prove", "1", "--json");
        verifyProof(proofJson);
        String cosigned = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(nodeUrl + "checkpoint")).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString()).body();
        out.println("$ curl " + nodeUrl + "checkpoint");
        for (String line : cosigned.split("\n")) out.println("  " + line);
        int cosignatures = 0;
        for (String w : WITNESSES) if (cosigned.contains("\n\u2014 " + w + " ")) cosignatures++;
        out.println("cosigned: " + cosignatures + " of " + WITNESSES.length + " witnesses (C2SP tlog-cosignature)");

        stopNode();
        out.println();
        out.println("What to try next (the demo's node has stopped; the home's log is all on disk):");
        out.println("  export CAIRN_HOME=" + demoHome);
        out.println("  ./cairn serve                                # then open http://127.0.0.1:8440/ : the community's dashboard");
        out.println("  ./cairn key export " + MEMBERS[1] + " --pkcs8   # paste it into the dashboard's \"Your key\" page to vote there");
        out.println("  ./cairn proposal show 1                      # the vote, its tally and quorum");
        out.println("  " + find(published, "(python3 -c .*)", "load command") + "   # needs transformers");
        out.println("  ./cairn generate --model " + bundle + " --prompt \"ROMEO:\" --tokens 60");
        out.println("  ./cairn log verify                           # re-check every signature and the checkpoint");
        out.println("  ./cairn verify " + runDir + " --full --threads 1   # re-execute every step (a few minutes)");
        out.println("  ./cairn log show                             # the run's progress, finish and verification statements");
        out.println("  ./cairn train --data " + corpus + " --out runs/a --steps 10 --json");
        out.println("  ./cairn train --data " + corpus + " --out runs/b --steps 10 --json --threads 1 --kernels scalar");
        out.println("      (the same state digest: any thread count or kernel set; the scalar reference is ~40x slower)");
        out.println("  ./cairn bench train --peer ../shared/peers/torch_gpt.py");
        out.flush();
        return 0;
    }

    /**
     * Starts the two witnesses and the node on loopback, in this process, and names the node in HOME/config.toml so
     * every command below signs here and submits over HTTP, exactly as a member at another institution would.
     */
    private void startNode() throws Exception {
        dev.cairn.ledger.LedgerHome lh = new dev.cairn.ledger.LedgerHome(demoHome);
        java.util.Map<String, dev.cairn.ledger.Identity> logs = new java.util.LinkedHashMap<>();
        try (var log = lh.openLogReadOnly()) {
            logs.put(log.origin(), log.logKey());
        }
        List<String> specs = new ArrayList<>();
        for (String w : WITNESSES) {
            var ws = new dev.cairn.server.WitnessServer(w, GovernanceCli.loadKey(lh, w, null), logs, demoHome.resolve("witness").resolve(w + ".json"),
                    new java.net.InetSocketAddress("127.0.0.1", 0));
            ws.start();
            services.add(ws);
            specs.add(w + "=http://127.0.0.1:" + ws.port() + "/");
        }
        var node = new dev.cairn.server.LogNode(demoHome, new dev.cairn.server.LogNode.Options(512, 3, 200, 10_000));
        node.witnesses(specs);
        var server = new dev.cairn.server.NodeServer(node, new java.net.InetSocketAddress("127.0.0.1", 0), dev.cairn.server.NodeServer.Limits.defaults(), null);
        server.start();
        services.add(0, server);
        services.add(1, node);
        nodeUrl = "http://127.0.0.1:" + server.port() + "/";
        Files.writeString(demoHome.resolve(dev.cairn.training.NodeConfig.FILE), "[node]\nurl = \"" + nodeUrl + "\"\n");
        out.println("$ cairn witness serve --key " + WITNESSES[0] + " ...   # and " + WITNESSES[1]);
        out.println("$ cairn serve --witness " + String.join(" --witness ", specs));
        out.println("  serving " + demoHome + " at " + nodeUrl + " (" + node.size() + " entries)");
        out.flush();
    }

    /** Stops the node and the witnesses; the home's commands use its own log again. */
    private void stopNode() throws Exception {
        if (services.isEmpty()) return;
        Files.deleteIfExists(demoHome.resolve(dev.cairn.training.NodeConfig.FILE));
        for (AutoCloseable c : services) c.close();
        services.clear();
    }

    private void section(String title) {
        out.println();
        out.println(title);
        out.flush();
    }

    /** Runs a cairn command in the demo home, echoing it and its output; fails the demo if it fails. */
    private String run(String... args) {
        out.println("$ cairn " + String.join(" ", quoted(args)));
        out.flush();
        List<String> a = new ArrayList<>(List.of(args));
        a.add("--home");
        a.add(demoHome.toString());
        StringWriter o = new StringWriter();
        PrintWriter po = new PrintWriter(o, true);
        boolean streaming = "train".equals(args[0]) || ("run".equals(args[0]) && "start".equals(args[1]));
        int code = Cairn.run(streaming ? out : po, err, a.toArray(String[]::new));
        String text = o.toString();
        for (String line : text.split("\n")) if (!line.isEmpty()) out.println("  " + line);
        out.flush();
        if (code != 0) throw new IllegalStateException("demo step failed: cairn " + String.join(" ", args));
        return text;
    }

    private static String option(String id, String runName, String recipe, String root, String tokenizer) {
        return "\n[[options]]\nid = \"" + id + "\"\nrun = \"" + runName + "\"\nrecipe = \"" + recipe + "\"\ndataset_root = \""
                + root + "\"\ntokenizer = \"" + tokenizer + "\"\n";
    }

    private static List<String> quoted(String[] args) {
        List<String> q = new ArrayList<>();
        for (String s : args) q.add(s.contains(" ") ? "\"" + s + "\"" : s);
        return q;
    }

    private static String find(String text, String regex, String what) {
        Matcher m = Pattern.compile(regex).matcher(text);
        if (!m.find()) throw new IllegalStateException("demo: no " + what + " in the output: " + text);
        return m.group(1);
    }

    /** Checks the printed audit path with the ledger's RFC 6962 code, against the root the proof names. */
    private void verifyProof(String json) throws IOException {
        JsonNode p = new ObjectMapper().readTree(json);
        List<byte[]> path = new ArrayList<>();
        for (JsonNode h : p.get("audit_path")) path.add(Hex.decode(h.asText()));
        boolean ok = MerkleTree.verifyInclusion(Hex.decode(p.get("leaf_hash").asText()), p.get("leaf_index").asLong(),
                p.get("tree_size").asLong(), path, Hex.decode(p.get("root").asText()));
        out.println((ok ? "verified: " : "NOT verified: ") + "entry " + p.get("leaf_index").asLong() + " (the dataset proposal) is in the log of size "
                + p.get("tree_size").asLong() + " whose signed checkpoint root is " + p.get("root").asText());
        if (!ok) throw new IllegalStateException("demo: the inclusion proof did not verify");
    }

    /**
     * The example charter as the demo uses it: a release needs one passing verification by a member other than the
     * trainer, and has no day-long timelock (the demo cannot wait a day).
     */
    private Path demoCharter(Path example) throws IOException {
        String text = Files.readString(example);
        String lock = "timelock = \"1d\"              # a day to object (and to fork) before the release is executed";
        if (!text.contains(lock)) throw new IllegalStateException("demo: " + example + " changed; update DemoCommand.demoCharter");
        Path f = demoHome.resolve("charter.toml");
        Files.writeString(f, text.replace(lock, "timelock = \"0s\"              # the demo: no day to wait")
                + "\n[release]\nmin_verifications = 1     # a member other than the trainer must have verified the run\n"
                + "required_evaluations = [\"heldout\"]   # and a member or named evaluator must have evaluated the weights\n"
                + "\n[[evaluators]]               # may sign evaluations, never votes\nname = \"Dune Evaluations\"\nkey = \"@" + EVALUATOR + "\"\n"
                + "\n[[witnesses]]                # cosign the node's checkpoints; members act only on cosigned ones\nname = \"" + WITNESSES[0]
                + "\"\nkey = \"@" + WITNESSES[0] + "\"\n[[witnesses]]\nname = \"" + WITNESSES[1] + "\"\nkey = \"@" + WITNESSES[1] + "\"\n"
                + "[witnessing]\nquorum = 2\n");
        return f;
    }

    /** The lab-coalition example charter: from the checkout the launcher runs in, else the copy in the build. */
    private Path charterFile() throws IOException {
        Path f = Path.of(System.getProperty("cairn.root", "."), "examples", "charters", "lab-coalition.toml");
        if (Files.isRegularFile(f)) return f;
        throw new IllegalArgumentException("example charter not found at " + f + " (run the demo through ./cairn from the repository)");
    }

    /** The bundled sample corpus as a file under dir (written once, atomically). */
    static Path extractSample(Path dir) throws IOException {
        Path f = dir.resolve("tinyshakespeare.txt");
        if (Files.isRegularFile(f)) return f;
        Files.createDirectories(dir);
        try (InputStream in = DemoCommand.class.getResourceAsStream(SAMPLE_RESOURCE)) {
            if (in == null) throw new IOException("the bundled sample corpus is missing from the build (" + SAMPLE_RESOURCE + ")");
            dev.cairn.ledger.AtomicFiles.write(f, in.readAllBytes());
        }
        return f;
    }

    /**
     * The sample's first nine tenths (to train on) as one text file, and the last tenth (held out) as JSONL documents of
     * eight speeches each, so evaluation and its contamination check work document by document.
     */
    static Path[] splitSample(Path sample, Path dir) throws IOException {
        Path train = dir.resolve("train").resolve("tinyshakespeare-train.txt"), held = dir.resolve("heldout").resolve("tinyshakespeare-heldout.jsonl");
        if (Files.isRegularFile(train) && Files.isRegularFile(held)) return new Path[] {train, held};
        String text = Files.readString(sample);
        int cut = text.indexOf("\n\n", (int) (text.length() * 0.9)) + 2;
        Files.createDirectories(train.getParent());
        Files.createDirectories(held.getParent());
        dev.cairn.ledger.AtomicFiles.write(train, text.substring(0, cut).getBytes(java.nio.charset.StandardCharsets.UTF_8));
        String[] speeches = text.substring(cut).split("\n\n");
        StringBuilder jsonl = new StringBuilder();
        ObjectMapper om = new ObjectMapper();
        for (int i = 0; i < speeches.length; i += 8) {
            String doc = String.join("\n\n", java.util.Arrays.copyOfRange(speeches, i, Math.min(speeches.length, i + 8))).strip();
            jsonl.append(om.writeValueAsString(om.createObjectNode().put("id", "heldout-" + (i / 8)).put("text", doc))).append('\n');
        }
        dev.cairn.ledger.AtomicFiles.write(held, jsonl.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
        return new Path[] {train, held};
    }

    static Path sampleCorpus() throws IOException {
        return extractSample(Path.of(System.getProperty("java.io.tmpdir"), "cairn-samples"));
    }
}

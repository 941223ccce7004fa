package dev.cairn.cli;

import dev.cairn.ledger.Identity;
import dev.cairn.ledger.LedgerHome;
import dev.cairn.server.WitnessServer;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "witness", mixinStandardHelpOptions = true, description = "Witness community logs (C2SP tlog-witness, tlog-cosignature).",
        subcommands = {WitnessCommand.Serve.class})
final class WitnessCommand implements Runnable {
    @Spec CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    @Command(name = "serve", mixinStandardHelpOptions = true, sortOptions = false,
            description = "Cosign the checkpoints of the logs named with --log: POST /add-checkpoint with the last size cosigned, a consistency "
                    + "proof and the new checkpoint. The latest size and root per log are stored durably before every cosignature; two trees "
                    + "of one size, or a smaller tree, are never cosigned.",
            footer = {"", "Example:", "  cairn witness serve --key dune-witness --listen 127.0.0.1:8450 --log cairn.dev/community/3b6a...=ed83..."})
    static final class Serve implements Callable<Integer> {
        @Spec CommandSpec spec;
        @Option(names = "--key", required = true, paramLabel = "K", description = "The witness's Ed25519 key (in HOME/keys).") String key;
        @Option(names = "--name", paramLabel = "NAME", description = "The witness's name in cosignatures (default: the key's name).") String name;
        @Option(names = "--listen", paramLabel = "HOST:PORT", defaultValue = "127.0.0.1:8450") String listen;
        @Option(names = "--log", required = true, paramLabel = "ORIGIN=PUBKEY", description = "A log to witness: its origin and its key (hex); repeatable.") List<String> logs;
        @Option(names = "--state", paramLabel = "FILE", description = "Where the latest cosigned sizes live (default HOME/witness/NAME.json).") Path state;
        @Mixin HomeOption home;

        @Override
        public Integer call() throws Exception {
            var signer = GovernanceCli.loadKey(new LedgerHome(home.dir()), key, null);
            Map<String, Identity> known = new LinkedHashMap<>();
            for (String l : logs) {
                int eq = l.lastIndexOf('=');
                if (eq <= 0) throw new IllegalArgumentException("--log must be ORIGIN=PUBKEY, got " + l);
                known.put(l.substring(0, eq), Identity.ofHex(l.substring(eq + 1)));
            }
            String n = name != null ? name : key;
            int colon = listen.lastIndexOf(':');
            WitnessServer w = new WitnessServer(n, signer, known, state != null ? state : home.dir().resolve("witness").resolve(n + ".json"),
                    new InetSocketAddress(listen.substring(0, colon), Integer.parseInt(listen.substring(colon + 1))));
            w.start();
            var out = spec.commandLine().getOut();
            out.println("witness " + n + " serving at http://" + listen.substring(0, colon) + ":" + w.port() + "/ for " + known.size() + " log(s)");
            out.flush();
            CountDownLatch stop = new CountDownLatch(1);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                w.close();
                stop.countDown();
            }));
            stop.await();
            return 0;
        }
    }
}

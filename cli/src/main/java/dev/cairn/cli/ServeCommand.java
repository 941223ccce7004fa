package dev.cairn.cli;

import dev.cairn.server.LogNode;
import dev.cairn.server.NodeServer;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "serve", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Run a community node: the C2SP tlog-tiles read path (GET /checkpoint, /tile/..., /tile/entries/...), the write path "
                + "(POST /add: one DSSE envelope, validated as a local append, batched, answered once durable with an inclusion proof), "
                + "a small JSON API (/api/log, /api/community, /api/proposals, /api/proof?index=N or ?digest=SHA256), and the community's web dashboard at /.",
                "Members act from their own machines with --remote URL; their keys never leave them."},
        footer = {"", "Example:", "  cairn serve --home coalition --listen 127.0.0.1:8440",
                "  cairn vote 3 for --key boreal-institute --remote http://127.0.0.1:8440/"})
final class ServeCommand implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Option(names = "--listen", paramLabel = "HOST:PORT", defaultValue = "127.0.0.1:8440", description = "Address to listen on (default 127.0.0.1:8440; port 0 picks one).") String listen;
    @Option(names = "--tls-cert", paramLabel = "PEM", description = "Serve HTTPS with this certificate (chain) ...") Path tlsCert;
    @Option(names = "--tls-key", paramLabel = "PEM", description = "... and this PKCS#8 private key.") Path tlsKey;
    @Option(names = "--max-body", paramLabel = "BYTES", defaultValue = "1048576", description = "Largest request body (default 1 MiB).") int maxBody;
    @Option(names = "--max-in-flight", paramLabel = "N", defaultValue = "256", description = "Requests served at once; more get 503 (default 256).") int maxInFlight;
    @Option(names = "--rate", paramLabel = "N", defaultValue = "200", description = "Envelopes per key per second (default 200).") double rate;
    @Option(names = "--batch-ms", paramLabel = "MS", defaultValue = "5", description = "How long the integrator gathers a batch (default 5 ms).") int batchMs;
    @Option(names = "--witness", paramLabel = "NAME=URL", description = "A witness (C2SP tlog-witness) to send every checkpoint to; repeatable. "
            + "NAME is the witness's name in the charter's [[witnesses]].") java.util.List<String> witnesses = new java.util.ArrayList<>();
    @Option(names = "--mirror", paramLabel = "DIR", description = "Serve a mirror's log directory (cairn mirror URL --out DIR --follow N) "
            + "read-only instead of a home: the same tiles, checkpoint and API, re-read as the mirror grows; submissions are refused.") Path mirror;
    @Mixin HomeOption home;
    @Mixin ExecutionOptions exec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        int colon = listen.lastIndexOf(':');
        if (colon < 0) throw new IllegalArgumentException("--listen must be HOST:PORT, got " + listen);
        InetSocketAddress addr = new InetSocketAddress(listen.substring(0, colon), Integer.parseInt(listen.substring(colon + 1)));
        if ((tlsCert == null) != (tlsKey == null)) throw new IllegalArgumentException("give both --tls-cert and --tls-key, or neither");
        SSLContext tls = tlsCert == null ? null : tls(tlsCert, tlsKey);
        if (mirror != null) {
            if (!Files.exists(mirror.resolve("log.json"))) throw new IllegalArgumentException("--mirror " + mirror + ": no log here (make one with cairn mirror URL --out " + mirror + ")");
            if (!witnesses.isEmpty()) throw new IllegalArgumentException("--witness: a mirror serves the node's cosigned checkpoints; it has no witnesses of its own");
        }
        LogNode node = mirror != null ? LogNode.mirror(mirror) : new LogNode(home.dir(), new LogNode.Options(512, batchMs, rate, 10_000));
        node.witnesses(witnesses);
        NodeServer server = new NodeServer(node, addr, new NodeServer.Limits(maxBody, maxInFlight, 30), tls);
        if (mirror == null) {
            server.serveModels(home.dir(), exec.kernels(), exec.parallel());
            server.serveDashboard(home.dir());
        }
        server.start();
        String url = (tls == null ? "http://" : "https://") + addr.getHostString() + ":" + server.port() + "/";
        out.println("serving " + (mirror != null ? "the mirror " + mirror : home.dir()) + " at " + url + " (" + node.size() + " entries, origin " + node.log().origin() + ")");
        if (mirror == null) {
            out.println("dashboard: open " + url + " in a browser (vote there with a key from `cairn key export NAME --pkcs8`)");
            out.println("members: cairn vote N for --key K --remote " + url);
            out.println("models:  OpenAI-compatible at " + url + "v1 (the releases and imported models in HOME)");
        } else {
            out.println("readers: cairn proposal show N --remote " + url + " (submissions go to the node)");
        }
        out.flush();
        CountDownLatch stop = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            try {
                node.close();
            } catch (InterruptedException ignored) {
                Thread.currentThread().interrupt();
            }
            stop.countDown();
        }));
        stop.await();
        return 0;
    }

    static SSLContext tls(Path certFile, Path keyFile) throws Exception {
        Certificate[] chain = CertificateFactory.getInstance("X.509").generateCertificates(Files.newInputStream(certFile)).toArray(Certificate[]::new);
        if (chain.length == 0) throw new IllegalArgumentException(certFile + ": no certificate");
        String pem = Files.readString(keyFile);
        if (!pem.contains("-----BEGIN PRIVATE KEY-----")) throw new IllegalArgumentException(keyFile + ": expected a PKCS#8 PEM private key (BEGIN PRIVATE KEY)");
        byte[] der = Base64.getMimeDecoder().decode(pem.replaceAll("-----[A-Z ]+-----", ""));
        String alg = chain[0].getPublicKey().getAlgorithm();
        var key = KeyFactory.getInstance(alg).generatePrivate(new PKCS8EncodedKeySpec(der));
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        ks.setKeyEntry("node", key, new char[0], chain);
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, new char[0]);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(kmf.getKeyManagers(), null, null);
        return ctx;
    }
}

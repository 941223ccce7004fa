package dev.cairn.server;

import dev.cairn.ledger.Checkpoint;
import dev.cairn.ledger.ConsistencyProof;
import dev.cairn.ledger.TransparencyLog;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The node's side of witnessing: each new checkpoint goes to every witness (C2SP tlog-witness add-checkpoint, with a
 * consistency proof from the size the witness last cosigned, learned from its 409 answer when unknown); the
 * cosignature lines that come back are published with the checkpoint at {@code GET /checkpoint}.
 */
final class Witnessing {
    record Witness(String name, URI url) {}

    private final List<Witness> witnesses;
    private final TransparencyLog log;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).version(HttpClient.Version.HTTP_1_1).build();
    private final ConcurrentHashMap<String, Long> lastSize = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, String> lines = new ConcurrentHashMap<>();
    private final AtomicReference<String> cosigned = new AtomicReference<>(""); // the note the lines belong to
    private final Object wake = new Object();
    private volatile boolean closed;
    private final Thread worker;
    private final List<Long> roundTrips = java.util.Collections.synchronizedList(new ArrayList<>()); // ns per cosignature (last 100,000)

    Witnessing(List<Witness> witnesses, TransparencyLog log) {
        this.witnesses = List.copyOf(witnesses);
        this.log = log;
        worker = Thread.ofVirtual().name("cairn-witnessing").start(this::run);
    }

    /** The latest checkpoint with the cosignatures gathered for it so far. */
    String checkpoint() {
        String note = log.checkpoint();
        if (!note.equals(cosigned.get())) return note;
        StringBuilder sb = new StringBuilder(note);
        for (Witness w : witnesses) sb.append(lines.getOrDefault(w.name(), ""));
        return sb.toString();
    }

    void changed() {
        synchronized (wake) {
            wake.notifyAll();
        }
    }

    private void run() {
        while (!closed) {
            String note = log.checkpoint();
            if (!note.equals(cosigned.get())) {
                lines.clear();
                cosigned.set(note);
                for (Witness w : witnesses) {
                    try {
                        long t0 = System.nanoTime();
                        String line = send(w, note);
                        if (line != null && roundTrips.size() < 100_000) roundTrips.add(System.nanoTime() - t0);
                        if (line != null && note.equals(cosigned.get())) lines.put(w.name(), line);
                    } catch (Exception e) {
                        // an unreachable witness costs a cosignature, never the log; retried with the next checkpoint
                    }
                }
            }
            synchronized (wake) {
                try {
                    wake.wait(1000);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }
    }

    private String send(Witness w, String note) throws Exception {
        long size = Checkpoint.parseText(note.substring(0, note.lastIndexOf("\n\n") + 1)).size();
        for (int attempt = 0; attempt < 2; attempt++) {
            long old = lastSize.getOrDefault(w.name(), 0L);
            if (old > size) return null;
            StringBuilder body = new StringBuilder("old ").append(old).append('\n');
            if (old > 0 && old < size) {
                ConsistencyProof p = log.proveConsistency(old, size);
                for (byte[] h : p.proof()) body.append(Base64.getEncoder().encodeToString(h)).append('\n');
            }
            body.append('\n').append(note);
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(w.url().resolve("add-checkpoint")).timeout(Duration.ofSeconds(10))
                    .POST(HttpRequest.BodyPublishers.ofString(body.toString(), StandardCharsets.UTF_8)).build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() == 200) {
                lastSize.put(w.name(), size);
                return r.body().endsWith("\n") ? r.body() : r.body() + "\n";
            }
            if (r.statusCode() == 409) {
                lastSize.put(w.name(), Long.parseLong(r.body().strip()));
                continue;
            }
            return null;
        }
        return null;
    }

    /** The round trips (ns) of the cosignatures gathered so far: request with proof out, cosignature back. */
    List<Long> roundTrips() {
        synchronized (roundTrips) {
            return new ArrayList<>(roundTrips);
        }
    }

    void close() {
        closed = true;
        worker.interrupt();
    }

    static List<Witness> parse(List<String> specs) {
        List<Witness> out = new ArrayList<>();
        for (String s : specs) {
            int eq = s.indexOf('=');
            if (eq <= 0) throw new IllegalArgumentException("--witness must be NAME=URL, got " + s);
            String url = s.substring(eq + 1);
            out.add(new Witness(s.substring(0, eq), URI.create(url.endsWith("/") ? url : url + "/")));
        }
        return out;
    }
}

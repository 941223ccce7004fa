package dev.cairn.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cairn.governance.Community;
import dev.cairn.ledger.LedgerHome;
import dev.cairn.ledger.TransparencyLog;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A node, two witnesses and members as separate processes: cosigned checkpoints, a quorum clients demand, a witness that remembers. */
class WitnessTest {
    @TempDir Path dir;
    final CairnProcesses servers = new CairnProcesses();

    @AfterEach
    void stop() {
        servers.close();
    }


    @Test
    void checkpointsCarryTheWitnessesQuorumAndAWitnessNeverGoesBack() throws Exception {
        Path node = dir.resolve("node");
        for (String k : new String[] {"alice", "bob", "w1", "w2"}) assertEquals(0, TrainCommandTest.cairn("key", "new", k, "--home", node.toString()).code());
        Path charter = dir.resolve("charter.toml");
        Files.writeString(charter, "[[members]]\nname = \"Alice\"\nkey = \"@alice\"\n[[members]]\nname = \"Bob\"\nkey = \"@bob\"\n"
                + "[[witnesses]]\nname = \"w1\"\nkey = \"@w1\"\n[[witnesses]]\nname = \"w2\"\nkey = \"@w2\"\n[witnessing]\nquorum = 2\n"
                + "[defaults]\nrule = \"majority\"\nquorum = \"50%\"\nvoting_delay = \"0s\"\nvoting_period = \"1d\"\ntimelock = \"0s\"\n"
                + "grace_period = \"7d\"\nproposal_threshold = 1\nvote_replacement = false\ndelegation = false\n");
        assertEquals(0, TrainCommandTest.cairn("init", "--name", "Witnessed", "--charter", charter.toString(), "--key", "alice", "--home", node.toString()).code());
        String origin, logKey;
        try (TransparencyLog log = new LedgerHome(node).openLogReadOnly()) {
            origin = log.origin();
            logKey = log.logKey().publicKeyHex();
        }
        String w1 = servers.start("witness w1", "witness", "serve", "--key", "w1", "--home", node.toString(), "--listen", "127.0.0.1:0", "--log", origin + "=" + logKey,
                "--state", dir.resolve("w1.json").toString());
        String w2 = servers.start("witness w2", "witness", "serve", "--key", "w2", "--home", node.toString(), "--listen", "127.0.0.1:0", "--log", origin + "=" + logKey);
        String url = servers.start("serving", "serve", "--home", node.toString(), "--listen", "127.0.0.1:0", "--witness", "w1=" + w1, "--witness", "w2=" + w2);
        Path bob = Files.createDirectories(dir.resolve("bob/keys"));
        Files.copy(node.resolve("keys/bob.key"), bob.resolve("bob.key"));
        Files.copy(node.resolve("keys/bob.pub"), bob.resolve("bob.pub"));
        Path prop = dir.resolve("p.toml");
        Files.writeString(prop, "title = \"Admit\"\ndataset = \"d@1\"\nroot = \"" + "ab".repeat(32) + "\"\n");
        var p = TrainCommandTest.cairn("propose", "admit-data", "--file", prop.toString(), "--key", "bob", "--home", bob.getParent().toString(), "--remote", url);
        assertEquals(0, p.code(), p.err());
        var show = TrainCommandTest.cairn("proposal", "show", "1", "--json", "--home", bob.getParent().toString(), "--remote", url);
        assertEquals(0, show.code(), show.err());
        String note = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url + "checkpoint")).build(), HttpResponse.BodyHandlers.ofString()).body();
        assertTrue(note.contains("\n\u2014 w1 ") && note.contains("\n\u2014 w2 "), note);

        // a reader who last synced while both witnesses cosigned
        Path reader = dir.resolve("reader");
        assertEquals(0, TrainCommandTest.cairn("proposal", "show", "1", "--home", reader.toString(), "--remote", url).code());
        long readerSize;
        try (TransparencyLog log = TransparencyLog.openReadOnly(GovernanceCli.mirrorHome(reader, url).resolve("log"))) {
            readerSize = log.size();
        }

        // one witness gone: new checkpoints carry one cosignature of the two the charter requires, and members refuse them
        servers.procs.get(1).destroyForcibly().waitFor();
        var v = TrainCommandTest.cairn("vote", "1", "for", "--key", "bob", "--home", bob.getParent().toString(), "--remote", url);
        assertEquals(0, v.code(), v.err()); // the vote was checked against a fully witnessed log, and landed
        var again = TrainCommandTest.cairn("proposal", "show", "1", "--home", bob.getParent().toString(), "--remote", url);
        assertTrue(again.code() != 0 && again.err().contains("carries 1 of the 2 witness cosignatures"), again.err());
        var readerAgain = TrainCommandTest.cairn("proposal", "show", "1", "--home", reader.toString(), "--remote", url);
        assertTrue(readerAgain.code() != 0 && readerAgain.err().contains("carries 1 of the 2 witness cosignatures"), readerAgain.err());
        try (TransparencyLog log = TransparencyLog.openReadOnly(GovernanceCli.mirrorHome(reader, url).resolve("log"))) {
            assertEquals(readerSize, log.size(), "the reader's mirror did not adopt the unwitnessed checkpoint");
        }

        // w1, restarted on its state file, will not go back to an older tree
        servers.procs.get(0).destroyForcibly().waitFor();
        String w1b = servers.start("witness w1", "witness", "serve", "--key", "w1", "--home", node.toString(), "--listen", "127.0.0.1:0", "--log", origin + "=" + logKey,
                "--state", dir.resolve("w1.json").toString());
        String first;
        try (TransparencyLog log = new LedgerHome(dir.resolve("node")).openLogReadOnly()) {
            first = log.checkpoint();
        }
        var r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(w1b + "add-checkpoint"))
                .POST(HttpRequest.BodyPublishers.ofString("old 0\n\n" + first)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(409, r.statusCode(), r.body());
        assertTrue(Long.parseLong(r.body().strip()) >= 2, r.body());
        assertTrue(new ObjectMapper().readTree(Files.readString(dir.resolve("w1.json"))).path(origin).path("size").asLong() >= 2);
        assertTrue(Community.read(new LedgerHome(node)).charter().witnessing().quorum() == 2);
    }
}

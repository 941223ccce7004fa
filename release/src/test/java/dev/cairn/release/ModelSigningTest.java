package dev.cairn.release;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** model.sig as model_signing's key mode writes it, checked by Cairn and by Sigstore's JavaScript verifier. */
class ModelSigningTest {
    @TempDir Path tmp;
    Path dir, home;
    ReleaseKeys.ReleaseKey key;

    @BeforeEach
    void signedExport() throws Exception {
        dir = tmp.resolve("bundle");
        home = tmp.resolve("home");
        HfDirectory.write(dir, TinyModels.character(false, 2), Dtype.F32, Map.of());
        Files.writeString(dir.resolve("README.md"), "---\nlicense: apache-2.0\n---\n# tiny\n");
        key = ReleaseKeys.create(home, "alpine-lab");
        ModelSigning.sign(dir, "tiny", key);
    }

    private Peers.Result sigstoreJs(Path pem) throws Exception {
        Path node = Peers.nodeScripts();
        return Peers.run(List.of("node", node.resolve("verify-model-sig.mjs").toString(), dir.toString(), pem.toString()), 120);
    }

    @Test
    void cairnAndSigstoreJsAcceptTheSignature() throws Exception {
        ModelSigning.Signed s = ModelSigning.verify(dir, key.publicPem());
        assertEquals("tiny", s.modelName());
        assertEquals(7, s.files().size());
        assertEquals(ModelSigning.rootDigest(ModelSigning.manifest(dir)), s.rootDigest());
        Peers.Result r = sigstoreJs(ReleaseKeys.publicPath(home, "alpine-lab"));
        assertEquals(0, r.exitCode(), r.out() + r.err());
        JsonNode j = Safetensors.JSON.readTree(r.out());
        assertEquals(s.rootDigest(), j.path("root").asText());
        JsonNode bundle = Safetensors.JSON.readTree(dir.resolve("model.sig").toFile());
        assertEquals("application/vnd.dev.sigstore.bundle.v0.3+json", bundle.path("mediaType").asText());
        assertEquals(key.hint(), bundle.path("verificationMaterial").path("publicKey").path("hint").asText());
    }

    @Test
    void aChangedAddedOrMissingFileOrAnotherKeyIsRefused() throws Exception {
        byte[] w = Files.readAllBytes(dir.resolve("model.safetensors"));
        w[w.length - 1] ^= 1;
        Files.write(dir.resolve("model.safetensors"), w);
        var e = assertThrows(IllegalArgumentException.class, () -> ModelSigning.verify(dir, key.publicPem()));
        assertTrue(e.getMessage().endsWith("model.safetensors: changed since it was signed"), e.getMessage());
        assertEquals(1, sigstoreJs(ReleaseKeys.publicPath(home, "alpine-lab")).exitCode());
        w[w.length - 1] ^= 1;
        Files.write(dir.resolve("model.safetensors"), w);
        Files.writeString(dir.resolve("extra.txt"), "x");
        e = assertThrows(IllegalArgumentException.class, () -> ModelSigning.verify(dir, key.publicPem()));
        assertTrue(e.getMessage().contains("extra.txt: added after signing"), e.getMessage());
        Files.delete(dir.resolve("extra.txt"));
        Files.move(dir.resolve("README.md"), tmp.resolve("README.md"));
        e = assertThrows(IllegalArgumentException.class, () -> ModelSigning.verify(dir, key.publicPem()));
        assertTrue(e.getMessage().contains("README.md: signed but missing"), e.getMessage());
        Files.move(tmp.resolve("README.md"), dir.resolve("README.md"));
        ModelSigning.verify(dir, key.publicPem());
        ReleaseKeys.ReleaseKey other = ReleaseKeys.create(home, "mallory");
        e = assertThrows(IllegalArgumentException.class, () -> ModelSigning.verify(dir, other.publicPem()));
        assertTrue(e.getMessage().contains("signed by another key"), e.getMessage());
        assertEquals(1, sigstoreJs(ReleaseKeys.publicPath(home, "mallory")).exitCode());
        ModelSigning.sign(dir, "tiny", other); // re-signed by another key: the first key no longer verifies it
        assertThrows(IllegalArgumentException.class, () -> ModelSigning.verify(dir, key.publicPem()));
    }
}

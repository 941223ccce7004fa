package dev.cairn.ledger;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdentityTest {
    @TempDir Path home;

    /** RFC 8032 §7.1 TEST 2: a known seed, public key, message and signature. */
    @Test
    void rfc8032Vector() {
        SigningKey k = SigningKey.fromSeed(Hex.decode("4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb"));
        assertEquals("3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", k.identity().publicKeyHex());
        byte[] sig = k.sign(Hex.decode("72"));
        assertEquals("92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da"
                + "085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00", Hex.encode(sig));
        assertTrue(k.identity().verify(Hex.decode("72"), sig));
        sig[0] ^= 1;
        assertFalse(k.identity().verify(Hex.decode("72"), sig));
        assertEquals(Hex.encode(MerkleTree.sha256(k.identity().publicKey())), k.identity().keyId());
        assertEquals(k.identity(), Identity.fromPem(k.identity().toPem()));
    }

    @Test
    void plainKeyFileRoundTripIsOwnerOnly() throws Exception {
        KeyStore ks = KeyStore.inHome(home);
        SigningKey k = ks.create("alice", null);
        assertEquals(k.identity(), ks.load("alice", null).identity());
        assertEquals(k.identity(), ks.loadPublic("alice"));
        assertEquals(java.util.List.of("alice"), ks.names());
        if (AtomicFiles.POSIX) {
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(ks.privateKeyPath("alice"))));
        }
        var e = assertThrows(LedgerException.class, () -> ks.create("alice", null));
        assertTrue(e.getMessage().contains("already exists"));
        assertThrows(LedgerException.class, () -> ks.create("../evil", null));
    }

    @Test
    void encryptedKeyNeedsItsPassphrase() throws Exception {
        KeyStore ks = KeyStore.inHome(home);
        SigningKey k = ks.create("bob", "correct horse".toCharArray());
        assertTrue(ks.isEncrypted("bob"));
        String file = Files.readString(ks.privateKeyPath("bob"), StandardCharsets.UTF_8);
        assertFalse(file.contains(Hex.encode(k.seed())), "seed must not be stored in the clear");
        assertEquals(k.identity(), ks.load("bob", "correct horse".toCharArray()).identity());
        var e = assertThrows(LedgerException.class, () -> ks.load("bob", "wrong".toCharArray()));
        assertTrue(e.getMessage().contains("wrong passphrase"), e.getMessage());
        e = assertThrows(LedgerException.class, () -> ks.load("bob", null));
        assertTrue(e.getMessage().contains("passphrase"), e.getMessage());
        e = assertThrows(LedgerException.class, () -> ks.load("carol", null));
        assertTrue(e.getMessage().contains("carol"), e.getMessage());
    }
}

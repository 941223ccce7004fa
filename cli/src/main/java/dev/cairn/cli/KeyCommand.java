package dev.cairn.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cairn.ledger.Identity;
import dev.cairn.ledger.KeyStore;
import dev.cairn.ledger.LedgerException;
import dev.cairn.ledger.LedgerHome;
import dev.cairn.ledger.SigningKey;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code cairn key new|show|export|release-key}: Ed25519 identities in {@code HOME/keys}. */
@Command(name = "key", mixinStandardHelpOptions = true, description = "Make, show and export Ed25519 identities (HOME/keys).",
        subcommands = {KeyCommand.New.class, KeyCommand.Show.class, KeyCommand.Export.class, KeyCommand.ReleaseKey.class})
public final class KeyCommand implements Runnable {
    @Spec CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    static final ObjectMapper JSON = new ObjectMapper();

    /** Prints the error as one line on err, as the command line's other refusals do ("cairn key new: error: ..."); exit code 1. */
    static int fail(CommandSpec spec, RuntimeException e) {
        spec.commandLine().getErr().println(spec.qualifiedName() + ": error: " + e.getMessage());
        spec.commandLine().getErr().flush();
        return 1;
    }

    static void printJson(CommandSpec spec, ObjectNode n) {
        PrintWriter out = spec.commandLine().getOut();
        try {
            out.println(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(n));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new LedgerException("cannot print JSON: " + e.getMessage());
        }
        out.flush();
    }

    static ObjectNode describe(String name, Identity id, KeyStore ks) {
        ObjectNode n = JSON.createObjectNode();
        n.put("name", name);
        n.put("public_key", id.publicKeyHex());
        n.put("key_id", id.keyId());
        n.put("public_key_file", ks.publicKeyPath(name).toString());
        return n;
    }

    @Command(name = "new", mixinStandardHelpOptions = true, description = "Make an Ed25519 key pair NAME.key (owner-only) and NAME.pub.")
    static final class New implements Callable<Integer> {
        @Spec CommandSpec spec;
        @Mixin HomeOption home;
        @Parameters(paramLabel = "NAME", description = "Key name (letters, digits, '.', '_', '-').") String name;
        @Option(names = "--passphrase-file", paramLabel = "F",
                description = "Encrypt the private key (scrypt + AES-256-GCM) with the first line of F.") Path passphraseFile;
        @Option(names = "--json", description = "Print JSON.") boolean json;
        @Option(names = "--release-key", description = "Also make an ECDSA P-256 release key (for signing model releases).") boolean releaseKey;

        @Override
        public Integer call() throws java.io.IOException {
            if (LedgerHome.LOG_KEY.equals(name)) throw new LedgerException("the name " + name + " is reserved for the log's key");
            KeyStore ks = new LedgerHome(home.dir()).keys();
            char[] pass = passphraseFile == null ? null : KeyStore.readPassphraseFile(passphraseFile);
            SigningKey key = ks.create(name, pass);
            boolean encrypted = pass != null;
            if (pass != null) Arrays.fill(pass, '\0');
            ObjectNode n = describe(name, key.identity(), ks);
            n.put("private_key_file", ks.privateKeyPath(name).toString());
            n.put("encrypted", encrypted);
            if (releaseKey) {
                var rk = dev.cairn.release.ReleaseKeys.create(home.dir(), name);
                n.put("release_public_key_pem", rk.publicPem());
                n.put("release_key_hint", rk.hint());
            }
            if (json) {
                printJson(spec, n);
            } else {
                PrintWriter out = spec.commandLine().getOut();
                out.println("created key " + name + (encrypted ? " (passphrase-encrypted)" : ""));
                out.println("public_key " + key.identity().publicKeyHex());
                out.println("key_id     " + key.identity().keyId());
                out.println("private    " + ks.privateKeyPath(name) + " (owner read/write only)");
                out.println("public     " + ks.publicKeyPath(name));
                if (releaseKey) out.println("release    " + dev.cairn.release.ReleaseKeys.publicPath(home.dir(), name) + " (ECDSA P-256, for model signing)");
                out.flush();
            }
            return 0;
        }
    }

    @Command(name = "show", mixinStandardHelpOptions = true, description = "Print a key's public key and key id (hex SHA-256 of the raw public key).")
    static final class Show implements Callable<Integer> {
        @Spec CommandSpec spec;
        @Mixin HomeOption home;
        @Parameters(paramLabel = "NAME") String name;
        @Option(names = "--json", description = "Print JSON.") boolean json;

        @Override
        public Integer call() throws java.io.IOException {
            KeyStore ks = new LedgerHome(home.dir()).keys();
            Identity id = ks.loadPublic(name);
            boolean hasPrivate = java.nio.file.Files.exists(ks.privateKeyPath(name));
            boolean encrypted = hasPrivate && ks.isEncrypted(name);
            if (json) {
                ObjectNode n = describe(name, id, ks);
                n.put("has_private_key", hasPrivate);
                n.put("encrypted", encrypted);
                String pem = dev.cairn.release.ReleaseKeys.loadPublicPem(home.dir(), name);
                if (pem != null) n.put("release_public_key_pem", pem).put("release_key_hint", dev.cairn.release.ReleaseKeys.hint(pem));
                printJson(spec, n);
            } else {
                PrintWriter out = spec.commandLine().getOut();
                out.println("name       " + name);
                out.println("public_key " + id.publicKeyHex());
                out.println("key_id     " + id.keyId());
                out.println("private    " + (hasPrivate ? (encrypted ? "present, passphrase-encrypted" : "present") : "absent"));
                out.flush();
            }
            return 0;
        }
    }

    /** The fixed PKCS#8 (RFC 8410) prefix of an Ed25519 private key: version 0, algorithm id-Ed25519, then the 32-byte seed. */
    static final byte[] PKCS8_ED25519 = dev.cairn.ledger.Hex.decode("302e020100300506032b657004220420");

    @Command(name = "export", mixinStandardHelpOptions = true, description = {"Write a member's Ed25519 private key as PKCS#8 (RFC 8410), for the dashboard, which imports it with "
            + "WebCrypto and keeps it in the browser. The output is SECRET: whoever holds it can vote as this member.",
            "PEM by default; --base64 for the DER bytes in base64."},
            footer = {"", "Example:", "  cairn key export boreal-institute --pkcs8 --out boreal.pem    # then paste it into the dashboard's \"Your key\" page"})
    static final class Export implements Callable<Integer> {
        @Spec CommandSpec spec;
        @Mixin HomeOption home;
        @Parameters(paramLabel = "NAME") String name;
        @Option(names = "--pkcs8", required = true, description = "PKCS#8 (the only export format).") boolean pkcs8;
        @Option(names = "--base64", description = "Base64 of the DER bytes instead of PEM.") boolean base64;
        @Option(names = "--out", paramLabel = "FILE", description = "Write it to FILE (owner read/write only; must not exist) instead of printing it.") Path outFile;
        @Option(names = "--passphrase-file", paramLabel = "F", description = "Passphrase of an encrypted key.") Path passphraseFile;

        @Override
        public Integer call() throws java.io.IOException {
            SigningKey key = GovernanceCli.loadKey(new LedgerHome(home.dir()), name, passphraseFile);
            byte[] seed = key.seed();
            byte[] der = new byte[PKCS8_ED25519.length + seed.length];
            System.arraycopy(PKCS8_ED25519, 0, der, 0, PKCS8_ED25519.length);
            System.arraycopy(seed, 0, der, PKCS8_ED25519.length, seed.length);
            String b64 = java.util.Base64.getEncoder().encodeToString(der);
            String text = base64 ? b64 + "\n" : "-----BEGIN PRIVATE KEY-----\n" + b64 + "\n-----END PRIVATE KEY-----\n";
            Arrays.fill(seed, (byte) 0);
            Arrays.fill(der, (byte) 0);
            PrintWriter err = spec.commandLine().getErr();
            err.println("cairn key export: this is " + name + "'s SECRET signing key (public key " + key.identity().publicKeyHex().substring(0, 16)
                    + "…): anyone who holds it can vote and propose as " + name + ". Keep it off shared machines and never send it to anyone.");
            err.flush();
            if (outFile != null) {
                if (java.nio.file.Files.exists(outFile)) throw new IllegalArgumentException("--out " + outFile + " already exists; not overwriting it");
                dev.cairn.ledger.AtomicFiles.write(outFile, text.getBytes(java.nio.charset.StandardCharsets.US_ASCII), true);
                spec.commandLine().getOut().println("wrote " + outFile + " (owner read/write only)");
            } else {
                spec.commandLine().getOut().print(text);
            }
            spec.commandLine().getOut().flush();
            return 0;
        }
    }

    @Command(name = "release-key", mixinStandardHelpOptions = true, description = "Give an existing identity an ECDSA P-256 release key (OpenSSF model signing accepts only ECDSA) "
            + "and, where HOME holds a community, bind it to the identity with a signed statement in the ledger.")
    static final class ReleaseKey implements Callable<Integer> {
        @Spec CommandSpec spec;
        @Mixin HomeOption home;
        @Parameters(paramLabel = "NAME") String name;
        @Option(names = "--passphrase-file", paramLabel = "F", description = "Passphrase of the encrypted Ed25519 key.") Path passphraseFile;

        @Override
        public Integer call() throws java.io.IOException {
            LedgerHome lh = new LedgerHome(home.dir());
            var member = GovernanceCli.loadKey(lh, name, passphraseFile);
            var rk = dev.cairn.release.ReleaseKeys.exists(home.dir(), name) ? dev.cairn.release.ReleaseKeys.load(home.dir(), name)
                    : dev.cairn.release.ReleaseKeys.create(home.dir(), name);
            PrintWriter out = spec.commandLine().getOut();
            out.println("release key " + dev.cairn.release.ReleaseKeys.publicPath(home.dir(), name) + " (hint " + rk.hint().substring(0, 12) + "…)");
            if (lh.hasLog()) {
                String community = dev.cairn.governance.Community.read(lh).communityId();
                var e = dev.cairn.release.ReleaseStatements.append(home.dir(), dev.cairn.release.ReleaseStatements.releaseKeyStatement(rk, community, member));
                out.println("  bound to " + name + "'s identity at ledger entry " + e.index());
            } else {
                out.println("  no community ledger here yet: `cairn release publish` binds it when it first signs a release");
            }
            out.flush();
            return 0;
        }
    }
}

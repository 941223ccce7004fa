package dev.cairn.training;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.toml.TomlMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The node a member's commands talk to when they are not given {@code --remote}: {@code HOME/config.toml}
 * <pre>
 *   [node]
 *   url = "https://node.example.org:8440/"
 * </pre>
 * {@code --remote URL} wins over the file; {@code --remote local} uses the home's own log whatever the file says.
 */
public final class NodeConfig {
    public static final String FILE = "config.toml";

    private NodeConfig() {}

    /** The node URL to use, or null for the home's own log. */
    public static String remote(Path home, String flag) {
        if (flag != null) return flag.equals("local") ? null : check(flag, "--remote");
        Path f = home.resolve(FILE);
        if (!Files.exists(f)) return null;
        JsonNode t;
        try {
            t = new TomlMapper().readTree(f.toFile());
        } catch (IOException e) {
            throw new IllegalArgumentException(f + ": not valid TOML: " + e.getMessage().lines().findFirst().orElse(""));
        }
        JsonNode url = t.path("node").get("url");
        if (url == null) return null;
        if (!url.isTextual()) throw new IllegalArgumentException(f + ": [node] url must be a string");
        return check(url.asText(), f + ": [node] url");
    }

    private static String check(String url, String where) {
        if (!url.matches("https?://[^\\s/]+(/\\S*)?")) throw new IllegalArgumentException(where + " must be an http:// or https:// URL, got " + url);
        return url.endsWith("/") ? url : url + "/";
    }
}

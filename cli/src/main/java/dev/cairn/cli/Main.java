package dev.cairn.cli;

import java.io.PrintWriter;

/** Entry point: a tiny main; the logic lives in {@link Cairn#run}. */
public final class Main {
    private Main() {}

    public static void main(String[] args) {
        PrintWriter out = new PrintWriter(System.out, true);
        PrintWriter err = new PrintWriter(System.err, true);
        System.exit(Cairn.run(out, err, args));
    }
}

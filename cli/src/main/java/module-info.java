/** The cairn command: thin, every subcommand calls into a room. */
module dev.cairn.cli {
    requires dev.cairn.training;
    requires dev.cairn.mpi;
    requires dev.cairn.release;
    requires dev.cairn.eval;
    requires dev.cairn.server;
    requires dev.cairn.ledger;
    requires dev.cairn.data;
    requires dev.cairn.governance;
    requires info.picocli;
    requires java.net.http;
    requires java.management;
    requires com.fasterxml.jackson.databind;
    opens dev.cairn.cli to info.picocli;
    exports dev.cairn.cli;
}

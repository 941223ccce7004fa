/** The server room: a community node over HTTP (C2SP tlog-tiles read path, POST /add write path, JSON API). */
module dev.cairn.server {
    requires transitive dev.cairn.eval;
    requires jdk.httpserver;
    requires java.net.http;
    requires com.fasterxml.jackson.databind;
    exports dev.cairn.server;
}

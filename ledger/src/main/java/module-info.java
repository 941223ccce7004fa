/** Identities, signed statements (DSSE + in-toto), RFC 6962 transparency log. Depends on no other room. */
module dev.cairn.ledger {
    requires java.net.http;
    requires org.bouncycastle.provider;
    requires com.fasterxml.jackson.databind;
    exports dev.cairn.ledger;
}

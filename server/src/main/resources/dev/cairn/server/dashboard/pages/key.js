// Your key: import the output of `cairn key export NAME --pkcs8`; it stays in this browser (IndexedDB, not extractable).
import { h, api, short } from "../app.js";
import * as sign from "../sign.js";

export const live = false;

export async function render() {
  const member = await sign.loadKey().catch(() => null);
  const o = await api("/api/overview");
  const who = member && o.charter.members.find((m) => m.key === member.publicKey);
  const text = h("textarea", { id: "pkcs8", rows: 4, placeholder: "-----BEGIN PRIVATE KEY-----\n...\n-----END PRIVATE KEY-----", autocomplete: "off", spellcheck: "false" });
  const status = h("p", { id: "key-status" }, member ? ["Key loaded: ", h("code", {}, short(member.publicKey, 16)), who ? ` (${who.name})` : " (not a member here)"] : "No key loaded.");
  const load = async () => {
    try {
      const pub = await sign.importKey(text.value);
      text.value = "";
      const m = o.charter.members.find((x) => x.key === pub);
      status.replaceChildren("Key loaded: ", h("code", {}, short(pub, 16)), m ? ` (${m.name})` : " (not a member here)");
    } catch (e) {
      status.replaceChildren(h("span", { class: "error" }, "Could not import the key: " + (e.message || e.name)));
    }
  };
  const forget = async () => { await sign.forgetKey(); status.replaceChildren("Key removed from this browser."); };
  return h("div", {}, h("h1", {}, "Your key"),
    h("p", {}, "Run ", h("code", {}, "cairn key export NAME --pkcs8"), " on your own machine and paste the output here. The key is kept in this browser "
      + "(IndexedDB, marked non-extractable) and is never sent: the page signs votes and proposals with it and sends only the signed envelope."),
    text, h("p", {}, h("button", { id: "import-key", onclick: load }, "Import"), h("button", { id: "forget-key", onclick: forget }, "Forget")), status);
}

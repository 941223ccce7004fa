// Signing in the browser, byte for byte as the command line does: an in-toto Statement v1 in RFC 8785 canonical
// JSON, in a DSSE envelope signed with the member's Ed25519 key (WebCrypto). The key is imported from
// `cairn key export NAME --pkcs8`, stored non-extractable in IndexedDB, and never leaves this browser.
const enc = new TextEncoder();
export const hex = (bytes) => Array.from(new Uint8Array(bytes), (b) => b.toString(16).padStart(2, "0")).join("");
export const unhex = (s) => new Uint8Array(s.match(/../g).map((b) => parseInt(b, 16)));
const b64 = (bytes) => btoa(String.fromCharCode(...new Uint8Array(bytes)));
export const sha256 = async (bytes) => new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));

/** RFC 8785: keys sorted by UTF-16 code units, ECMAScript serialisation of strings and numbers. */
export function canonical(v) {
  if (Array.isArray(v)) return "[" + v.map(canonical).join(",") + "]";
  if (v !== null && typeof v === "object") {
    return "{" + Object.keys(v).sort().map((k) => JSON.stringify(k) + ":" + canonical(v[k])).join(",") + "}";
  }
  if (typeof v === "number" && !Number.isSafeInteger(v)) throw new Error("only integers are signed here");
  return JSON.stringify(v);
}

/** DSSE v1 pre-authentication encoding. */
export function pae(type, payload) {
  const head = enc.encode(`DSSEv1 ${enc.encode(type).length} ${type} ${payload.length} `);
  const out = new Uint8Array(head.length + payload.length);
  out.set(head);
  out.set(payload, head.length);
  return out;
}

/** The statement `cairn` builds: the predicate with community_id and signer, subjects with sha256 digests. */
export function statement(predicateType, predicate, community, signerHex, subjects) {
  return {
    _type: "https://in-toto.io/Statement/v1",
    subject: subjects.map(([name, sha]) => ({ name, digest: { sha256: sha } })),
    predicateType,
    predicate: { ...predicate, community_id: community, signer: signerHex },
  };
}

export const vote = (community, signer, proposalDigest, ballot) =>
  statement("https://cairn.dev/governance/vote/v1", { proposal: proposalDigest, ballot }, community, signer, [["proposal", proposalDigest]]);

export async function propose(community, signer, motion) {
  const digest = hex(await sha256(enc.encode(canonical(motion))));
  return statement("https://cairn.dev/governance/proposal/v1", { motion }, community, signer, [["motion", digest]]);
}

/** Signs a statement into an envelope (its canonical JSON, as the ledger stores it). */
export async function envelope(member, st) {
  const payload = enc.encode(canonical(st));
  const type = "application/vnd.in-toto+json";
  const sig = await crypto.subtle.sign({ name: "Ed25519" }, member.key, pae(type, payload));
  const keyid = hex(await sha256(unhex(member.publicKey)));
  return `{"payload":"${b64(payload)}","payloadType":"${type}","signatures":[{"keyid":"${keyid}","sig":"${b64(sig)}"}]}`;
}

/** POST /add; returns the receipt, with the inclusion proof checked here against the root it names. */
export async function submit(envelopeJson) {
  const r = await fetch("/add", { method: "POST", headers: { "Content-Type": "application/json" }, body: envelopeJson });
  const body = await r.json().catch(() => ({ error: "HTTP " + r.status }));
  if (!r.ok) throw new Error(`the node refused it (HTTP ${r.status}): ${body.error}`);
  const input = new Uint8Array(8 + enc.encode(envelopeJson).length);
  new DataView(input.buffer).setBigUint64(0, BigInt(body.log_time));
  input.set(enc.encode(envelopeJson), 8);
  const leaf = await sha256(concat([0], input));
  body.proof_checked = hex(leaf) === body.leaf_hash && (await verifyInclusion(leaf, body.index, body.inclusion_proof));
  return body;
}

const concat = (...parts) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
};

/** RFC 9162 section 2.1.3.2. */
export async function verifyInclusion(leaf, index, proof) {
  let fn = index, sn = proof.tree_size - 1, r = leaf;
  for (const p of proof.audit_path.map(unhex)) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      r = await sha256(concat([1], p, r));
      if (fn % 2 === 0) while (fn % 2 === 0 && fn !== 0) { fn = Math.floor(fn / 2); sn = Math.floor(sn / 2); }
    } else {
      r = await sha256(concat([1], r, p));
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && hex(r) === proof.root;
}

// ---------------------------------------------------------------- the key, kept in IndexedDB

function db() {
  return new Promise((ok, fail) => {
    const r = indexedDB.open("cairn-dashboard", 1);
    r.onupgradeneeded = () => r.result.createObjectStore("keys");
    r.onsuccess = () => ok(r.result);
    r.onerror = () => fail(r.error);
  });
}

async function idb(mode, f) {
  const d = await db();
  return new Promise((ok, fail) => {
    const t = d.transaction("keys", mode);
    const req = f(t.objectStore("keys"));
    t.oncomplete = () => ok(req.result);
    t.onerror = () => fail(t.error);
  });
}

/** Reads `cairn key export --pkcs8` output (PEM or base64 DER), keeps a non-extractable key, returns its public key. */
export async function importKey(text) {
  const body = text.replace(/-----(BEGIN|END) PRIVATE KEY-----/g, "").replace(/\s+/g, "");
  let der;
  try {
    der = Uint8Array.from(atob(body), (c) => c.charCodeAt(0));
  } catch {
    throw new Error("not a PEM or base64 PKCS#8 key");
  }
  const probe = await crypto.subtle.importKey("pkcs8", der, { name: "Ed25519" }, true, ["sign"]);
  const jwk = await crypto.subtle.exportKey("jwk", probe);
  const publicKey = hex(Uint8Array.from(atob(jwk.x.replace(/-/g, "+").replace(/_/g, "/")), (c) => c.charCodeAt(0)));
  const key = await crypto.subtle.importKey("pkcs8", der, { name: "Ed25519" }, false, ["sign"]);
  await idb("readwrite", (s) => s.put({ key, publicKey }, "member"));
  return publicKey;
}

export const loadKey = () => idb("readonly", (s) => s.get("member"));
export const forgetKey = () => idb("readwrite", (s) => s.delete("member"));

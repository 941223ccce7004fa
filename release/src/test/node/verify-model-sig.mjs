// Verifies an OpenSSF model-signing v1.0 bundle (key mode) with Sigstore's own JavaScript libraries, not Cairn's
// code: @sigstore/bundle parses and validates the bundle, @sigstore/verify checks the DSSE signature against the
// given ECDSA public key (no transparency log, as model_signing's key mode writes none). Then the in-toto payload's
// resources are compared with the files on disk. Prints JSON {ok, name, root, files} or exits 1 with the reason.
import { bundleFromJSON } from "@sigstore/bundle";
import { Verifier, toSignedEntity, toTrustMaterial } from "@sigstore/verify";
import { createHash, createPublicKey } from "node:crypto";
import { readFileSync, readdirSync, statSync } from "node:fs";
import { join, relative, sep } from "node:path";

const [dir, pemFile] = process.argv.slice(2);
const sigPath = join(dir, "model.sig");
try {
  const bundle = bundleFromJSON(JSON.parse(readFileSync(sigPath, "utf8")));
  const pem = readFileSync(pemFile, "utf8");
  const hint = createHash("sha256").update(pem).digest("hex");
  const keys = { [hint]: { publicKey: createPublicKey(pem), validFor: () => true } };
  const trust = toTrustMaterial({ mediaType: "", certificateAuthorities: [], ctlogs: [], tlogs: [], timestampAuthorities: [] },
    (h) => { if (!keys[h]) throw new Error(`no key for hint ${h}`); return keys[h]; });
  new Verifier(trust, { tlogThreshold: 0, ctlogThreshold: 0, timestampThreshold: 0 }).verify(toSignedEntity(bundle));
  const st = JSON.parse(Buffer.from(bundle.content.dsseEnvelope.payload).toString("utf8"));
  if (st.predicateType !== "https://model_signing/signature/v1.0") throw new Error(`predicateType ${st.predicateType}`);
  const root = createHash("sha256");
  const signed = {};
  for (const r of st.predicate.resources) { root.update(Buffer.from(r.digest, "hex")); signed[r.name] = r.digest; }
  if (root.digest("hex") !== st.subject[0].digest.sha256) throw new Error("resources do not hash to the subject digest");
  const ignore = new Set(["model.sig", ".git", ".gitattributes", ".github", ".gitignore", ...(st.predicate.serialization.ignore_paths ?? [])]);
  const actual = {};
  const walk = (d) => { for (const e of readdirSync(d)) { const p = join(d, e); const rel = relative(dir, p).split(sep).join("/");
    if (ignore.has(rel.split("/")[0])) continue; if (statSync(p).isDirectory()) walk(p); else actual[rel] = createHash("sha256").update(readFileSync(p)).digest("hex"); } };
  walk(dir);
  for (const [n, d] of Object.entries(signed)) if (actual[n] !== d) throw new Error(`${n}: ${actual[n] ? "changed" : "missing"}`);
  for (const n of Object.keys(actual)) if (!(n in signed)) throw new Error(`${n}: not signed`);
  console.log(JSON.stringify({ ok: true, name: st.subject[0].name, root: st.subject[0].digest.sha256, files: Object.keys(signed).length }));
} catch (e) {
  console.log(JSON.stringify({ ok: false, error: String(e.message ?? e) }));
  process.exit(1);
}

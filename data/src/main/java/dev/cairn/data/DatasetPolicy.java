package dev.cairn.data;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

/**
 * How a dataset filters what is added to it; fixed when the dataset is created and recorded in every manifest.
 *
 * @param allowLicenses SPDX identifiers allowed; empty means any identifier on the SPDX list (or a LicenseRef)
 * @param allowUnknownLicense let through documents with no licence ({@code NOASSERTION}) or identifiers not on the SPDX list
 * @param refuseTerms licence terms refused outright, of "non-commercial", "no-derivatives", "share-alike" (always flagged)
 * @param exactDedup drop documents whose id is already in the dataset
 * @param nearDedup drop near duplicates (MinHash/LSH over word 5-gram shingles)
 * @param nearDupThreshold estimated Jaccard similarity at or above which two documents are near duplicates
 * @param pii what to do with e-mail addresses and phone numbers: "redact", "drop" or "keep" (tag only)
 * @param quality apply the Gopher-style quality rules
 * @param maxDocumentBytes documents (and JSONL lines) longer than this are refused
 */
public record DatasetPolicy(List<String> allowLicenses, boolean allowUnknownLicense, List<String> refuseTerms,
                            boolean exactDedup, boolean nearDedup, double nearDupThreshold, String pii,
                            boolean quality, long maxDocumentBytes) {
    /** 64 MiB. */
    public static final long DEFAULT_MAX_DOCUMENT_BYTES = 64L << 20;
    static final Set<String> TERMS = Set.of("non-commercial", "no-derivatives", "share-alike");

    public DatasetPolicy {
        List<String> canon = new ArrayList<>();
        for (String id : allowLicenses) canon.add(SpdxExpression.parse(id).toString());
        allowLicenses = List.copyOf(new TreeSet<>(canon));
        refuseTerms = List.copyOf(new TreeSet<>(refuseTerms));
        for (String t : refuseTerms) if (!TERMS.contains(t)) throw new DataException("unknown licence term " + ByteLevel.quote(t) + " (use " + TERMS + ")");
        if (!(nearDupThreshold > 0 && nearDupThreshold <= 1)) throw new DataException("near-duplicate threshold must be in (0, 1], got " + nearDupThreshold);
        pii = pii.toLowerCase(Locale.ROOT);
        if (!Set.of("redact", "drop", "keep").contains(pii)) throw new DataException("PII policy must be redact, drop or keep, got " + ByteLevel.quote(pii));
        if (maxDocumentBytes < 1) throw new DataException("max document bytes must be positive");
    }

    /** Defaults: any SPDX licence, unknown refused, nothing refused for its terms, every filter on, Jaccard 0.8, PII redacted. */
    public static DatasetPolicy defaults() {
        return new DatasetPolicy(List.of(), false, List.of(), true, true, 0.8, "redact", true, DEFAULT_MAX_DOCUMENT_BYTES);
    }

    /** The flagged terms of a licence expression: NC, ND and SA variants. */
    static List<String> termsOf(SpdxExpression e) {
        Set<String> out = new TreeSet<>();
        for (String id : e.licenseIds()) {
            String u = id.toUpperCase(Locale.ROOT);
            if (u.matches(".*-NC(-|$).*")) out.add("non-commercial");
            if (u.matches(".*-ND(-|$).*")) out.add("no-derivatives");
            if (u.matches(".*-SA(-|$).*")) out.add("share-alike");
        }
        return List.copyOf(out);
    }

    /** Null when the expression is acceptable, else why not. */
    String refusal(SpdxExpression e) {
        if (e.hasUnknownIds() && !allowUnknownLicense) return "licence " + ByteLevel.quote(e.toString()) + " has identifiers not on the SPDX list";
        if (!allowLicenses.isEmpty() && !allowed(e)) return "licence " + ByteLevel.quote(e.toString()) + " is not allowed by the dataset's allow-list " + allowLicenses;
        for (String t : termsOf(e)) if (refuseTerms.contains(t)) return "licence " + ByteLevel.quote(e.toString()) + " has " + t + " terms, which this dataset refuses";
        return null;
    }

    private boolean allowed(SpdxExpression e) {
        return switch (e) {
            case SpdxExpression.License l -> allowLicenses.contains(l.id()) || allowLicenses.contains(l.toString());
            case SpdxExpression.With w -> allowed(w.license());
            case SpdxExpression.And a -> allowed(a.left()) && allowed(a.right());
            case SpdxExpression.Or o -> allowed(o.left()) || allowed(o.right());
        };
    }

    ObjectNode toJson() {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.putArray("allow_licenses").addAll(allowLicenses.stream().map(JsonNodeFactory.instance::textNode).toList());
        o.put("allow_unknown_license", allowUnknownLicense);
        o.putArray("refuse_terms").addAll(refuseTerms.stream().map(JsonNodeFactory.instance::textNode).toList());
        o.put("exact_dedup", exactDedup);
        o.put("near_dedup", nearDedup);
        o.put("near_dup_threshold", nearDupThreshold);
        o.put("near_dup_method", "MinHash 128 permutations (seed 0x434149524E4D4831) over lower-cased word 5-gram shingles, LSH "
                + MinHashLsh.bandsFor(nearDupThreshold) + " bands; the smaller document id survives");
        o.put("pii", pii);
        o.put("quality", quality);
        o.put("max_document_bytes", maxDocumentBytes);
        return o;
    }

    static DatasetPolicy fromJson(JsonNode o) {
        List<String> allow = new ArrayList<>();
        o.path("allow_licenses").forEach(n -> allow.add(n.asText()));
        List<String> refuse = new ArrayList<>();
        o.path("refuse_terms").forEach(n -> refuse.add(n.asText()));
        return new DatasetPolicy(allow, o.path("allow_unknown_license").asBoolean(), refuse, o.path("exact_dedup").asBoolean(true),
                o.path("near_dedup").asBoolean(true), o.path("near_dup_threshold").asDouble(0.8), o.path("pii").asText("redact"),
                o.path("quality").asBoolean(true), o.path("max_document_bytes").asLong(DEFAULT_MAX_DOCUMENT_BYTES));
    }
}

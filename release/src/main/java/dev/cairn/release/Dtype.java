package dev.cairn.release;

import java.nio.ByteBuffer;
import java.util.Set;

/**
 * Element types Cairn writes and reads. F16 and BF16 are written by rounding float32 to nearest, ties to even
 * (IEEE 754's default), and read back by exact widening.
 */
public enum Dtype {
    F32(4), F16(2), BF16(2);

    public final int bytes;

    Dtype(int bytes) {
        this.bytes = bytes;
    }

    private static final Set<String> KNOWN_OTHERS = Set.of("F64", "I64", "I32", "I16", "I8", "U64", "U32", "U16", "U8",
            "BOOL", "F8_E4M3", "F8_E5M2", "F8_E8M0", "F4", "F6_E2M3", "F6_E3M2", "C64");

    /** Parses a safetensors dtype name; the message starts with {@code where}. */
    static Dtype parse(String s, String where) {
        if (s == null) throw new IllegalArgumentException(where + "dtype is missing");
        for (Dtype d : values()) if (d.name().equals(s)) return d;
        if (KNOWN_OTHERS.contains(s)) throw new IllegalArgumentException(where + "dtype " + s + " is not supported (F32, F16 and BF16 are)");
        throw new IllegalArgumentException(where + "unknown dtype \"" + s + "\"");
    }

    /** From a command-line name: f32, f16, bf16. */
    public static Dtype fromOption(String s) {
        return switch (s.toLowerCase(java.util.Locale.ROOT)) {
            case "f32", "float32" -> F32;
            case "f16", "float16" -> F16;
            case "bf16", "bfloat16" -> BF16;
            default -> throw new IllegalArgumentException("--dtype must be f32, f16 or bf16, got " + s);
        };
    }

    /** The torch name, for config.json's torch_dtype. */
    public String torchName() {
        return switch (this) {
            case F32 -> "float32";
            case F16 -> "float16";
            case BF16 -> "bfloat16";
        };
    }

    void encode(float[] src, int from, int n, ByteBuffer out) {
        switch (this) {
            case F32 -> { for (int i = 0; i < n; i++) out.putFloat(src[from + i]); }
            case F16 -> { for (int i = 0; i < n; i++) out.putShort(Float.floatToFloat16(src[from + i])); }
            case BF16 -> { for (int i = 0; i < n; i++) out.putShort(toBf16(src[from + i])); }
        }
    }

    /** Decodes every whole element in {@code in} into {@code out} from {@code at}; returns the next index. */
    int decode(ByteBuffer in, float[] out, int at) {
        switch (this) {
            case F32 -> { while (in.remaining() >= 4) out[at++] = in.getFloat(); }
            case F16 -> { while (in.remaining() >= 2) out[at++] = Float.float16ToFloat(in.getShort()); }
            case BF16 -> { while (in.remaining() >= 2) out[at++] = Float.intBitsToFloat((in.getShort() & 0xffff) << 16); }
        }
        return at;
    }

    /** float32 to bfloat16, round to nearest even; NaN stays a (quiet) NaN. */
    static short toBf16(float f) {
        int bits = Float.floatToRawIntBits(f);
        if (Float.isNaN(f)) return (short) ((bits >>> 16) | 0x0040);
        int rounded = bits + 0x7fff + ((bits >>> 16) & 1);
        return (short) (rounded >>> 16);
    }

    /** The value a float32 becomes after a round trip through this type. */
    public float roundTrip(float f) {
        return switch (this) {
            case F32 -> f;
            case F16 -> Float.float16ToFloat(Float.floatToFloat16(f));
            case BF16 -> Float.intBitsToFloat((toBf16(f) & 0xffff) << 16);
        };
    }
}

/** Deterministic float kernels: every kernel has a scalar reference and a Vector API path, bit-identical. */
module dev.cairn.numerics {
    requires jdk.incubator.vector;
    exports dev.cairn.numerics;
}

package dev.cairn.model;

import dev.cairn.numerics.Kernels;
import dev.cairn.numerics.Parallel;
import java.util.List;

/**
 * What training, evaluation and generation need from a decoder, whatever its architecture: one flat parameter
 * buffer with named tensors, a forward pass (with targets: the mean cross-entropy loss) and its backward pass.
 * Implementations split work by output ownership and fix every reduction's order, so the bits do not depend
 * on the thread count or the kernel set.
 */
public sealed interface LanguageModel permits Gpt, Llama {
    ModelConfig config();

    /** The flat parameter buffer (its tensors are {@link #tensors()}). */
    float[] params();

    /** d loss / d params after {@link #backward()}, the same layout. */
    float[] grads();

    /** Every tensor of the flat buffer, in buffer order. */
    List<ParameterLayout.Tensor> tensors();

    /** Whether the tensor is stacked over layers (layer l's slice is the l-th of L equal parts). */
    boolean stackedOverLayers(ParameterLayout.Tensor t);

    Kernels kernels();

    Parallel parallel();

    /** Initialisation from the counter-based generator keyed by the seed (element i of the buffer uses counter i). */
    void initialize(long seed);

    /**
     * Runs the model on B sequences of T tokens (inputs row-major (B, T)). With targets, returns the mean
     * cross-entropy loss and leaves d loss / d logits ready for {@link #backward()}; without, returns NaN and
     * leaves the logits readable through {@link #logitsAt}.
     */
    float forward(int[] inputs, int[] targets, int B, int T);

    /**
     * {@link #forward} without targets that hands every sequence b to {@code sink.accept(b, worker)} once its logits
     * are ready: on the worker that computed them, while they are in its cache, where the pass carries whole sequences
     * through every layer; otherwise after the pass, spread over the workers. The sink may read {@link #logitsAt} for
     * its sequence only, and must not start another pass.
     */
    void forward(int[] inputs, int B, int T, SequenceSink sink);

    /** Takes a sequence whose logits a forward pass has finished ({@link #forward(int[], int, int, SequenceSink)}). */
    @FunctionalInterface
    interface SequenceSink {
        void accept(int b, int worker);
    }

    /** Gradients of the last forward pass's mean loss with respect to every parameter, into {@link #grads()}. */
    void backward();

    /** The logits of row (b, t) of the last forward pass. */
    float[] logitsAt(int b, int t, float[] out);

    /**
     * How many layers, the last ones, keep their activations from the forward pass for the backward pass; the
     * backward pass recomputes the others' from their kept inputs with the same operations, so the gradients'
     * bits do not depend on it. All layers by default.
     */
    void keepActivations(int layers);

    /** How many layers keep their activations (at most the model's layers). */
    int keptLayers();

    /** The bytes of activation and gradient buffers a pass of batch b, length t keeps with {@code kept} layers kept. */
    long activationBytes(int b, int t, int kept);

    /** The most layers whose activations fit {@code budget} bytes at batch b, length t (0 when even none fit). */
    default int layersToKeep(int b, int t, long budget) {
        int kept = config().layers();
        while (kept > 0 && activationBytes(b, t, kept) > budget) kept--;
        return kept;
    }

    /** Hands the next forward pass an update to apply before it reads the parameters (null: none). */
    void deferUpdate(DeferredUpdate u);

    /**
     * An optimizer update of the parameters that the next forward pass applies as it reaches them: the parts
     * outside the layers first, then each layer's parameters before the layer reads them. Each element is
     * updated once from the same inputs, so the bits are those of updating everything first.
     */
    interface DeferredUpdate {
        /** Parameters outside the layers (embeddings, final norm, an untied head). */
        void global();

        /** Part {@code part} of {@code parts} of layer l's parameters (the parts are disjoint and cover them). */
        void layer(int l, int part, int parts);
    }
}

package dev.cairn.model;

import dev.cairn.numerics.Kernels;
import dev.cairn.numerics.Parallel;

/** The shape of a decoder of one of the architectures Cairn trains: GPT-2 ({@code gpt2}) or Llama ({@code llama}). */
public sealed interface ModelConfig permits GptConfig, LlamaConfig {
    /** The architecture's name as recipes, checkpoints and the command line spell it. */
    String arch();

    int vocabSize();

    /** Positions the model can attend over. */
    int contextLen();

    int layers();

    int heads();

    int embd();

    /** Parameters in the flat buffer. */
    int parameterCount();

    /** A model of this shape, its parameters zero. */
    LanguageModel create(Kernels kernels, Parallel parallel);
}

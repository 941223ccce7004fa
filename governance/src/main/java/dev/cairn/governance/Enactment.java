package dev.cairn.governance;

/** An executed proposal's effect: which proposal, at what log time, doing what. */
public record Enactment(int proposal, long time, Action action) {}

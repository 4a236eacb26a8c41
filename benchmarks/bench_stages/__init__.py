"""Stages used only by the benchmarks (registered through a pipeline's `plugins:`)."""

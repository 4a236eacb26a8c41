"""Our own offline NLI verifier: training data (general NLI + relation-verification pairs from
T-REx sentences and KG facts), seeded fine-tuning of a small cross-encoder, and its model card."""

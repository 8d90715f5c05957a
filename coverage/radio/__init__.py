"""Radio prediction: link budgets, antenna patterns, path-loss models, terrain coverage."""

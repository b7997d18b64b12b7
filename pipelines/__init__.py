"""Ray Data / Ray Train pipelines: synthetic data, training, evaluation, model registry."""

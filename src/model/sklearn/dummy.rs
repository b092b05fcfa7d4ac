//! TODO(helper): DummyClassifier/DummyRegressor priors used as GradientBoosting init_.

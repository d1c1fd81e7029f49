namespace FinScale.Detection.Multivariate;

/// <summary>One feature's part in a scored vector.</summary>
/// <param name="Feature">The feature's name (e.g. <see cref="FeatureRole.Latency"/>).</param>
/// <param name="Value">The feature's value in its own units.</param>
/// <param name="Deviation">Robust z of the value against the model's training vectors (median and MAD-like scale): how far the feature alone moved, signed.</param>
/// <param name="Residual">The feature's part of the reconstruction residual, in the same standardised units, signed: what the normal subspace cannot explain.</param>
/// <param name="Share">Residual² over the squared reconstruction error: the feature's share of it, in [0, 1].</param>
/// <param name="Imputed">True when no series fed the feature in this step and its last value stood in.</param>
public readonly record struct FeatureContribution(string Feature, double Value, double Deviation, double Residual, double Share, bool Imputed);

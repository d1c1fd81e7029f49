namespace FinScale.Forecasting;

/// <summary>What was wrong with the input; the forecaster reports it and carries on.</summary>
public enum ForecastWarningKind
{
    /// <summary>Slots were missing; they were filled with the model's own forecast.</summary>
    Gap,

    /// <summary>A second value for a slot already seen; the first was kept.</summary>
    RepeatedTimestamp,

    /// <summary>A timestamp earlier than one already seen; the value was ignored.</summary>
    BackwardsTimestamp,

    /// <summary>NaN or infinity; the value was ignored.</summary>
    NonFiniteValue,

    /// <summary>A timestamp off the inferred sampling grid by more than a quarter step; it was rounded to the nearest slot.</summary>
    IrregularTimestamp,

    /// <summary>The recent history is a flat line (or all zeros): the forecast is that line and the interval is degenerate.</summary>
    FlatLine,

    /// <summary>The history is shorter than two seasons: a fallback model is in use.</summary>
    ShortHistory,

    /// <summary>A gap so long the model was restarted from scratch.</summary>
    Reset,
}

/// <summary>A warning about the input, with the time it concerns.</summary>
/// <param name="Kind">What kind of problem.</param>
/// <param name="TimestampMs">The observation's timestamp, Unix milliseconds.</param>
/// <param name="Message">A sentence for a human.</param>
public sealed record ForecastWarning(ForecastWarningKind Kind, long TimestampMs, string Message)
{
    /// <inheritdoc/>
    public override string ToString() => $"{Kind}: {Message}";
}

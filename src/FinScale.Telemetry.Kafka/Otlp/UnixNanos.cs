namespace FinScale.Telemetry.Kafka.Otlp;

/// <summary>OTLP timestamps: nanoseconds since the Unix epoch, as fixed64.</summary>
internal static class UnixNanos
{
    private const long NanosPerTick = 100;

    /// <summary>Converts a UTC <see cref="DateTime"/> (ticks are read as UTC); times before the epoch read as 0.</summary>
    internal static ulong From(DateTime utc) => FromTicks(utc.Ticks);

    /// <summary>Converts a <see cref="DateTimeOffset"/> at its UTC instant; times before the epoch read as 0.</summary>
    internal static ulong From(DateTimeOffset value) => FromTicks(value.UtcTicks);

    private static ulong FromTicks(long ticks)
    {
        var sinceEpoch = ticks - DateTime.UnixEpoch.Ticks;
        return sinceEpoch <= 0 ? 0UL : (ulong)sinceEpoch * NanosPerTick;
    }
}

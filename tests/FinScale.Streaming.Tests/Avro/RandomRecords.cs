using FinScale.Contracts;

namespace FinScale.Streaming.Tests.Avro;

/// <summary>
/// Seeded random contract records that reach the corners of Avro's binary encoding: empty and long strings (one- and
/// two-byte lengths), two- and three-byte UTF-8, surrogate pairs and lone surrogates, NaN payloads, infinities, -0,
/// times before the epoch with sub-millisecond ticks, empty maps and maps of 64 entries or more.
/// </summary>
internal static class RandomRecords
{
    public static Anomaly Anomaly(Random random)
    {
        var attributes = new Dictionary<string, string>(StringComparer.Ordinal);
        var count = random.Next(4) == 0 ? 0 : random.Next(1, 80); // 64 entries need a two-byte block count
        for (var a = 0; a < count; a++)
            attributes[Text(random, 1, 20) + a] = Text(random, 0, 40);
        return new FinScale.Contracts.Anomaly(
            Text(random, 0, 200),
            Text(random, 0, 300),
            Text(random, 1, 70),
            attributes,
            Time(random),
            Double(random),
            Double(random),
            Double(random),
            Double(random),
            Text(random, 0, 30))
        {
            TraceId = random.Next(3) == 0 ? null : Text(random, 0, 40),
            SpanId = random.Next(3) == 0 ? null : Text(random, 0, 20),
            State = (AnomalyState)random.Next(3),
        };
    }

    public static string Text(Random random, int min, int max)
    {
        // ASCII mostly, with two- and three-byte UTF-8, surrogate pairs and now and then a lone surrogate.
        var length = random.Next(min, max + 1);
        var chars = new char[length];
        for (var i = 0; i < length; i++)
        {
            chars[i] = random.Next(10) switch
            {
                0 => (char)random.Next(0x80, 0x800),
                1 => (char)random.Next(0x800, 0xD800),
                2 when i + 1 < length => (char)random.Next(0xD800, 0xDC00),
                3 => (char)random.Next(0xDC00, 0xE000),
                _ => (char)random.Next(0x20, 0x7F),
            };
            if (chars[i] is >= (char)0xD800 and < (char)0xDC00 && random.Next(4) != 0)
                chars[++i] = (char)random.Next(0xDC00, 0xE000);
        }

        return new string(chars);
    }

    public static double Double(Random random) => random.Next(12) switch
    {
        0 => double.NaN,
        1 => double.PositiveInfinity,
        2 => double.NegativeInfinity,
        3 => -0.0,
        4 => double.Epsilon,
        5 => double.MaxValue,
        6 => BitConverter.Int64BitsToDouble(random.NextInt64()),
        _ => (random.NextDouble() - 0.5) * Math.Pow(10, random.Next(-10, 12)),
    };

    public static RemediationDecision Decision(Random random)
    {
        var refs = new List<AnomalyRef>();
        var count = random.Next(4) == 0 ? 0 : random.Next(1, 150);
        for (var i = 0; i < count; i++)
            refs.Add(new AnomalyRef(Text(random, 0, 40), Text(random, 0, 120), random.Next(3) == 0 ? null : Text(random, 0, 32), random.Next(3) == 0 ? null : Text(random, 0, 16)));
        return new RemediationDecision(
            Text(random, 0, 40),
            Text(random, 0, 40),
            Time(random),
            Pick<ExecutionMode>(random),
            Pick<ActionKind>(random),
            random.Next(3) == 0 ? null : new ActionTarget(Text(random, 0, 20), Text(random, 0, 20), Text(random, 0, 60)),
            Pick<DecisionOutcome>(random),
            Text(random, 0, 600),
            random.Next(2) == 0 ? null : Text(random, 0, 30),
            Anomaly(random))
        {
            Anomalies = refs,
            Finding = Optional(random, 20),
            Rule = Optional(random, 30),
            Request = Optional(random, 400),
            Response = Optional(random, 400),
            Chain = Optional(random, 30),
            PrevHash = Optional(random, 64),
        };
    }

    public static DateTimeOffset Time(Random random) =>
        new(random.NextInt64(DateTime.UnixEpoch.Ticks - (100L * TimeSpan.TicksPerDay * 365), DateTime.UnixEpoch.Ticks + (200L * TimeSpan.TicksPerDay * 365)), TimeSpan.Zero);

    private static string? Optional(Random random, int max) => random.Next(3) == 0 ? null : Text(random, 0, max);

    private static TEnum Pick<TEnum>(Random random)
        where TEnum : struct, Enum
    {
        var values = Enum.GetValues<TEnum>();
        return values[random.Next(values.Length)];
    }
}

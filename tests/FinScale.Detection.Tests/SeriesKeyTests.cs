using FinScale.Contracts;

namespace FinScale.Detection.Tests;

public class SeriesKeyTests
{
    [Fact]
    public void Create_SortsAttributesAndEscapesQuotes()
    {
        var k = SeriesKey.Create("m", new Dictionary<string, string> { ["z"] = "a\"b", ["a"] = "x\\y" });
        Assert.Equal("m{a=\"x\\\\y\",z=\"a\\\"b\"}", k.Text);
        Assert.Equal("m", SeriesKey.Create("m", null).Text);
    }

    [Fact]
    public void Equals_DependsOnTextOnly()
    {
        Assert.Equal(
            SeriesKey.Create("m", new Dictionary<string, string> { ["a"] = "1", ["b"] = "2" }),
            SeriesKey.Create("m", new Dictionary<string, string> { ["b"] = "2", ["a"] = "1" }));
        Assert.NotEqual(SeriesKey.Create("m", null), SeriesKey.Create("n", null));
    }

    [Fact]
    public void Parse_RandomKeys_RoundTrip_WithAttributesSortedAndFoundByKey()
    {
        var random = new Random(7);
        for (var n = 0; n < 500; n++)
        {
            var attributes = RandomAttributes(random, names: 1000, letters: 26);
            var created = SeriesKey.Create("http.server.request.duration", attributes);

            var parsed = SeriesKey.Parse(created.Text);

            Assert.Equal(created.Text, parsed.Text);
            Assert.Equal(attributes.Keys.Order(StringComparer.Ordinal), parsed.Attributes.Keys);
            foreach (var (k, v) in attributes)
                Assert.Equal(v, parsed.Attribute(k));
            Assert.Null(parsed.Attribute("absent"));
            Assert.Throws<KeyNotFoundException>(() => parsed.Attributes["absent"]);
        }
    }

    [Fact]
    public void TryReadAttributes_RandomKeys_ReadsWhatParseFinds()
    {
        var random = new Random(11);
        for (var n = 0; n < 2_000; n++)
        {
            var attributes = RandomAttributes(random, names: 20, letters: 3);
            var key = SeriesKey.Create("http.server.request.duration", attributes);

            // Some names the key has, some it does not, one of them twice.
            string[] names = [$"k{random.Next(20)}.a", $"k{random.Next(20)}.b", "absent", .. attributes.Keys.Take(2), .. attributes.Keys.Take(1)];
            var values = new string?[names.Length];
            Assert.True(SeriesKey.TryReadAttributes(key.Text, names, values), key.Text);
            for (var i = 0; i < names.Length; i++)
                Assert.Equal(key.Attribute(names[i]), values[i]);
        }
    }

    [Theory]
    [InlineData("m{a=\"1\"")] // not closed
    [InlineData("m{}")]
    [InlineData("{a=\"1\"}")] // no name
    [InlineData("m{a=\"1\",}")] // a comma and nothing after it
    [InlineData("m{a=\"1\"b=\"2\"}")] // no comma between two
    [InlineData("m{a=\"1\\\"}")] // the closing quote escaped
    [InlineData("m{a}")]
    [InlineData("")]
    public void TryReadAttributes_NotAKeysShape_FalseAndNothingRead(string text)
    {
        var values = new string?[] { "stale" };
        Assert.False(SeriesKey.TryReadAttributes(text, ["a"], values));
        Assert.Null(values[0]);
    }

    [Fact]
    public void TryReadAttributes_NameOnly_TrueAndNothingFound()
    {
        var values = new string?[] { "stale" };
        Assert.True(SeriesKey.TryReadAttributes("up", ["a"], values));
        Assert.Null(values[0]);
    }

    [Theory]
    [InlineData("m{b=\"1\",a=\"2\"}")] // keys out of order
    [InlineData("m{a=\"1\",a=\"2\"}")] // a key twice
    [InlineData("m{a=\"\\x\"}")] // an escape Create never writes
    [InlineData("m{a=\"1\"")] // not closed
    [InlineData("m{}")]
    [InlineData("{a=\"1\"}")] // no name
    public void Parse_NonCanonicalText_IsRefused(string text) => Assert.Throws<FormatException>(() => SeriesKey.Parse(text));

    /// <summary>
    /// Up to 11 attributes named <c>k{0..names-1}.{one of the first letters}</c>, values of up to 11 characters from an
    /// alphabet of quotes, backslashes, cut characters and non-ASCII (the same random draws as the tests always made).
    /// </summary>
    private static Dictionary<string, string> RandomAttributes(Random random, int names, int letters)
    {
        const string alphabet = "ab.z_\"\\,={}é€";
        var attributes = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var a = random.Next(0, 12); a > 0; a--)
            attributes[$"k{random.Next(names)}.{(char)('a' + random.Next(letters))}"] = new string([.. Enumerable.Range(0, random.Next(0, 12)).Select(_ => alphabet[random.Next(alphabet.Length)])]);
        return attributes;
    }
}

using FinScale.Host;
using FinScale.Host.Keda;
using Microsoft.Extensions.Configuration;

namespace FinScale.IntegrationTests.Keda;

/// <summary>The <c>Keda</c> section: defaults, and bad values failing at start with the key named.</summary>
public class KedaOptionsTests
{
    [Fact]
    public void Load_NothingSet_IsEnabledOnPort6000()
    {
        var options = KedaOptions.Load(Configuration([]));

        Assert.True(options.Enabled);
        Assert.Equal(6000, options.Port);
    }

    [Fact]
    public void Load_ValuesSet_BindsThem()
    {
        var options = KedaOptions.Load(Configuration(new() { ["Keda:Enabled"] = "false", ["Keda:Port"] = "7001" }));

        Assert.False(options.Enabled);
        Assert.Equal(7001, options.Port);
    }

    [Theory]
    [InlineData("Keda:Port", "70000", "Keda:Port")]
    [InlineData("Keda:Port", "-1", "Keda:Port")]
    [InlineData("Keda:Port", "six", "Keda:Port")]
    [InlineData("Keda:Enabled", "maybe", "Keda:Enabled")]
    [InlineData("Keda:Address", "0.0.0.0", "Address")]
    public void Load_BadValue_FailsWithAMessageNamingTheKey(string key, string value, string named)
    {
        var ex = Assert.ThrowsAny<Exception>(() => KedaOptions.Load(Configuration(new() { [key] = value })));

        Assert.True(ConfigurationErrors.TryDescribe(ex, out var message), ex.ToString());
        Assert.Contains(named, message, StringComparison.Ordinal);
    }

    private static IConfiguration Configuration(Dictionary<string, string?> values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values).Build();
}

using System.ComponentModel.DataAnnotations;

namespace FinScale.Detection.Multivariate.Tests;

public class MultivariateOptionsTests
{
    private static List<ValidationResult> Validate(MultivariateOptions options)
    {
        var results = new List<ValidationResult>();
        Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true);
        return results;
    }

    [Fact]
    public void Validate_Defaults_Valid()
    {
        Assert.Empty(Validate(new MultivariateOptions()));
        Assert.Equal("Detection:Multivariate", MultivariateOptions.Section);
    }

    [Theory]
    [InlineData(nameof(MultivariateOptions.Rank))]
    [InlineData(nameof(MultivariateOptions.MinTrainingVectors))]
    [InlineData(nameof(MultivariateOptions.MaxMissingFeatures))]
    [InlineData(nameof(MultivariateOptions.Step))]
    [InlineData(nameof(MultivariateOptions.GroupBy))]
    public void Validate_Inconsistent_FailsNamingTheKey(string member)
    {
        var options = new MultivariateOptions();
        switch (member)
        {
            case nameof(MultivariateOptions.Rank): options.Rank = 4; break;
            case nameof(MultivariateOptions.MinTrainingVectors): options.MinTrainingVectors = options.TrainingWindow + 1; break;
            case nameof(MultivariateOptions.MaxMissingFeatures): options.Saturation = string.Empty; options.MaxMissingFeatures = 3; break;
            case nameof(MultivariateOptions.Step): options.Step = TimeSpan.FromTicks(TimeSpan.TicksPerSecond + 1); break;
            default: options.GroupBy = " , "; break;
        }

        var result = Assert.Single(Validate(options));
        Assert.Contains(member, result.MemberNames);
    }

    [Theory]
    [InlineData(nameof(MultivariateOptions.TrainingWindow))]
    [InlineData(nameof(MultivariateOptions.ScoreThreshold))]
    [InlineData(nameof(MultivariateOptions.Step))]
    public void Validate_OutOfRange_FailsNamingTheKey(string member)
    {
        var options = new MultivariateOptions();
        switch (member)
        {
            case nameof(MultivariateOptions.TrainingWindow): options.TrainingWindow = 5; break;
            case nameof(MultivariateOptions.ScoreThreshold): options.ScoreThreshold = 1.5; break;
            default: options.Step = TimeSpan.Zero; break;
        }

        Assert.Contains(Validate(options), r => r.MemberNames.Contains(member));
    }

    [Fact]
    public void ThrowIfInvalid_Invalid_MessageNamesSectionAndKey()
    {
        var e = Assert.Throws<ArgumentException>(() => new MultivariateOptions { Rank = 4 }.ThrowIfInvalid());
        Assert.Contains("Detection:Multivariate:Rank", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Roles_EmptyPatterns_LeavesTheFeatureOut()
    {
        var options = new MultivariateOptions { ErrorRate = "", Saturation = " mem.used , cpu.* ", Rank = 1 };
        var roles = options.Roles();

        Assert.Equal([FeatureRole.Latency, FeatureRole.Throughput, FeatureRole.Saturation], roles.Select(r => r.Name));
        Assert.Equal(["mem.used", "cpu.*"], roles[2].Patterns);
        Assert.Empty(Validate(options));
    }

    [Fact]
    public void Validate_PatternWithABrace_Fails()
    {
        var result = Assert.Single(Validate(new MultivariateOptions { Latency = "x.p99{service.name=\"a\"}" }));
        Assert.Contains(nameof(MultivariateOptions.Latency), result.MemberNames);
    }
}

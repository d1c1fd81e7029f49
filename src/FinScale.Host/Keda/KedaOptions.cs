using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace FinScale.Host.Keda;

/// <summary>The KEDA external scaler <c>finscale run</c> serves (section <c>Keda</c>).</summary>
public sealed class KedaOptions
{
    /// <summary>Configuration section.</summary>
    public const string Section = "Keda";

    /// <summary>Whether <c>finscale run</c> serves the external scaler (gRPC, <c>externalscaler.ExternalScaler</c>).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Port of the scaler's gRPC endpoint (HTTP/2 cleartext, on every interface); 0 picks a free port, which is logged.</summary>
    [Range(0, 65535)]
    public int Port { get; set; } = 6000;

    /// <summary>
    /// Binds section <see cref="Section"/> of <paramref name="configuration"/> and validates it as the host validates its
    /// other options: an unknown key, a value that does not convert or one out of range throws naming the key
    /// (<see cref="ConfigurationErrors"/> turns that into the one-line exit-2 message).
    /// </summary>
    /// <remarks>Bound here rather than registered in the composition root so the scaler stays self-contained in this folder.</remarks>
    public static KedaOptions Load(IConfiguration configuration)
    {
        var options = new KedaOptions();
        configuration.GetSection(Section).Bind(options, o => o.ErrorOnUnknownConfiguration = true);
        var result = new DataAnnotationValidateOptions<KedaOptions>(Options.DefaultName).Validate(Options.DefaultName, options);
        if (result.Failed)
            throw new OptionsValidationException(Options.DefaultName, typeof(KedaOptions), result.Failures);
        return options;
    }
}

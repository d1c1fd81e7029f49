using System.Collections;
using System.Globalization;
using System.Reflection;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;

namespace FinScale.Host.Configuration;

/// <summary>
/// The configuration as FinScale uses it, flattened to <c>Section:Key</c> pairs: every public settable property of the
/// bound options objects (so defaults show where nothing is set), plus every other key the sources carry
/// (e.g. <c>Logging</c>), with secrets masked.
/// </summary>
internal static partial class EffectiveConfiguration
{
    /// <summary>What a masked value prints as.</summary>
    public const string Mask = "***";

    private const int MaxDepth = 8;

    /// <summary>Keys the host builder itself puts in configuration; no source of FinScale's sets them.</summary>
    private static readonly HashSet<string> HostKeys = new(StringComparer.OrdinalIgnoreCase) { "contentRoot", "applicationName", "environment" };

    /// <summary>Flattens bound options objects (section → value) and the raw configuration into sorted, masked pairs.</summary>
    public static IReadOnlyList<KeyValuePair<string, string>> Collect(IEnumerable<KeyValuePair<string, object>> options, IConfiguration raw)
    {
        var pairs = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (section, value) in options)
            Flatten(section, value, pairs, 0);
        foreach (var (key, value) in raw.AsEnumerable())
        {
            // Section nodes have no value; bound keys were written above in their typed form.
            if (value is not null && !HostKeys.Contains(key) && !pairs.ContainsKey(key))
                pairs[key] = value;
        }

        return pairs
            .Select(p => KeyValuePair.Create(p.Key, MaskValue(p.Key, p.Value)))
            .OrderBy(p => p.Key, StringComparer.OrdinalIgnoreCase)
            .ToList();
    }

    /// <summary>
    /// True when the key's last segment names a secret: <c>password</c>, <c>secret</c>, <c>token</c> at its end
    /// (<c>sasl.password</c>, <c>ssl.key.password</c>, <c>sasl.oauthbearer.client.secret</c>, <c>Token</c>), a
    /// <c>*.key</c> or librdkafka's inline private key <c>ssl.key.pem</c>; case-insensitive.
    /// </summary>
    public static bool IsSecretKey(string key)
    {
        var last = key[(key.LastIndexOf(':') + 1)..];
        return SecretSegment().IsMatch(last);
    }

    /// <summary>The value to print: <see cref="Mask"/> for a secret key, a URL's user info replaced by <see cref="Mask"/>.</summary>
    public static string MaskValue(string key, string value)
    {
        if (value.Length == 0)
            return value;
        if (IsSecretKey(key))
            return Mask;
        // Credentials in a URL (http://user:pass@host), anywhere in a list of them.
        return UrlUserInfo().Replace(value, m => m.Groups["scheme"].Value + Mask + "@");
    }

    private static void Flatten(string prefix, object? value, Dictionary<string, string> pairs, int depth)
    {
        switch (value)
        {
            case null:
                pairs[prefix] = string.Empty;
                return;
            case string s:
                pairs[prefix] = s;
                return;
            case TimeSpan t:
                pairs[prefix] = t.ToString("c", CultureInfo.InvariantCulture);
                return;
            case Enum or bool or Uri:
                pairs[prefix] = value.ToString() ?? string.Empty;
                return;
            case IFormattable f when value.GetType().IsPrimitive || value is decimal or DateTimeOffset or DateTime:
                pairs[prefix] = f.ToString(null, CultureInfo.InvariantCulture);
                return;
            case IDictionary map:
                foreach (DictionaryEntry entry in map)
                    Flatten(prefix + ":" + Convert.ToString(entry.Key, CultureInfo.InvariantCulture), entry.Value, pairs, depth + 1);
                return;
            case IEnumerable list:
                var index = 0;
                foreach (var item in list)
                    Flatten(prefix + ":" + index++.ToString(CultureInfo.InvariantCulture), item, pairs, depth + 1);
                if (index == 0)
                    pairs[prefix] = string.Empty;
                return;
        }

        if (depth >= MaxDepth)
            return;
        var type = value.GetType();
        if (type.IsValueType && type.IsPrimitive)
        {
            pairs[prefix] = Convert.ToString(value, CultureInfo.InvariantCulture) ?? string.Empty;
            return;
        }

        // What the binder binds: public instance properties with a public setter (init included).
        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (property.GetIndexParameters().Length > 0 || property.GetMethod is not { IsPublic: true } || property.SetMethod is not { IsPublic: true })
                continue;
            Flatten(prefix + ":" + property.Name, property.GetValue(value), pairs, depth + 1);
        }
    }

    [GeneratedRegex(@"(password|secret|token)$|(^|\.)key$|^ssl\.key\.pem$|^sasl\.oauthbearer\.config$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex SecretSegment();

    [GeneratedRegex(@"(?<scheme>[a-z][a-z0-9+.\-]*://)[^/@\s,]+@", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex UrlUserInfo();
}

using System.Runtime.CompilerServices;
using FinScale.Remediation.Diagnosis;

namespace FinScale.Remediation.Tests.Diagnosis;

/// <summary>
/// Golden cases: each <c>cases/&lt;name&gt;/</c> holds the anomalies of a window and a cluster view, and the findings
/// a reviewer agreed are right. <c>FINSCALE_UPDATE_GOLDEN=1</c> rewrites <c>findings.json</c> in the source tree;
/// every rewritten file must be read and checked by hand before it is committed.
/// </summary>
public class DiagnoserGoldenTests
{
    private static readonly string CasesDir = Path.Combine(AppContext.BaseDirectory, "Diagnosis", "cases");

    public static TheoryData<string> Cases()
    {
        var data = new TheoryData<string>();
        foreach (var dir in Directory.GetDirectories(CasesDir).Order(StringComparer.Ordinal))
            data.Add(Path.GetFileName(dir));
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Diagnose_GoldenCase_MatchesFindings(string name)
    {
        var dir = Path.Combine(CasesDir, name);
        var anomalies = DiagnosisCase.LoadAnomalies(Path.Combine(dir, "anomalies.json"));
        var cluster = DiagnosisCase.LoadCluster(Path.Combine(dir, "cluster.json"));

        var actual = DiagnosisCase.ToCanonicalJson(Diagnoser.Diagnose(anomalies, cluster, new DiagnosisOptions(), DiagnosisCase.Now));

        if (Environment.GetEnvironmentVariable("FINSCALE_UPDATE_GOLDEN") == "1")
        {
            File.WriteAllText(Path.Combine(SourceCasesDir(), name, "findings.json"), actual);
            return;
        }

        var expected = File.ReadAllText(Path.Combine(dir, "findings.json")).ReplaceLineEndings("\n");
        Assert.Equal(expected, actual);
    }

    [Fact]
    public void Diagnose_GoldenCasesInReverseOrder_GiveTheSameFindings()
    {
        foreach (var dir in Directory.GetDirectories(CasesDir))
        {
            var anomalies = DiagnosisCase.LoadAnomalies(Path.Combine(dir, "anomalies.json"));
            var cluster = DiagnosisCase.LoadCluster(Path.Combine(dir, "cluster.json"));
            var forward = DiagnosisCase.ToCanonicalJson(Diagnoser.Diagnose(anomalies, cluster, new DiagnosisOptions(), DiagnosisCase.Now));
            var reversed = DiagnosisCase.ToCanonicalJson(Diagnoser.Diagnose([.. anomalies.Reverse()], cluster, new DiagnosisOptions(), DiagnosisCase.Now));
            Assert.Equal(forward, reversed);
        }
    }

    private static string SourceCasesDir([CallerFilePath] string thisFile = "") => Path.Combine(Path.GetDirectoryName(thisFile)!, "cases");
}

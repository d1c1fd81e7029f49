using FinScale.Contracts;
using FinScale.Remediation.Diagnosis;
using FinScale.Remediation.Policy;

namespace FinScale.Remediation.Tests.Policy;

public class PolicyCompatibilityTests
{
    [Theory]
    [InlineData(FindingKind.PodFault, ActionKind.RestartPod)]
    [InlineData(FindingKind.NodeFault, ActionKind.CordonNode)]
    [InlineData(FindingKind.CanaryRegression, ActionKind.ShiftTraffic)]
    [InlineData(FindingKind.TrafficSurge, ActionKind.Scale)]
    [InlineData(FindingKind.ServiceFault, ActionKind.RestartDeployment)]
    [InlineData(FindingKind.Unattributed, ActionKind.None)]
    public void IsAllowed_TheFindingsOwnAction_IsTrue(FindingKind finding, ActionKind action)
    {
        Assert.True(PolicyCompatibility.IsAllowed(finding, action));
    }

    [Theory]
    [InlineData(FindingKind.CanaryRegression, ActionKind.CordonNode)]
    [InlineData(FindingKind.PodFault, ActionKind.ShiftTraffic)]
    [InlineData(FindingKind.TrafficSurge, ActionKind.RestartPod)]
    [InlineData(FindingKind.Unattributed, ActionKind.RestartPod)]
    public void IsAllowed_ClearlyWrongPair_IsFalse(FindingKind finding, ActionKind action)
    {
        Assert.False(PolicyCompatibility.IsAllowed(finding, action));
    }

    [Fact]
    public void IsAllowed_None_IsAllowedForEveryFinding()
    {
        Assert.All(Enum.GetValues<FindingKind>(), f => Assert.True(PolicyCompatibility.IsAllowed(f, ActionKind.None)));
    }
}

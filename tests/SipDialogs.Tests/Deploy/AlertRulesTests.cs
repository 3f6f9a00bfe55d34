using System.Text.RegularExpressions;
using SipDialogs.Tests.Infrastructure;

namespace SipDialogs.Tests.Deploy;

/// <summary>
/// deploy/prometheus/alerts.yml run by the real <c>promtool</c> (Debian's prometheus package): the rules are valid,
/// their unit tests (alerts.test.yml) fire and silence each one, and a broken rule fails them.
/// </summary>
public sealed partial class AlertRulesTests
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task PromtoolFindsTheAlertRulesValid()
    {
        (int exit, string output) = await PromtoolAsync("check", "rules", Repository.PathOf("deploy/prometheus/alerts.yml"));

        Assert.True(exit == 0, output);
    }

    [Fact]
    public async Task PromtoolUnitTestsFireAndSilenceEveryAlertRule()
    {
        string rules = await File.ReadAllTextAsync(Repository.PathOf("deploy/prometheus/alerts.yml"));
        string tests = await File.ReadAllTextAsync(Repository.PathOf("deploy/prometheus/alerts.test.yml"));

        (int exit, string output) = await PromtoolAsync("test", "rules", Repository.PathOf("deploy/prometheus/alerts.test.yml"));

        Assert.True(exit == 0, output);
        MatchCollection alerts = AlertName().Matches(rules);
        Assert.True(alerts.Count >= 10, $"{alerts.Count} rules");
        foreach (Match alert in alerts)
        {
            Assert.Contains("alertname: " + alert.Groups[1].Value, tests, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task ARuleChangedFromWhatItsTestsExpectFailsThem()
    {
        string directory = Directory.CreateTempSubdirectory("alerts-").FullName;
        try
        {
            string rules = await File.ReadAllTextAsync(Repository.PathOf("deploy/prometheus/alerts.yml"));
            string broken = rules.Replace("rate(sipdialogs_call_started_total[5m])) > 0.05", "rate(sipdialogs_call_started_total[5m])) > 0.5", StringComparison.Ordinal);
            Assert.NotEqual(rules, broken);
            await File.WriteAllTextAsync(Path.Combine(directory, "alerts.yml"), broken);
            File.Copy(Repository.PathOf("deploy/prometheus/alerts.test.yml"), Path.Combine(directory, "alerts.test.yml"));

            (int exit, string output) = await PromtoolAsync("test", "rules", Path.Combine(directory, "alerts.test.yml"));

            Assert.NotEqual(0, exit);
            Assert.Contains("SipDialogsFailedCallRatioHigh", output, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static async Task<(int Exit, string Output)> PromtoolAsync(params string[] arguments)
    {
        await using ExternalProcess promtool = ExternalProcess.Start("promtool", arguments);
        int exit = await promtool.Exited.WaitAsync(s_timeout);
        return (exit, promtool.Output);
    }

    [GeneratedRegex(@"- alert: (\w+)")]
    private static partial Regex AlertName();
}

using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using SipDialogs.Tests.Infrastructure;

namespace SipDialogs.Tests.Deploy;

/// <summary>The Grafana dashboard and the alert rules in deploy/ name only metrics (and labels) that serve exports.</summary>
public sealed partial class MetricNamesTests
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task EveryMetricTheDashboardAndTheAlertRulesUseIsOneServeExports()
    {
        await using ServerProcess server = await ServerProcess.StartAsync("--listen", "udp:127.0.0.1:0", "--management", "http://127.0.0.1:0");
        SippResult calls = await Sipp.RunAsync("-sn uac", server.Udp!, calls: 3, rate: 10, s_timeout);
        Assert.True(calls.ExitCode == 0, calls.Output);
        using (var junk = new UdpClient(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0)))
        {
            await junk.SendAsync(Encoding.ASCII.GetBytes("INVITE nonsense\r\n\r\n"), server.Udp!); // One parse rejection.
        }

        using var http = new HttpClient { BaseAddress = server.Management, Timeout = s_timeout };
        await Server.ManagementEndpointTests.PollMetricAsync(http, "sipdialogs_message_rejected_total", 1);
        string metrics = await http.GetStringAsync(new Uri("/metrics", UriKind.Relative));
        var exported = new HashSet<string>(StringComparer.Ordinal);
        foreach (Match sample in SampleName().Matches(metrics))
        {
            exported.Add(sample.Groups[1].Value);
        }

        foreach (Match label in LabelName().Matches(metrics))
        {
            exported.Add(label.Groups[1].Value); // The rules and panels group by labels named like metrics.
        }

        var used = new SortedSet<string>(StringComparer.Ordinal);
        using (JsonDocument dashboard = JsonDocument.Parse(await File.ReadAllTextAsync(Repository.PathOf("deploy/grafana/sipdialogs.json"))))
        {
            foreach (JsonElement panel in dashboard.RootElement.GetProperty("panels").EnumerateArray())
            {
                if (panel.TryGetProperty("targets", out JsonElement targets))
                {
                    foreach (JsonElement target in targets.EnumerateArray())
                    {
                        AddNames(target.GetProperty("expr").GetString()!, used);
                    }
                }
            }
        }

        int fromDashboard = used.Count;
        AddNames(await File.ReadAllTextAsync(Repository.PathOf("deploy/prometheus/alerts.yml")), used);

        Assert.True(fromDashboard >= 15, $"{fromDashboard} metric names in the dashboard");
        used.ExceptWith(exported);
        Assert.True(used.Count == 0, "Not exported: " + string.Join(", ", used));
    }

    private static void AddNames(string text, SortedSet<string> into)
    {
        foreach (Match name in UsedName().Matches(text))
        {
            into.Add(name.Value);
        }
    }

    [GeneratedRegex(@"^([a-zA-Z_:][a-zA-Z0-9_:]*)[{ ]", RegexOptions.Multiline)]
    private static partial Regex SampleName();

    [GeneratedRegex(@"[{,]([a-zA-Z_][a-zA-Z0-9_]*)=""")]
    private static partial Regex LabelName();

    [GeneratedRegex(@"\b(sipdialogs|dotnet|process)_[a-z0-9_]+\b")]
    private static partial Regex UsedName();
}

using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;

namespace SipDialogs.Tests.Infrastructure;

/// <summary>
/// A real <c>prometheus</c> server (Debian's package) on loopback, scraping one target every second under
/// job="sipdialogs", with its own temporary storage; queried through its HTTP API and stopped by its PID.
/// </summary>
internal sealed class PrometheusProcess : IAsyncDisposable
{
    private readonly ExternalProcess _process;
    private readonly string _directory;
    private readonly HttpClient _http;

    private PrometheusProcess(ExternalProcess process, string directory, Uri api)
    {
        _process = process;
        _directory = directory;
        _http = new HttpClient { BaseAddress = api, Timeout = TimeSpan.FromSeconds(30) };
    }

    /// <summary>Starts Prometheus scraping <paramref name="target"/> (host:port, path /metrics) and waits until it is ready.</summary>
    public static async Task<PrometheusProcess> StartAsync(string target, TimeSpan timeout)
    {
        string directory = Directory.CreateTempSubdirectory("prometheus-").FullName;
        string config = Path.Combine(directory, "prometheus.yml");
        await File.WriteAllTextAsync(config, $"""
            global:
              scrape_interval: 1s
              scrape_timeout: 1s
            scrape_configs:
              - job_name: sipdialogs
                static_configs:
                  - targets: ['{target}']
            """);
        int port = FreeTcpPort();
        ExternalProcess process = ExternalProcess.Start("prometheus", [
            "--config.file=" + config,
            "--storage.tsdb.path=" + Path.Combine(directory, "data"),
            "--web.listen-address=127.0.0.1:" + port.ToString(CultureInfo.InvariantCulture),
        ]);
        var prometheus = new PrometheusProcess(process, directory, new Uri($"http://127.0.0.1:{port}/"));
        try
        {
            await process.WaitForLineAsync(line => line.Contains("Server is ready to receive web requests", StringComparison.Ordinal))
                .WaitAsync(timeout);
        }
        catch
        {
            await prometheus.DisposeAsync();
            throw;
        }

        return prometheus;
    }

    /// <summary>The value of an instant query that gives one series, or null while it gives none.</summary>
    public async Task<double?> QueryAsync(string query, CancellationToken cancellationToken)
    {
        using JsonDocument answer = JsonDocument.Parse(
            await _http.GetStringAsync(new Uri("api/v1/query?query=" + Uri.EscapeDataString(query), UriKind.Relative), cancellationToken));
        JsonElement result = answer.RootElement.GetProperty("data").GetProperty("result");
        return result.GetArrayLength() == 0
            ? null
            : double.Parse(result[0].GetProperty("value")[1].GetString()!, NumberStyles.Float, CultureInfo.InvariantCulture);
    }

    /// <summary>Polls an instant query until it gives <paramref name="expected"/>.</summary>
    public async Task WaitForValueAsync(string query, double expected, TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        double? last = null;
        try
        {
            while ((last = await QueryAsync(query, cancel.Token)) != expected)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(200), cancel.Token);
            }
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"{query} gave {last?.ToString(CultureInfo.InvariantCulture) ?? "nothing"}, not {expected}.\n{_process.Output}");
        }
    }

    /// <summary>The type Prometheus recorded for a metric family (counter, gauge, histogram), or null.</summary>
    public async Task<string?> TypeOfAsync(string family)
    {
        using JsonDocument answer = JsonDocument.Parse(
            await _http.GetStringAsync(new Uri("api/v1/metadata?metric=" + Uri.EscapeDataString(family), UriKind.Relative)));
        return answer.RootElement.GetProperty("data").TryGetProperty(family, out JsonElement entries) && entries.GetArrayLength() > 0
            ? entries[0].GetProperty("type").GetString()
            : null;
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        await _process.DisposeAsync(); // Killed by its PID.
        Directory.Delete(_directory, recursive: true);
    }

    private static int FreeTcpPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Metrics;

namespace SipDialogs.Server;

/// <summary>
/// serve's management HTTP endpoint (Kestrel), off unless <c>--management</c> names it: <c>/metrics</c> in the
/// Prometheus text format (the OpenTelemetry exporter, over the meters <c>SipDialogs</c>, <c>SipDialogs.Server</c>
/// and <c>System.Runtime</c>),
/// <c>/health/live</c> (the shards turn), <c>/health/ready</c> (the transports listen, the shards turn, no drain) and
/// <c>POST /drain</c>. A web application of its own inside serve's host, so that serve without it carries no HTTP.
/// </summary>
internal sealed class ManagementEndpoint(
    Uri url, SipServerService server, GracefulDrain drain, ILoggerFactory loggerFactory, IMeterFactory meterFactory) : IHostedService, IAsyncDisposable
{
    private const string Live = "live";
    private const string Ready = "ready";
    private readonly ILogger _logger = loggerFactory.CreateLogger<ManagementEndpoint>();
    private WebApplication? _app;

    /// <summary>
    /// Checks a <c>--management</c> URL: http, with a port; a loopback address unless <paramref name="allowRemote"/>.
    /// </summary>
    /// <param name="value">The URL given.</param>
    /// <param name="allowRemote">Whether <c>--management-allow-remote</c> was given.</param>
    /// <param name="url">The URL, when valid.</param>
    /// <param name="error">Why it is refused, when not.</param>
    /// <returns>Whether it is valid.</returns>
    public static bool TryParseUrl(string value, bool allowRemote, out Uri? url, out string? error)
    {
        url = null;
        if (!Uri.TryCreate(value, UriKind.Absolute, out Uri? parsed) || parsed.Scheme != Uri.UriSchemeHttp || parsed.AbsolutePath != "/")
        {
            error = $"--management {value}: give http://address:port, e.g. http://127.0.0.1:9464.";
            return false;
        }

        bool loopback = parsed.IsLoopback || (IPAddress.TryParse(parsed.DnsSafeHost, out IPAddress? address) && IPAddress.IsLoopback(address));
        if (!loopback && !allowRemote)
        {
            error = $"--management {value}: not a loopback address; the endpoint has no authentication, so add --management-allow-remote to serve it beyond this machine.";
            return false;
        }

        url = parsed;
        error = null;
        return true;
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        // process.uptime (OpenTelemetry's process conventions): the "restarted recently" alert reads it.
        DateTime processStarted;
        using (var process = Process.GetCurrentProcess())
        {
            processStarted = process.StartTime.ToUniversalTime();
        }

        meterFactory.Create(MeterNames.Server).CreateObservableGauge(
            "process.uptime", () => (DateTime.UtcNow - processStarted).TotalSeconds, "s", "Time since the process started.");

        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(loggerFactory);
        builder.Services.AddSingleton<IHostLifetime, ManagementLifetime>();
        builder.WebHost.UseUrls(url.GetLeftPart(UriPartial.Authority));
        builder.Services.AddOpenTelemetry().WithMetrics(metrics => metrics
            .AddMeter(MeterNames.Stack, MeterNames.Server, MeterNames.Runtime)
            .AddPrometheusExporter(options => options.ScrapeResponseCacheDurationMilliseconds = 0));
        builder.Services.AddHealthChecks()
            .AddCheck("shards", new ShardHealthCheck(server), tags: [Live, Ready])
            .AddCheck(
                "transports",
                () => server.IsListening ? HealthCheckResult.Healthy("Listening.") : HealthCheckResult.Unhealthy("Not listening."),
                tags: [Ready])
            .AddCheck(
                "drain",
                // Degraded, not Unhealthy: the node works (a warning, not an error, in its log) but takes no new calls.
                () => drain.IsDraining ? HealthCheckResult.Degraded("Draining: no new calls.") : HealthCheckResult.Healthy("Taking calls."),
                tags: [Ready]);

        WebApplication app = builder.Build();
        app.MapPrometheusScrapingEndpoint("/metrics");
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = static check => check.Tags.Contains(Live) });
        app.MapHealthChecks("/health/ready", new HealthCheckOptions
        {
            Predicate = static check => check.Tags.Contains(Ready),
            ResultStatusCodes =
            {
                [HealthStatus.Healthy] = StatusCodes.Status200OK,
                [HealthStatus.Degraded] = StatusCodes.Status503ServiceUnavailable,
                [HealthStatus.Unhealthy] = StatusCodes.Status503ServiceUnavailable,
            },
        });
        app.MapPost("/drain", (RequestDelegate)(context =>
        {
            drain.Begin();
            context.Response.StatusCode = StatusCodes.Status202Accepted;
            return Task.CompletedTask;
        }));
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        _app = app;
        foreach (string address in app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? [])
        {
            ServerLog.ManagementListening(_logger, address);
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_app is not null)
        {
            await _app.StopAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public ValueTask DisposeAsync() => _app?.DisposeAsync() ?? ValueTask.CompletedTask;
}

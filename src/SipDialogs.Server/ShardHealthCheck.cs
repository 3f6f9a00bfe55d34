using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace SipDialogs.Server;

/// <summary>Healthy when every shard of the stack runs an item posted to it within a few seconds: the stack makes progress.</summary>
internal sealed class ShardHealthCheck(SipServerService server) : IHealthCheck
{
    private static readonly TimeSpan s_within = TimeSpan.FromSeconds(5);

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (!server.IsListening)
        {
            return HealthCheckResult.Unhealthy("The SIP stack is not running.");
        }

        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bounded.CancelAfter(s_within);
        try
        {
            await server.Stack.PingShardsAsync(bounded.Token).ConfigureAwait(false);
            return HealthCheckResult.Healthy("Every shard turns.");
        }
        catch (OperationCanceledException)
        {
            return HealthCheckResult.Unhealthy($"A shard did not turn within {s_within.TotalSeconds} s.");
        }
        catch (ObjectDisposedException)
        {
            return HealthCheckResult.Unhealthy("The SIP stack has stopped.");
        }
    }
}

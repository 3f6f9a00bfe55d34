using Microsoft.Extensions.Hosting;

namespace SipDialogs.Server;

/// <summary>
/// The management endpoint's own host lifetime: none. serve's host owns the process's signals (a SIGTERM drains);
/// the endpoint's web application starts and stops with serve's host and must not take a signal for itself.
/// </summary>
internal sealed class ManagementLifetime : IHostLifetime
{
    public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

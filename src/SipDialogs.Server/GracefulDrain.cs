using System.Diagnostics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using SipDialogs.Dialogs;
using SipDialogs.Transport;

namespace SipDialogs.Server;

/// <summary>
/// Takes serve out of service without dropping a call. The first stop (SIGTERM, Ctrl-C or <c>POST /drain</c>) turns
/// readiness off and makes the stack answer OPTIONS and new INVITEs 503 with Retry-After, while every request inside the
/// calls held carries on; the stop goes on once the last call has ended, or at the drain timeout, when the calls still
/// up get BYE. A second stop signal ends the wait at once (still with BYEs). With <c>--redis</c> (a
/// <see cref="ServeReplication"/>) nothing waits: the calls are handed over to the other nodes through Redis. Registered
/// after the stack's service, so the host stops it first, while the stack still runs.
/// </summary>
internal sealed class GracefulDrain(
    SipServerService server, LiveCalls calls, IHostApplicationLifetime lifetime, TimeSpan timeout, ILogger<GracefulDrain> logger,
    ServeReplication? replication = null)
    : IHostedService, IDisposable
{
    /// <summary>The longest wait for the answers to the BYEs sent at the end of a drain.</summary>
    private static readonly TimeSpan s_byeWait = TimeSpan.FromSeconds(5);

    private readonly CancellationTokenSource _now = new();
    private int _begun;

    /// <summary>The default of <c>--drain-timeout</c>.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(30);

    /// <summary>True from the first stop on: readiness is off.</summary>
    public bool IsDraining => Volatile.Read(ref _begun) != 0;

    /// <summary>Starts the drain and the host's stop (<c>POST /drain</c>). Idempotent.</summary>
    public void Begin()
    {
        Volatile.Write(ref _begun, 1);
        server.Stack.Drain();
        lifetime.StopApplication();
    }

    /// <summary>A stop signal came during the drain: end the wait, BYE the calls still up.</summary>
    public void EndNow()
    {
        if (IsDraining && !_now.IsCancellationRequested)
        {
            ServerLog.DrainCut(logger);
            _now.Cancel();
        }
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        Volatile.Write(ref _begun, 1);
        server.Stack.Drain();
        long started = Stopwatch.GetTimestamp();
        int held = calls.Count;
        if (replication is not null)
        {
            // With --redis the calls need not end: the stack stops without a BYE, the heartbeat goes with the
            // replication, and the other nodes claim the calls from Redis and carry them on.
            ServerLog.HandingOver(logger, held);
            return;
        }

        ServerLog.DrainStarted(logger, held, timeout.TotalSeconds);
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(_now.Token, cancellationToken);
        wait.CancelAfter(timeout);
        try
        {
            await calls.WhenEmptyAsync().WaitAsync(wait.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // The drain timeout, a second signal, or the host's own shutdown timeout: the calls still up get BYE.
        }

        var byes = new List<Task>();
        foreach (Dialog dialog in calls.Dialogs)
        {
            if (dialog.State == DialogState.Confirmed)
            {
                byes.Add(HangUpAsync(dialog));
            }
        }

        try
        {
            await Task.WhenAll(byes).WaitAsync(s_byeWait, CancellationToken.None).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // A peer that does not answer its BYE: it was sent, and the stack's dispose ends the rest.
        }

        ServerLog.DrainDone(logger, Stopwatch.GetElapsedTime(started).TotalSeconds, Math.Max(0, held - byes.Count), byes.Count);
    }

    public void Dispose() => _now.Dispose();

    private static async Task HangUpAsync(Dialog dialog)
    {
        try
        {
            await dialog.ByeAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is InvalidOperationException or ObjectDisposedException or SipTransportException)
        {
            // The caller hung up meanwhile: nothing left to end.
        }
    }
}

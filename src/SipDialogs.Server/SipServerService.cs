using System.Diagnostics.Metrics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SipDialogs.Dialogs;
using SipDialogs.Hosting;

namespace SipDialogs.Server;

/// <summary>
/// Runs one <see cref="SipStack"/> for the host's lifetime: started with the host, disposed on stop. Its requests go to
/// the registered <see cref="ISipRequestHandler"/> (serve's <see cref="CallAnsweringUas"/>), or to the stack's plain
/// UAS core when none is. With a <see cref="Transferee"/> (serve), the stack's REFERs go to it from the start, and on
/// stop its referred calls end before the stack does. With a <see cref="ServeReplication"/> (serve --redis), the stack's
/// dialogs are replicated in Redis.
/// </summary>
internal sealed class SipServerService(
    IOptions<SipStackOptions> options, ILoggerFactory loggerFactory, Transferee? transferee = null, ISipRequestHandler? handler = null,
    IMeterFactory? meterFactory = null, DigestGate? gate = null, ServeReplication? replication = null)
    : IHostedService, IAsyncDisposable
{
    private readonly ILogger _logger = loggerFactory.CreateLogger<SipServerService>();
    private SipStack? _stack;

    /// <summary>The running stack, once the host has started.</summary>
    public SipStack Stack => _stack ?? throw new InvalidOperationException("The SIP stack starts with the host.");

    /// <summary>True once the stack listens on its end points.</summary>
    public bool IsListening => _stack is { } stack && stack.LocalEndPoints.Count > 0;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        DialogStoreFactory? store = replication is null ? null : await replication.ConnectAsync(loggerFactory).ConfigureAwait(false);
        // serve --auth-file: the gate comes first, whatever answers the calls and the REFERs (ServeAuthOptions).
        _stack = new SipStack(options.Value, handler, loggerFactory, dialogStore: store, meterFactory: meterFactory) { Gate = gate };
        transferee?.Attach(_stack);
        await _stack.StartAsync(cancellationToken).ConfigureAwait(false);
        if (replication is not null)
        {
            await replication.StartAsync(_stack, cancellationToken).ConfigureAwait(false);
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_stack is not null)
        {
            // The leak figures read this line: after a run that has settled, every count is 0.
            ServerLog.LiveAtStop(_logger, _stack.DialogCount, _stack.TransactionCount, _stack.TimerCount, _stack.SubscriptionCount);
            if (transferee is not null)
            {
                await transferee.StopAsync(cancellationToken).ConfigureAwait(false);
            }

            await _stack.DisposeAsync().AsTask().WaitAsync(cancellationToken).ConfigureAwait(false);
            if (replication is not null)
            {
                await replication.DisposeAsync().AsTask().WaitAsync(cancellationToken).ConfigureAwait(false);
            }
        }
    }

    public ValueTask DisposeAsync() => _stack?.DisposeAsync() ?? ValueTask.CompletedTask;
}

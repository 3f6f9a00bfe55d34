using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SipDialogs.Hosting;

namespace SipDialogs.Server;

/// <summary>Runs one <see cref="SipStack"/> for the host's lifetime: started with the host, disposed on stop.</summary>
internal sealed class SipServerService(IOptions<SipStackOptions> options, ILoggerFactory loggerFactory) : IHostedService, IAsyncDisposable
{
    private SipStack? _stack;

    /// <summary>The running stack, once the host has started.</summary>
    public SipStack Stack => _stack ?? throw new InvalidOperationException("The SIP stack starts with the host.");

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        _stack = new SipStack(options.Value, handler: null, loggerFactory);
        await _stack.StartAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_stack is not null)
        {
            await _stack.DisposeAsync().AsTask().WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public ValueTask DisposeAsync() => _stack?.DisposeAsync() ?? ValueTask.CompletedTask;
}

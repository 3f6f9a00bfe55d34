using System.Threading.Channels;
using SipDialogs.Messages;
using SipDialogs.Transactions;
using SipDialogs.Transport;

namespace SipDialogs.Tests.Transactions;

/// <summary>
/// A transaction user that writes down what it is told, one awaitable queue per kind of event, and answers requests
/// the way a test says.
/// </summary>
internal sealed class RecordingUser : ITransactionUser
{
    private static readonly TimeSpan Timeout = TransactionHarness.Timeout;

    private readonly Channel<ServerTransaction> _requests = Channel.CreateUnbounded<ServerTransaction>();
    private readonly Channel<(InboundMessage Ack, Transaction? Transaction)> _acks = Channel.CreateUnbounded<(InboundMessage, Transaction?)>();
    private readonly Channel<(ServerInviteTransaction Invite, InboundMessage Cancel)> _cancels = Channel.CreateUnbounded<(ServerInviteTransaction, InboundMessage)>();
    private readonly Channel<(ClientTransaction Transaction, SipResponse Response)> _responses = Channel.CreateUnbounded<(ClientTransaction, SipResponse)>();
    private readonly Channel<InboundMessage> _strays = Channel.CreateUnbounded<InboundMessage>();
    private readonly Channel<Transaction> _timeouts = Channel.CreateUnbounded<Transaction>();
    private readonly Channel<(Transaction Transaction, SipTransportException Error)> _transportErrors = Channel.CreateUnbounded<(Transaction, SipTransportException)>();
    private readonly Channel<Transaction> _terminated = Channel.CreateUnbounded<Transaction>();

    /// <summary>Runs on the shard for each new request, before it is queued; e.g. to answer at once.</summary>
    public Action<ServerTransaction>? OnRequestHandler { get; set; }

    /// <summary>Runs on the shard for each CANCEL the user is told of.</summary>
    public Action<ServerInviteTransaction>? OnCancelHandler { get; set; }

    public int RequestsWaiting => _requests.Reader.Count;

    public int AcksWaiting => _acks.Reader.Count;

    public int ResponsesWaiting => _responses.Reader.Count;

    public int CancelsWaiting => _cancels.Reader.Count;

    public int TimeoutsWaiting => _timeouts.Reader.Count;

    public int StraysWaiting => _strays.Reader.Count;

    public void OnRequest(ServerTransaction transaction)
    {
        OnRequestHandler?.Invoke(transaction);
        _requests.Writer.TryWrite(transaction);
    }

    public void OnAck(InboundMessage ack, Transaction? transaction) => _acks.Writer.TryWrite((ack, transaction));

    public void OnCancel(ServerInviteTransaction invite, InboundMessage cancel)
    {
        OnCancelHandler?.Invoke(invite);
        _cancels.Writer.TryWrite((invite, cancel));
    }

    public void OnResponse(ClientTransaction transaction, SipResponse response, InboundMessage received) => _responses.Writer.TryWrite((transaction, response));

    public void OnStrayResponse(InboundMessage response) => _strays.Writer.TryWrite(response);

    public void OnTimeout(Transaction transaction) => _timeouts.Writer.TryWrite(transaction);

    public void OnTransportError(Transaction transaction, SipTransportException error) => _transportErrors.Writer.TryWrite((transaction, error));

    public void OnTerminated(Transaction transaction) => _terminated.Writer.TryWrite(transaction);

    public Task<ServerTransaction> NextRequestAsync() => Next(_requests);

    public Task<(InboundMessage Ack, Transaction? Transaction)> NextAckAsync() => Next(_acks);

    public Task<(ServerInviteTransaction Invite, InboundMessage Cancel)> NextCancelAsync() => Next(_cancels);

    public Task<(ClientTransaction Transaction, SipResponse Response)> NextResponseAsync() => Next(_responses);

    public Task<InboundMessage> NextStrayAsync() => Next(_strays);

    public Task<Transaction> NextTimeoutAsync() => Next(_timeouts);

    public Task<(Transaction Transaction, SipTransportException Error)> NextTransportErrorAsync() => Next(_transportErrors);

    public Task<Transaction> NextTerminatedAsync() => Next(_terminated);

    private static async Task<T> Next<T>(Channel<T> channel) => await channel.Reader.ReadAsync().AsTask().WaitAsync(Timeout);
}

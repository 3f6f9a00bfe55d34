using SipDialogs.Messages;
using SipDialogs.Runtime;
using SipDialogs.Transport;

namespace SipDialogs.Transactions;

/// <summary>
/// A client transaction (RFC 3261 §17.1): sends a request, retransmits it over UDP, and passes the responses that
/// match it (§17.1.3) to the transaction user. API callers await <see cref="FinalResponse"/>.
/// </summary>
internal abstract class ClientTransaction : Transaction
{
    private TaskCompletionSource<SipResponse>? _finalResponse;
    private SipResponse? _final;
    private LingeringClientTransaction? _lingering;

    private protected ClientTransaction(TransactionLayer layer, Shard shard, SipRequest request, SipEndPoint target, byte[] key)
        : base(layer, shard, request.Method, target.IsReliable, key, TransactionTableKind.Client)
    {
        Request = request;
        Target = target;
    }

    /// <summary>The request the transaction sends.</summary>
    public SipRequest Request { get; }

    /// <inheritdoc/>
    public override bool IsClient => true;

    /// <summary>
    /// The current state; after the final response, the state of what lingers in this transaction's place
    /// (<see cref="LingeringClientTransaction"/>).
    /// </summary>
    public override TransactionState State => _lingering?.State ?? base.State;

    /// <summary>Where the request goes (the next hop, RFC 3263 resolved), and over which transport.</summary>
    public SipEndPoint Target { get; }

    /// <summary>
    /// The final response: for INVITE the first 2xx or the non-2xx; a locally made 408 when Timer B or F fired and a
    /// 503 when the transport failed (RFC 3261 §8.1.3.1). Readable from any thread; completes on the thread pool.
    /// </summary>
    public Task<SipResponse> FinalResponse
    {
        get
        {
            TaskCompletionSource<SipResponse>? completion = Volatile.Read(ref _finalResponse);
            if (completion is null)
            {
                var mine = new TaskCompletionSource<SipResponse>(TaskCreationOptions.RunContinuationsAsynchronously);
                completion = Interlocked.CompareExchange(ref _finalResponse, mine, null) ?? mine;
            }

            // The shard may have stored the response before the source existed; completing twice is harmless.
            if (Volatile.Read(ref _final) is SipResponse final)
            {
                completion.TrySetResult(final);
            }

            return completion.Task;
        }
    }

    /// <summary>What sent the request and hears its responses, or null when nothing waits for them (a BYE, a CANCEL).</summary>
    public IClientTransactionOwner? Owner { get; set; }

    /// <summary>True once Timer B or F fired.</summary>
    public bool TimedOut { get; private protected set; }

    /// <summary>Starts the transaction: sends the request and starts its timers. On the shard.</summary>
    internal abstract void Start();

    /// <summary>A response matched the transaction (RFC 3261 §17.1.3). On the shard.</summary>
    internal abstract void OnResponse(SipResponse response, InboundMessage received);

    /// <summary>Sends (or resends) the request.</summary>
    private protected void SendRequest() => Layer.SendRequest(this, Request.Buffer, Target);

    /// <summary>Completes <see cref="FinalResponse"/> (the first call wins).</summary>
    private protected void SetFinal(SipResponse response)
    {
        if (Interlocked.CompareExchange(ref _final, response, null) is null)
        {
            Volatile.Read(ref _finalResponse)?.TrySetResult(response);
        }
    }

    /// <summary>Timer B or F fired (RFC 3261 §17.1.1.2, §17.1.2.2): tell the user, answer a local 408, terminate.</summary>
    private protected void TimeOut()
    {
        TimedOut = true;
        SetFinal(TransactionLayer.MakeLocalResponse(Request, 408));
        Layer.NotifyTimeout(this);
        Terminate();
    }

    /// <summary>The transport failed (RFC 3261 §17.1.4): tell the user, answer a local 503, terminate.</summary>
    private protected void FailTransport(SipTransportException error)
    {
        SetFinal(TransactionLayer.MakeLocalResponse(Request, 503));
        Layer.NotifyTransportError(this, error);
        Terminate();
    }

    /// <summary>
    /// The final response is passed up and the transaction waits out Timer D, K or M (RFC 3261 §17.1.1.2, §17.1.2.2,
    /// RFC 6026 §7.2): from now on what the shard keeps is a <see cref="LingeringClientTransaction"/>, with the key,
    /// the ACK's bytes where they may be resent and the timer; it takes this transaction's place in the table, and this
    /// object (the request, the final response, the awaiters' completion) is its awaiters' and owner's alone.
    /// Over a reliable transport Completed ends at once instead (Timers D and K are zero).
    /// </summary>
    /// <param name="ack">In Completed of an INVITE, the ACK sent for the non-2xx; null otherwise.</param>
    private protected void Linger(byte[]? ack)
    {
        TransactionState state = base.State;
        if (IsReliable && state == TransactionState.Completed)
        {
            Terminate();
            return;
        }

        CancelTimers();
        var lingering = new LingeringClientTransaction(this, ack, state);
        _lingering = lingering;
        Layer.Replace(this, lingering);
        lingering.Start();
    }

    /// <summary>A transport error for a message this transaction sent before it lingered goes to what lingers.</summary>
    /// <returns>True when what lingers took it.</returns>
    private protected bool ForwardTransportError(SipTransportException error)
    {
        if (_lingering is not { } lingering)
        {
            return false;
        }

        lingering.OnTransportError(error);
        return true;
    }

    /// <summary>Passes a response to the user.</summary>
    private protected void PassUp(SipResponse response, InboundMessage received) => Layer.NotifyResponse(this, response, received);

    private protected override void OnTerminated()
    {
        // A transaction that ends without a final response (a cancelled INVITE given up, a shutdown) still completes
        // its awaiters, with a local 408.
        if (Volatile.Read(ref _final) is null)
        {
            SetFinal(TransactionLayer.MakeLocalResponse(Request, 408));
        }
    }
}

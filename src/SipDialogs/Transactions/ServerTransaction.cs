using SipDialogs.Messages;
using SipDialogs.Runtime;
using SipDialogs.Transport;

namespace SipDialogs.Transactions;

/// <summary>
/// A server transaction (RFC 3261 §17.2): receives a request, absorbs or answers its retransmissions, and sends the
/// transaction user's responses by the §18.2.2 rules, retransmitting them over UDP where its state machine says.
/// </summary>
/// <remarks>
/// The transaction's state is the shard's. What the application may touch from any thread is made for it:
/// <see cref="CreateResponse"/>, <see cref="LocalTag"/>, <see cref="LastStatusCode"/>, and <see cref="Respond(byte[])"/>,
/// which off the shard posts the response to it.
/// </remarks>
internal abstract class ServerTransaction : Transaction
{
    private string? _localTag;
    private int _lastStatusCode;
    private int _finalClaimed;
    private LingeringServerTransaction? _lingering;

    private protected ServerTransaction(TransactionLayer layer, Shard shard, InboundMessage received, ViaHeader topVia, byte[] key, TransactionTableKind tableKind)
        : base(layer, shard, ((SipRequest)received.Message).Method, received.Remote.IsReliable, key, tableKind)
    {
        Request = (SipRequest)received.Message;
        Received = received;
        TopVia = topVia;
        Route = ResponseRoute.For(topVia, received);
    }

    /// <inheritdoc/>
    public override bool IsClient => false;

    /// <summary>The request that created the transaction. Never changed: the application may read it from any thread.</summary>
    public SipRequest Request { get; }

    /// <summary>The request as received: where from, on which connection.</summary>
    public InboundMessage Received { get; }

    /// <summary>The request's top Via, which responses are routed by (RFC 3261 §18.2.2, RFC 3581).</summary>
    public ViaHeader TopVia { get; }

    /// <summary>Where responses go, worked out once from <see cref="TopVia"/> and the source.</summary>
    internal ResponseRoute Route { get; }

    /// <summary>
    /// The current state. Once the final response is sent, the state of what lingers on the shard in this
    /// transaction's place (<see cref="LingeringServerTransaction"/>).
    /// </summary>
    public override TransactionState State => _lingering?.State ?? base.State;

    /// <summary>What answers the request (the request object handed to the application), or null when nothing does yet.</summary>
    public IServerTransactionOwner? Owner { get; set; }

    /// <summary>The status of the last response sent, 0 before the first. Any thread.</summary>
    public int LastStatusCode
    {
        get => Volatile.Read(ref _lastStatusCode);
        private protected set => Volatile.Write(ref _lastStatusCode, value);
    }

    /// <summary>
    /// True once a final response was sent, or was posted from another thread and is on its way to the shard. Any
    /// thread.
    /// </summary>
    public bool HasFinalResponse => Volatile.Read(ref _finalClaimed) != 0 || LastStatusCode >= 200;

    /// <summary>
    /// A To tag for responses to this request when it had none: the transaction uses it in the responses it makes
    /// itself (the 200 to a CANCEL), and the user should use it in its own, so that they agree (RFC 3261 §9.2).
    /// Made on first use, by whichever thread asks first; every thread gets the same one.
    /// </summary>
    public string LocalTag => Volatile.Read(ref _localTag) ?? Interlocked.CompareExchange(ref _localTag, SipIds.NewTag(), null) ?? _localTag!;

    /// <summary>
    /// A response to the request per RFC 3261 §8.2.6 with this transaction's To tag, and <c>received</c>/<c>rport</c>
    /// in the top Via where §18.2.1 and RFC 3581 §4 ask.
    /// </summary>
    /// <param name="statusCode">100–699.</param>
    /// <param name="reasonPhrase">The reason phrase; the RFC's when null.</param>
    /// <returns>A builder to add headers and a body to.</returns>
    public SipMessageBuilder CreateResponse(int statusCode, string? reasonPhrase = null)
    {
        SipMessageBuilder response = ViaReceivedParameters.ResponseTo(Received, statusCode, reasonPhrase, LocalTag);
        return Layer.UserAgent is { Length: > 0 } product ? response.Add(SipHeaderKind.Server, product) : response;
    }

    /// <summary>
    /// Sends a response from the transaction user (RFC 3261 §17.2.1, §17.2.2). On the shard it is sent at once, and a
    /// response the state machine does not take (a second final response, anything after Terminated) is not sent.
    /// From any other thread it is written there and posted to the shard, after whatever that thread posted before.
    /// </summary>
    /// <param name="response">The response, e.g. from <see cref="SipMessageBuilder.ResponseTo"/>.</param>
    /// <returns>On the shard, true when it was sent; off it, see <see cref="Respond(byte[])"/>.</returns>
    public bool Respond(SipMessageBuilder response)
    {
        ArgumentNullException.ThrowIfNull(response);
        if (!Shard.IsCurrent)
        {
            return Respond(response.ToArray()); // Written on the caller's thread, not the shard's.
        }

        if (State == TransactionState.Terminated)
        {
            return false;
        }

        var scratch = Layer.ScratchFor(Shard);
        scratch.ResetWrittenCount();
        response.WriteTo(scratch);
        return Respond(scratch.WrittenSpan.ToArray());
    }

    /// <summary>
    /// Sends a response already written as bytes (a relayed one, say). On the shard it is sent at once; from any other
    /// thread it is posted to the shard, in order after what that thread posted before, and a final response is
    /// claimed first, so that a second one is refused at once.
    /// </summary>
    /// <param name="response">The response's bytes; kept for retransmission, so not to be reused by the caller.</param>
    /// <returns>
    /// On the shard, true when it was sent. Off it, true when it is on its way: false when the transaction has ended or
    /// has a final response (sent or on its way), or the stack is stopping. A response on its way is still refused by
    /// the state machine when something on the shard answered first (the 487 after a CANCEL, say); await
    /// <see cref="RespondAsync(byte[], CancellationToken)"/> to know.
    /// </returns>
    /// <exception cref="ArgumentException">The bytes do not start with a SIP/2.0 status line.</exception>
    public bool Respond(byte[] response)
    {
        ArgumentNullException.ThrowIfNull(response);
        if (!TryReadStatus(response, out int status))
        {
            throw new ArgumentException("A response starts with 'SIP/2.0 ' and a status code 100-699 (RFC 3261 §7.2).", nameof(response));
        }

        if (!Shard.IsCurrent)
        {
            return Post(response, status);
        }

        bool taken = _lingering is { } lingering ? lingering.OnRespond(response, status) : State != TransactionState.Terminated && OnRespond(response, status);
        if (!taken)
        {
            TransactionLog.ResponseNotTaken(Layer.Logger, status, Method, State);
            return false;
        }

        if (status >= 200)
        {
            Volatile.Write(ref _finalClaimed, 1);
        }

        return true;
    }

    /// <summary>Sends a response from any thread: posted to the shard, completes when the shard has handled it.</summary>
    /// <param name="response">The response.</param>
    /// <param name="cancellationToken">Ends the wait, not the sending.</param>
    /// <returns>True when it was sent.</returns>
    public ValueTask<bool> RespondAsync(SipMessageBuilder response, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(response);
        return RespondAsync(response.ToArray(), cancellationToken);
    }

    /// <summary>Sends a response written as bytes from any thread.</summary>
    /// <param name="response">The response's bytes.</param>
    /// <param name="cancellationToken">Ends the wait, not the sending.</param>
    /// <returns>True when it was sent.</returns>
    public ValueTask<bool> RespondAsync(byte[] response, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(response);
        return Shard.RunAsync(static s => s.Transaction.Respond(s.Response), (Transaction: this, Response: response), cancellationToken);
    }

    /// <summary>A retransmission of the request arrived before the final response (it matched, RFC 3261 §17.2.3). On the shard.</summary>
    internal abstract void OnRetransmission();

    /// <summary>Takes a response from the user into the state machine before the final one; false when the state refuses it.</summary>
    private protected abstract bool OnRespond(byte[] response, int status);

    /// <summary>Sends (or resends) a response.</summary>
    private protected void SendResponse(byte[] response) => Layer.SendResponse(this, Route, response);

    /// <summary>
    /// The final response is sent: from now on what the shard keeps is a <see cref="LingeringServerTransaction"/>, with
    /// the key, the response's bytes where they may be resent, the route and the timers; it takes this transaction's
    /// place in the table, and this object (the request, its headers, the application's objects) is the application's
    /// alone. Over a reliable transport a non-INVITE transaction ends at once instead (Timer J is zero, §17.2.2).
    /// </summary>
    /// <param name="response">The final response, as sent.</param>
    /// <param name="status">Its status code.</param>
    private protected void Linger(byte[] response, int status)
    {
        if (IsReliable && Method != SipMethods.Invite)
        {
            State = TransactionState.Completed;
            Terminate();
            return;
        }

        var lingering = new LingeringServerTransaction(this, response, status);
        _lingering = lingering;
        Layer.Replace(this, lingering);
        lingering.Start();
    }

    /// <summary>The transport failed to send; once lingering, what lingers handles it.</summary>
    internal sealed override void OnTransportError(SipTransportException error)
    {
        if (_lingering is { } lingering)
        {
            lingering.OnTransportError(error);
        }
        else
        {
            OnTransportErrorBeforeFinal(error);
        }
    }

    /// <summary>The transport failed to send before the final response (RFC 3261 §17.2.4).</summary>
    private protected abstract void OnTransportErrorBeforeFinal(SipTransportException error);

    /// <summary>Reads the status code of a response's bytes.</summary>
    private protected static bool TryReadStatus(ReadOnlySpan<byte> response, out int status)
    {
        status = 0;
        if (response.Length < 12 || !response.StartsWith("SIP/2.0 "u8))
        {
            return false;
        }

        for (int i = 8; i < 11; i++)
        {
            int digit = response[i] - '0';
            if ((uint)digit > 9)
            {
                return false;
            }

            status = (status * 10) + digit;
        }

        return status is >= 100 and <= 699 && response[11] == (byte)' ';
    }

    /// <summary>A response from another thread: claimed when final, then posted to the shard.</summary>
    private bool Post(byte[] response, int status)
    {
        if (State == TransactionState.Terminated || (status >= 200 && Interlocked.Exchange(ref _finalClaimed, 1) != 0) ||
            (status < 200 && HasFinalResponse))
        {
            return false;
        }

        return Shard.Post(
            static state =>
            {
                var (transaction, bytes) = ((ServerTransaction, byte[]))state!;
                transaction.Respond(bytes);
            },
            (this, response));
    }
}

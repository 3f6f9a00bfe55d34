using SipDialogs.Messages;
using SipDialogs.Runtime;
using SipDialogs.Transport;

namespace SipDialogs.Transactions;

/// <summary>
/// A server transaction (RFC 3261 §17.2): receives a request, absorbs or answers its retransmissions, and sends the
/// transaction user's responses by the §18.2.2 rules, retransmitting them over UDP where its state machine says.
/// </summary>
internal abstract class ServerTransaction : Transaction
{
    private string? _localTag;

    private protected ServerTransaction(TransactionLayer layer, Shard shard, InboundMessage received, ViaHeader topVia, byte[] key, TransactionTableKind tableKind)
        : base(layer, shard, (SipRequest)received.Message, received.Remote.IsReliable, key, tableKind)
    {
        Received = received;
        TopVia = topVia;
    }

    /// <inheritdoc/>
    public override bool IsClient => false;

    /// <summary>The request as received: where from, on which connection.</summary>
    public InboundMessage Received { get; }

    /// <summary>The request's top Via, which responses are routed by (RFC 3261 §18.2.2, RFC 3581).</summary>
    public ViaHeader TopVia { get; }

    /// <summary>What answers the request (an incoming call), or null when the request goes to a handler only.</summary>
    public IServerTransactionOwner? Owner { get; set; }

    /// <summary>The status of the last response sent, 0 before the first.</summary>
    public int LastStatusCode { get; private protected set; }

    /// <summary>
    /// A To tag for responses to this request when it had none: the transaction uses it in the responses it makes
    /// itself (the 200 to a CANCEL), and the user should use it in its own, so that they agree (RFC 3261 §9.2).
    /// Made on first use.
    /// </summary>
    public string LocalTag => _localTag ??= SipIds.NewTag();

    /// <summary>The last response sent, kept for retransmission.</summary>
    private protected byte[]? LastResponse { get; set; }

    /// <summary>
    /// A response to the request per RFC 3261 §8.2.6 with this transaction's To tag, and <c>received</c>/<c>rport</c>
    /// in the top Via where §18.2.1 and RFC 3581 §4 ask.
    /// </summary>
    /// <param name="statusCode">100–699.</param>
    /// <param name="reasonPhrase">The reason phrase; the RFC's when null.</param>
    /// <returns>A builder to add headers and a body to.</returns>
    public SipMessageBuilder CreateResponse(int statusCode, string? reasonPhrase = null) =>
        ViaReceivedParameters.ResponseTo(Received, statusCode, reasonPhrase, LocalTag);

    /// <summary>
    /// Sends a response from the transaction user (RFC 3261 §17.2.1, §17.2.2), on the shard. A response the state
    /// machine does not take (a second final response, anything after Terminated) is not sent.
    /// </summary>
    /// <param name="response">The response, e.g. from <see cref="SipMessageBuilder.ResponseTo"/>.</param>
    /// <returns>True when it was sent.</returns>
    /// <exception cref="InvalidOperationException">Called off the shard; use <see cref="RespondAsync(SipMessageBuilder, CancellationToken)"/>.</exception>
    public bool Respond(SipMessageBuilder response)
    {
        ArgumentNullException.ThrowIfNull(response);
        EnsureOnShard();
        if (State == TransactionState.Terminated)
        {
            return false;
        }

        var scratch = Layer.ScratchFor(Shard);
        scratch.ResetWrittenCount();
        response.WriteTo(scratch);
        return Respond(scratch.WrittenSpan.ToArray());
    }

    /// <summary>Sends a response already written as bytes (a relayed one, say), on the shard.</summary>
    /// <param name="response">The response's bytes; kept for retransmission, so not to be reused by the caller.</param>
    /// <returns>True when it was sent.</returns>
    /// <exception cref="ArgumentException">The bytes do not start with a SIP/2.0 status line.</exception>
    public bool Respond(byte[] response)
    {
        ArgumentNullException.ThrowIfNull(response);
        EnsureOnShard();
        if (!TryReadStatus(response, out int status))
        {
            throw new ArgumentException("A response starts with 'SIP/2.0 ' and a status code 100-699 (RFC 3261 §7.2).", nameof(response));
        }

        if (State == TransactionState.Terminated || !OnRespond(response, status))
        {
            TransactionLog.ResponseNotTaken(Layer.Logger, status, Method, State);
            return false;
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
        return Shard.RunAsync(static s => s.Transaction.Respond(s.Response), (Transaction: this, Response: response), cancellationToken);
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

    /// <summary>A retransmission of the request arrived (it matched, RFC 3261 §17.2.3). On the shard.</summary>
    internal abstract void OnRetransmission(InboundMessage request);

    /// <summary>Takes a response from the user into the state machine; false when the state refuses it.</summary>
    private protected abstract bool OnRespond(byte[] response, int status);

    /// <summary>Sends (or resends) a response.</summary>
    private protected void SendResponse(byte[] response) => Layer.SendResponse(this, response);

    /// <summary>
    /// After the final response the request is needed only for matching retransmissions and ACKs, which read its
    /// bytes: its decoded headers go, so the up to 64*T1 the transaction lingers costs little memory.
    /// </summary>
    private protected void ReleaseDecodedRequest() => Request.ReleaseDecodedHeaders();

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

    private void EnsureOnShard()
    {
        if (!Shard.IsCurrent)
        {
            throw new InvalidOperationException("A transaction is used on its shard's thread; from elsewhere call RespondAsync.");
        }
    }
}

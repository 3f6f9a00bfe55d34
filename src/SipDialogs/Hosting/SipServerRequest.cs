using SipDialogs.Dialogs;
using SipDialogs.Messages;
using SipDialogs.Transactions;
using SipDialogs.Transport;

namespace SipDialogs.Hosting;

/// <summary>
/// A request received by the stack together with its server transaction (RFC 3261 §17.2). Every member may be used
/// from any thread, at any time: answer with <see cref="Respond(SipMessageBuilder)"/>, which queues the response and
/// returns at once, or with <see cref="RespondAsync(SipMessageBuilder, CancellationToken)"/>, which completes once
/// the transaction has taken or refused it. Responses are built with <see cref="CreateResponse"/>, which copies what
/// RFC 3261 §8.2.6 says and gives every response of this transaction the same To tag.
/// </summary>
/// <remarks>
/// The responses one thread sends leave in the order it sent them (a 180 before the 200). The request is the stack's
/// no more once it is handed out: the stack never changes it afterwards, and its headers may be read from any thread,
/// also after the answer.
/// </remarks>
public sealed class SipServerRequest : IServerTransactionOwner
{
    private readonly ServerTransaction _transaction;
    private readonly long _receivedAt = System.Diagnostics.Stopwatch.GetTimestamp();

    /// <summary>Made on the shard as the request is handed to application code.</summary>
    internal SipServerRequest(ServerTransaction transaction, SipStack? stack = null)
    {
        _transaction = transaction;
        Request = transaction.Request;
        Stack = stack;
    }

    /// <summary>The request.</summary>
    public SipRequest Request { get; }

    /// <summary>Where the request came from.</summary>
    public SipEndPoint Remote => _transaction.Received.Remote;

    /// <summary>Where the request arrived.</summary>
    public SipEndPoint Local => _transaction.Received.Local;

    /// <summary>The status of the last response sent, 0 before any.</summary>
    public int LastStatusCode => _transaction.LastStatusCode;

    /// <summary>True once a final (non-1xx) response has been sent or queued with <see cref="Respond(SipMessageBuilder)"/>.</summary>
    public bool HasFinalResponse => _transaction.HasFinalResponse;

    internal ServerTransaction Transaction => _transaction;

    /// <summary>The stack that received the request (null in tests that drive a transaction layer alone).</summary>
    internal SipStack? Stack { get; }

    /// <summary>
    /// The call an <see cref="IncomingCallUas"/> made of this INVITE, so that its CANCEL reaches it. Written and read
    /// only by the stack's hand-off to the application, in order, never on a shard.
    /// </summary>
    internal IncomingCall? Call { get; set; }

    /// <summary>A CANCEL matched this INVITE: the call or the handler hears of it off the shard, after the INVITE itself. On the shard.</summary>
    void IServerTransactionOwner.OnCancelled(ServerTransaction transaction) => SipStack.PostCancel(this);

    /// <summary>The INVITE's first final response left: a call set up or refused. On the shard.</summary>
    void IServerTransactionOwner.OnFinalResponse(int statusCode)
    {
        if (Request.ToTag.IsEmpty)
        {
            Stack?.Metrics?.CallSetupEnded(_receivedAt, statusCode);
        }
    }

    /// <summary>
    /// A response to this request per RFC 3261 §8.2.6, with this transaction's To tag (§8.2.6.2) unless the
    /// request already had one, and <c>received</c>/<c>rport</c> in the top Via where §18.2.1 and RFC 3581 §4 ask.
    /// </summary>
    /// <param name="statusCode">100–699.</param>
    /// <param name="reasonPhrase">The reason phrase; the RFC's default when null.</param>
    /// <returns>A builder to add headers and a body to.</returns>
    public SipMessageBuilder CreateResponse(int statusCode, string? reasonPhrase = null) =>
        _transaction.CreateResponse(statusCode, reasonPhrase);

    /// <summary>
    /// Sends a response without waiting: it is written on the calling thread and queued to the shard that owns the
    /// call, after every response this thread queued before.
    /// </summary>
    /// <param name="response">The response, from <see cref="CreateResponse"/>.</param>
    /// <returns>
    /// False when the request has a final response already (sent or queued) or its transaction has ended, or the
    /// stack is stopping; true when the response is on its way. One on its way is still not sent when the stack
    /// answered first (the 487 after a CANCEL, say): <see cref="RespondAsync(SipMessageBuilder, CancellationToken)"/>
    /// tells.
    /// </returns>
    public bool Respond(SipMessageBuilder response)
    {
        ArgumentNullException.ThrowIfNull(response);
        return _transaction.Respond(response);
    }

    /// <summary>Sends a response with no extra headers without waiting (see <see cref="Respond(SipMessageBuilder)"/>).</summary>
    /// <param name="statusCode">100–699.</param>
    /// <param name="reasonPhrase">The reason phrase; the RFC's default when null.</param>
    /// <returns>False when the request has a final response already or its transaction has ended.</returns>
    public bool Respond(int statusCode, string? reasonPhrase = null) => Respond(CreateResponse(statusCode, reasonPhrase));

    /// <summary>Sends a response and completes once the shard has handled it.</summary>
    /// <param name="response">The response, from <see cref="CreateResponse"/>.</param>
    /// <param name="cancellationToken">Ends the wait, not the send.</param>
    /// <returns>True when it was sent; false when the transaction no longer takes responses.</returns>
    public ValueTask<bool> RespondAsync(SipMessageBuilder response, CancellationToken cancellationToken = default) =>
        _transaction.RespondAsync(response, cancellationToken);
}

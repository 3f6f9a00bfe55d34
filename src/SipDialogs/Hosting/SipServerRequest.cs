using SipDialogs.Messages;
using SipDialogs.Transactions;
using SipDialogs.Transport;

namespace SipDialogs.Hosting;

/// <summary>
/// A request received by the stack together with its server transaction (RFC 3261 §17.2): answer it with
/// <see cref="Respond(SipMessageBuilder)"/> on the handler's thread or <see cref="RespondAsync(SipMessageBuilder, CancellationToken)"/>
/// from any thread. Responses are built with <see cref="CreateResponse"/>, which copies what RFC 3261 §8.2.6 says
/// and gives every response of this transaction the same To tag.
/// </summary>
public sealed class SipServerRequest
{
    private readonly ServerTransaction _transaction;

    internal SipServerRequest(ServerTransaction transaction, SipStack? stack = null)
    {
        _transaction = transaction;
        Stack = stack;
    }

    /// <summary>The request.</summary>
    public SipRequest Request => (SipRequest)_transaction.Received.Message;

    /// <summary>Where the request came from.</summary>
    public SipEndPoint Remote => _transaction.Received.Remote;

    /// <summary>Where the request arrived.</summary>
    public SipEndPoint Local => _transaction.Received.Local;

    /// <summary>The status of the last response sent, 0 before any.</summary>
    public int LastStatusCode => _transaction.LastStatusCode;

    /// <summary>True once a final (non-1xx) response has been sent.</summary>
    public bool HasFinalResponse => _transaction.LastStatusCode >= 200;

    internal ServerTransaction Transaction => _transaction;

    /// <summary>The stack that received the request (null in tests that drive a transaction layer alone).</summary>
    internal SipStack? Stack { get; }

    /// <summary>
    /// A response to this request per RFC 3261 §8.2.6, with this transaction's To tag (§8.2.6.2) unless the
    /// request already had one, and <c>received</c>/<c>rport</c> in the top Via where §18.2.1 and RFC 3581 §4 ask.
    /// </summary>
    /// <param name="statusCode">100–699.</param>
    /// <param name="reasonPhrase">The reason phrase; the RFC's default when null.</param>
    /// <returns>A builder to add headers and a body to.</returns>
    public SipMessageBuilder CreateResponse(int statusCode, string? reasonPhrase = null) =>
        _transaction.CreateResponse(statusCode, reasonPhrase);

    /// <summary>Sends a response. Call it on the handler's thread (the owning shard).</summary>
    /// <param name="response">The response, from <see cref="CreateResponse"/>.</param>
    /// <returns>False when the transaction no longer takes responses (a final one was sent, or it ended).</returns>
    public bool Respond(SipMessageBuilder response) => _transaction.Respond(response);

    /// <summary>Sends a response with no extra headers. Call it on the handler's thread.</summary>
    /// <param name="statusCode">100–699.</param>
    /// <param name="reasonPhrase">The reason phrase; the RFC's default when null.</param>
    /// <returns>False when the transaction no longer takes responses.</returns>
    public bool Respond(int statusCode, string? reasonPhrase = null) => Respond(CreateResponse(statusCode, reasonPhrase));

    /// <summary>Sends a response from any thread: the work is posted to the owning shard.</summary>
    /// <param name="response">The response, from <see cref="CreateResponse"/>.</param>
    /// <param name="cancellationToken">Ends the wait, not the send.</param>
    /// <returns>False when the transaction no longer takes responses.</returns>
    public ValueTask<bool> RespondAsync(SipMessageBuilder response, CancellationToken cancellationToken = default) =>
        _transaction.RespondAsync(response, cancellationToken);
}

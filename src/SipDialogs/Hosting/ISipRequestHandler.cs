namespace SipDialogs.Hosting;

/// <summary>
/// The application's side of the stack: it receives each new request (never a retransmission, never an ACK or a
/// CANCEL, which the transaction layer handles) on the shard that owns the request's Call-ID. Calls are serialized
/// per Call-ID, so a handler needs no locks for the state of one call. A handler must not block: respond now, or
/// keep the <see cref="SipServerRequest"/> and respond later from any thread with
/// <see cref="SipServerRequest.RespondAsync(SipDialogs.Messages.SipMessageBuilder, CancellationToken)"/>.
/// An exception thrown by a handler is caught, logged and counted, the request is answered 500 if it was not
/// answered yet, and the stack carries on.
/// </summary>
public interface ISipRequestHandler
{
    /// <summary>A new request arrived (RFC 3261 §8.2).</summary>
    /// <param name="request">The request and its server transaction.</param>
    void OnRequest(SipServerRequest request);

    /// <summary>
    /// A CANCEL matched a pending INVITE (RFC 3261 §9.2); the CANCEL itself was answered 200. The INVITE should now be
    /// answered 487 (Request Terminated) unless it already got a final response; the default does that.
    /// </summary>
    /// <param name="invite">The INVITE that was cancelled.</param>
    void OnCancel(SipServerRequest invite) => invite.Respond(487);
}

namespace SipDialogs.Hosting;

/// <summary>
/// The application's side of the stack: it receives each new request (never a retransmission, never an ACK, and a
/// CANCEL only as <see cref="OnCancel"/>) off the shards, on the thread pool. Calls are made one at a time, in the
/// order the requests arrived, for every Call-ID of one shard: a handler needs no locks for the state of one call,
/// and its <see cref="OnCancel"/> comes after the <see cref="OnRequest"/> of the same INVITE. A handler must not
/// block, since the next requests of its shard wait for it: respond now with
/// <see cref="SipServerRequest.Respond(SipDialogs.Messages.SipMessageBuilder)"/>, or keep the
/// <see cref="SipServerRequest"/> and respond later from any thread.
/// </summary>
/// <remarks>
/// An exception thrown by a handler is caught, logged and counted, the request is answered 500 if it was not answered
/// yet, and the stack carries on. When the requests waiting for a shard's handler reach the shard's mailbox capacity,
/// a new one is answered 503 with Retry-After without reaching the handler, as when the mailbox itself is full.
/// </remarks>
public interface ISipRequestHandler
{
    /// <summary>A new request arrived (RFC 3261 §8.2).</summary>
    /// <param name="request">The request and its server transaction.</param>
    void OnRequest(SipServerRequest request);

    /// <summary>
    /// A CANCEL matched a pending INVITE (RFC 3261 §9.2); the CANCEL itself was answered 200. The INVITE should now be
    /// answered 487 (Request Terminated) unless it already got a final response; the default does that.
    /// </summary>
    /// <param name="invite">The INVITE that was cancelled: the object <see cref="OnRequest"/> was given, when the INVITE
    /// came to the handler (a re-INVITE of a dialog did not).</param>
    void OnCancel(SipServerRequest invite) => invite.Respond(487);
}

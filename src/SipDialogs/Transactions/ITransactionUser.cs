using SipDialogs.Messages;
using SipDialogs.Transport;

namespace SipDialogs.Transactions;

/// <summary>
/// The transaction user (RFC 3261 §17: the layer above, here the dialog layer): what the transaction layer tells it.
/// Every method is called on the shard that owns the message's Call-ID, one at a time; an exception it throws is
/// caught, logged and counted by the shard, and the transaction carries on as if it had returned.
/// </summary>
internal interface ITransactionUser
{
    /// <summary>
    /// A new request (not ACK, not CANCEL) made a server transaction. The user answers it with
    /// <see cref="ServerTransaction.Respond(SipMessageBuilder)"/>, now or later; an INVITE not answered within
    /// <see cref="SipTimerOptions.TryingDelay"/> gets 100 Trying from the transaction (§17.2.1).
    /// </summary>
    /// <param name="transaction">The new transaction; <see cref="ServerTransaction.Request"/> is the request.</param>
    void OnRequest(ServerTransaction transaction);

    /// <summary>
    /// An ACK no transaction absorbs: the ACK for a 2xx, which is its own transaction and goes straight to the user
    /// (§13.2.2.4, §17.2.3), or an ACK that matched a server INVITE transaction in Accepted (RFC 6026 §7.1).
    /// </summary>
    /// <param name="ack">The ACK as received.</param>
    /// <param name="transaction">
    /// What lingers of the INVITE transaction it matched in Accepted (a <see cref="LingeringServerTransaction"/>), or null.
    /// </param>
    void OnAck(InboundMessage ack, Transaction? transaction);

    /// <summary>
    /// A CANCEL matched an INVITE server transaction that has sent no final response yet (§9.2). The CANCEL has been
    /// answered 200 already; the user should answer the INVITE with 487 Request Terminated.
    /// </summary>
    /// <param name="invite">The INVITE's transaction.</param>
    /// <param name="cancel">The CANCEL as received.</param>
    void OnCancel(ServerInviteTransaction invite, InboundMessage cancel);

    /// <summary>
    /// A response passed up by a client transaction: provisional responses, the final response, and for INVITE every
    /// 2xx that arrives in Accepted (retransmissions and forks, RFC 6026 §7.2), which the user acknowledges. In
    /// Accepted only a transaction with an <see cref="ClientTransaction.Owner"/> is kept to name; the further 2xx of
    /// one without come to <see cref="OnStrayResponse"/>, as after Timer M.
    /// </summary>
    /// <param name="transaction">The client transaction.</param>
    /// <param name="response">The response.</param>
    /// <param name="received">The response as received (where from, on which connection).</param>
    void OnResponse(ClientTransaction transaction, SipResponse response, InboundMessage received);

    /// <summary>
    /// A 2xx to an INVITE that matches no client transaction (its transaction has ended, RFC 6026 §7.2, or it is from
    /// an unknown fork), or one in Accepted of a transaction without an owner: only a dialog can tell whether to acknowledge it (§13.2.2.4). Other stray responses are
    /// dropped and counted (§18.1.2).
    /// </summary>
    /// <param name="response">The response as received.</param>
    void OnStrayResponse(InboundMessage response);

    /// <summary>
    /// A transaction timed out: Timer B or F for a client transaction (§17.1.1.2, §17.1.2.2; its
    /// <see cref="ClientTransaction.FinalResponse"/> completes with a local 408, §8.1.3.1), Timer H for a server INVITE
    /// transaction whose ACK never came (§17.2.1). The transaction terminates next.
    /// </summary>
    /// <param name="transaction">The transaction.</param>
    void OnTimeout(Transaction transaction);

    /// <summary>
    /// The transport could not send for a transaction (§17.1.4, §17.2.4). A client transaction's
    /// <see cref="ClientTransaction.FinalResponse"/> completes with a local 503 (§8.1.3.1) and the transaction
    /// terminates; a server transaction terminates, except in Accepted, where 2xx retransmission is the user's.
    /// </summary>
    /// <param name="transaction">The transaction.</param>
    /// <param name="error">What failed.</param>
    void OnTransportError(Transaction transaction, SipTransportException error);

    /// <summary>
    /// A transaction ended and left the table (every transaction, including the ones made for CANCEL). After its final
    /// response a transaction lingers as a lean stand-in (<see cref="LingeringServerTransaction"/>,
    /// <see cref="LingeringClientTransaction"/>), which is the one named here; a client transaction with an owner is
    /// named itself, as its owner knows it.
    /// </summary>
    /// <param name="transaction">The transaction.</param>
    void OnTerminated(Transaction transaction);
}

using SipDialogs.Messages;
using SipDialogs.Transport;

namespace SipDialogs.Transactions;

/// <summary>
/// What sent a client transaction's request (a call, a dialog, a subscription) and hears how it went. Set when the
/// transaction starts; the transaction user passes it each event of the transaction, on the shard, one at a time.
/// </summary>
internal interface IClientTransactionOwner
{
    /// <summary>
    /// A response matched the transaction: provisional and final, and for INVITE every 2xx in Accepted (RFC 6026 §7.2).
    /// </summary>
    /// <param name="transaction">The transaction.</param>
    /// <param name="response">The response.</param>
    /// <param name="received">The response as received (where from, on which connection).</param>
    void OnResponse(ClientTransaction transaction, SipResponse response, InboundMessage received);

    /// <summary>
    /// No response came: Timer B or F fired (408) or the transport failed (503) (RFC 3261 §8.1.3.1, §17.1.4).
    /// </summary>
    /// <param name="transaction">The transaction.</param>
    /// <param name="status">The status of the local response: 408 or 503.</param>
    void OnNoResponse(ClientTransaction transaction, int status);

    /// <summary>The transaction ended and left the table.</summary>
    /// <param name="transaction">The transaction.</param>
    void OnTerminated(ClientTransaction transaction);
}

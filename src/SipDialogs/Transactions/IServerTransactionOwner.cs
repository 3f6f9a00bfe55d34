namespace SipDialogs.Transactions;

/// <summary>What answers a server transaction's request (an incoming call) and hears what happens to it, on the shard.</summary>
internal interface IServerTransactionOwner
{
    /// <summary>
    /// A CANCEL matched the transaction's INVITE before its final response (RFC 3261 §9.2); the CANCEL has been
    /// answered 200 already and the owner answers the INVITE 487.
    /// </summary>
    /// <param name="transaction">The INVITE's transaction.</param>
    void OnCancelled(ServerTransaction transaction);

    /// <summary>The transaction sent its first final response (the metrics time a call's setup by it).</summary>
    /// <param name="statusCode">The response's status.</param>
    void OnFinalResponse(int statusCode);
}

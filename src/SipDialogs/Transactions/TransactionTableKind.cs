namespace SipDialogs.Transactions;

/// <summary>Which of a shard's tables holds a transaction, by how it is matched.</summary>
internal enum TransactionTableKind : byte
{
    /// <summary>Client transactions, matched by branch and CSeq method (RFC 3261 §17.1.3).</summary>
    Client = 0,

    /// <summary>Server transactions, matched by branch, sent-by and method (RFC 3261 §17.2.3).</summary>
    Server = 1,

    /// <summary>Server transactions of RFC 2543 requests, matched by the fallback fields (RFC 3261 §17.2.3).</summary>
    Rfc2543Server = 2,
}

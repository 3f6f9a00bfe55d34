namespace SipDialogs.Transactions;

/// <summary>
/// The states of the four transaction state machines, named as RFC 3261 §17 Figures 5–8 and RFC 6026 Figures 3
/// and 5 name them. Each machine uses a subset.
/// </summary>
internal enum TransactionState
{
    /// <summary>Client INVITE: the INVITE was sent and nothing has come back (RFC 3261 §17.1.1.2).</summary>
    Calling = 0,

    /// <summary>Non-INVITE: the request was sent or received and no response has passed yet (§17.1.2.2, §17.2.2).</summary>
    Trying = 1,

    /// <summary>A provisional response has passed (client), or the INVITE awaits its final response (server).</summary>
    Proceeding = 2,

    /// <summary>
    /// A final response has passed (non-2xx for INVITE): the transaction absorbs retransmissions until Timer D, G/H,
    /// J or K (§17.1.1.2, §17.1.2.2, §17.2.1, §17.2.2).
    /// </summary>
    Completed = 3,

    /// <summary>Server INVITE: the ACK for the non-2xx final response arrived; Timer I absorbs its retransmissions (§17.2.1).</summary>
    Confirmed = 4,

    /// <summary>
    /// INVITE: a 2xx passed (RFC 6026 §7.1, §7.2). The transaction stays for 64*T1 (Timer L, M) so retransmitted
    /// INVITEs are absorbed and further 2xx responses reach the transaction user.
    /// </summary>
    Accepted = 5,

    /// <summary>Done: removed from the table, its timers cancelled (§17.1.1.2 "destroyed the instant it enters").</summary>
    Terminated = 6,
}

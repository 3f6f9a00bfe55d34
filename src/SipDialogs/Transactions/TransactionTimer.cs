namespace SipDialogs.Transactions;

/// <summary>The transaction timers, as RFC 3261 §17 and Table 4 and RFC 6026 §8.4 and §8.7 letter them.</summary>
internal enum TransactionTimer
{
    /// <summary>Client INVITE retransmission, T1 doubling each time, unreliable transports only (§17.1.1.2).</summary>
    TimerA = 1,

    /// <summary>Client INVITE timeout in Calling, 64*T1 (§17.1.1.2).</summary>
    TimerB,

    /// <summary>Client INVITE wait in Completed for response retransmissions: at least 32 s unreliable, 0 reliable (§17.1.1.2).</summary>
    TimerD,

    /// <summary>Client non-INVITE retransmission: T1 doubling up to T2, T2 in Proceeding; unreliable only (§17.1.2.2).</summary>
    TimerE,

    /// <summary>Client non-INVITE timeout, 64*T1 (§17.1.2.2).</summary>
    TimerF,

    /// <summary>Server INVITE response retransmission in Completed: T1 doubling up to T2; unreliable only (§17.2.1).</summary>
    TimerG,

    /// <summary>Server INVITE wait for the ACK in Completed, 64*T1 (§17.2.1).</summary>
    TimerH,

    /// <summary>Server INVITE wait in Confirmed for ACK retransmissions: T4 unreliable, 0 reliable (§17.2.1).</summary>
    TimerI,

    /// <summary>Server non-INVITE wait in Completed for request retransmissions: 64*T1 unreliable, 0 reliable (§17.2.2).</summary>
    TimerJ,

    /// <summary>Client non-INVITE wait in Completed for response retransmissions: T4 unreliable, 0 reliable (§17.1.2.2).</summary>
    TimerK,

    /// <summary>Server INVITE wait in Accepted, 64*T1 (RFC 6026 §8.7).</summary>
    TimerL,

    /// <summary>Client INVITE wait in Accepted, 64*T1 (RFC 6026 §8.4).</summary>
    TimerM,

    /// <summary>
    /// Not lettered by the RFC: the delay after which a server INVITE transaction sends 100 Trying itself because the
    /// transaction user has not answered (§17.2.1, "within 200 ms").
    /// </summary>
    Trying,

    /// <summary>
    /// Not lettered by the RFC: a cancelled client INVITE with no final response 64*T1 after the CANCEL is given up
    /// (§9.1).
    /// </summary>
    CancelTimeout,
}
